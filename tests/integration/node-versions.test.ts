// What may differ between Node versions, on each Node besides the one running the whole suite
// (Node 22 and 24, installed as dev dependencies): bin/flc.js with its V8 code cache and both
// bundles, the CLI, the guard, and the Claude Code hook fed real payloads.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLC, cleanEnv, git, makeRepo, makeTempDir, readDb } from '../helpers.js';
import { OTHER_NODES } from '../runtimes.js';

function run(node: string, args: string[], options: { cwd: string; env?: Record<string, string | undefined>; input?: string }) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(node, [FLC, ...args], { cwd: options.cwd, env: cleanEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

const edit = (repo: string, session: string, file: string) =>
  JSON.stringify({ session_id: session, cwd: repo, hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: path.join(repo, file), old_string: 'a', new_string: 'b' } });

describe.each(OTHER_NODES)('flc on Node $major', ({ bin, major }) => {
  it('is the Node it claims to be', async () => {
    const version = await new Promise<string>((resolve) => {
      const child = spawn(bin, ['-p', 'process.versions.node']);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', () => resolve(out.trim()));
    });
    expect(version.split('.')[0]).toBe(major);
  });

  it('runs the CLI from its bundle, with V8\'s code cache kept per Node version and reused', async () => {
    const repo = makeRepo();
    const version = await run(bin, ['--version'], { cwd: repo });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/\d+\.\d+\.\d+/);
    const tmp = makeTempDir(); // the code cache lives in $TMPDIR/flc-code-cache-<uid>/
    const env = { TMPDIR: tmp, FLC_SESSION: 'alice' };
    expect((await run(bin, ['init', '--no-guard'], { cwd: repo, env })).code).toBe(0);
    const claim = await run(bin, ['claim', 'src/a.ts', '--reason', 'node test', '--json'], { cwd: repo, env });
    expect(claim.code, claim.stderr).toBe(0);
    expect(JSON.parse(claim.stdout)).toMatchObject({ granted: true, claims: [{ path: 'src/a.ts', session: 'alice' }] });

    const cacheDir = fs.readdirSync(tmp).find((d) => d.startsWith('flc-code-cache-'))!;
    const caches = fs.readdirSync(path.join(tmp, cacheDir));
    expect(caches.some((f) => f.includes(`-cli-`) && new RegExp(`-v${major}\\.\\d+\\.\\d+-`).test(f))).toBe(true);

    // The same command with the cache in place, and with it turned off, says the same; the cache
    // is accepted (a rejected one is written anew: a new file).
    const cacheFile = path.join(tmp, cacheDir, caches.find((f) => f.includes('-cli-'))!);
    const before = fs.statSync(cacheFile).ino;
    const cached = await run(bin, ['status', '--json'], { cwd: repo, env });
    expect(fs.statSync(cacheFile).ino).toBe(before);
    const plain = await run(bin, ['status', '--json'], { cwd: repo, env: { ...env, FLC_NO_CODE_CACHE: '1' } });
    expect(cached.code).toBe(0);
    expect(JSON.parse(cached.stdout).claims).toEqual(JSON.parse(plain.stdout).claims);

    const refused = await run(bin, ['claim', 'src/a.ts'], { cwd: repo, env: { ...env, FLC_SESSION: 'bob' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused: src\/a\.ts is held by alice/);
    const bad = await run(bin, ['claim', 'x', '--ttl', 'forever'], { cwd: repo, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('runs the Claude Code hook from its own bundle: a grant says nothing, a held file is refused with exit 2 naming the holder', async () => {
    const repo = makeRepo();
    const tmp = makeTempDir();
    const env = { TMPDIR: tmp };
    await run(bin, ['config', 'set', 'waitTimeout=300ms'], { cwd: repo, env });
    for (let i = 0; i < 2; i++) {
      // twice: once compiling, once from the code cache
      const granted = await run(bin, ['hook', 'claude'], { cwd: repo, env, input: edit(repo, 'sess-A', `src/f${i}.ts`) });
      expect(granted).toEqual({ code: 0, stdout: '', stderr: '' });
    }
    const cacheDir = fs.readdirSync(tmp).find((d) => d.startsWith('flc-code-cache-'))!;
    expect(fs.readdirSync(path.join(tmp, cacheDir)).some((f) => f.includes('-hook-'))).toBe(true);
    expect(readDb(repo).claims.map((c) => [c.path, c.session])).toEqual([
      ['src/f0.ts', 'sess-A'],
      ['src/f1.ts', 'sess-A'],
    ]);
    const refused = await run(bin, ['hook', 'claude'], { cwd: repo, env, input: edit(repo, 'sess-B', 'src/f0.ts') });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^flc: src\/f0\.ts is being edited by another session, so this edit was not made/);
    expect(refused.stderr).toMatch(/Held by session sess-A/);
    const stop = await run(bin, ['hook', 'claude'], { cwd: repo, env, input: JSON.stringify({ session_id: 'sess-A', cwd: repo, hook_event_name: 'Stop' }) });
    expect(stop).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readDb(repo).claims).toEqual([]);
  });

  it('guards a commit of a file another session holds', async () => {
    const repo = makeRepo();
    await run(bin, ['claim', 'held.ts'], { cwd: repo, env: { FLC_SESSION: 'other' } });
    fs.writeFileSync(path.join(repo, 'held.ts'), 'x\n');
    git(repo, 'add', 'held.ts');
    const blocked = await run(bin, ['guard'], { cwd: repo, env: { FLC_SESSION: 'me' } });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr + blocked.stdout).toMatch(/held\.ts/);
    expect(blocked.stderr + blocked.stdout).toMatch(/other/);
    const own = await run(bin, ['guard'], { cwd: repo, env: { FLC_SESSION: 'other' } });
    expect(own.code).toBe(0);
  });
});
