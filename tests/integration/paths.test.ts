import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Coordinator } from '../../src/coordinator.js';
import { createLockServer } from '../../src/server/http.js';
import { cleanEnv, flc, git, makeRepo, makeTempDir, readDb } from '../helpers.js';

/**
 * One file, one key: whatever path names a file (a symlink, a symlinked directory, a name
 * with glob characters, a submodule seen from its superproject), every front door — the CLI,
 * the Claude hook, the library — and the git guard agree on the one claim that covers it.
 */

function write(repo: string, file: string, text = `${file} ${Math.random()}\n`) {
  fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  fs.writeFileSync(path.join(repo, file), text);
}

function commitAll(repo: string, message = 'base') {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--no-verify', '-m', message);
}

/** `git commit` as a session, through the guard `flc init` installed. */
function commitAs(cwd: string, session: string, message: string) {
  const r = spawnSync('git', ['commit', '-q', '-m', message], { cwd, encoding: 'utf8', env: cleanEnv({ FLC_SESSION: session }) });
  return { code: r.status ?? -1, stderr: r.stderr };
}

const claim = (cwd: string, session: string, ...args: string[]) => flc(['claim', ...args], { cwd, env: { FLC_SESSION: session } });

/** The Claude Code hook, as Claude runs it before an Edit: an absolute file_path. */
function claudeEdit(repo: string, session: string, absoluteFile: string) {
  const payload = { session_id: session, cwd: repo, hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: absoluteFile, old_string: 'a', new_string: 'b' } };
  return flc(['hook', 'claude'], { cwd: repo, input: JSON.stringify(payload) });
}

/** A repository with the guard installed and a short wait, so refused hooks answer quickly. */
async function guardedRepo(): Promise<string> {
  const repo = makeRepo();
  expect((await flc(['init'], { cwd: repo })).code).toBe(0);
  expect((await flc(['config', 'set', 'waitTimeout=300ms'], { cwd: repo })).code).toBe(0);
  return repo;
}

const keys = (repo: string) => readDb(repo).claims.map((c) => c.path);

describe('symlinked files: CLAUDE.md -> AGENTS.md', () => {
  async function linkedRepo() {
    const repo = await guardedRepo();
    write(repo, 'AGENTS.md', 'rules\n');
    fs.symlinkSync('AGENTS.md', path.join(repo, 'CLAUDE.md'));
    commitAll(repo);
    return repo;
  }

  it('gives the link and its target one key, from the CLI and the Claude hook alike', async () => {
    const repo = await linkedRepo();
    expect((await claim(repo, 'bob', 'CLAUDE.md')).code).toBe(0);
    expect(keys(repo)).toEqual(['AGENTS.md']);
    const viaTarget = await claim(repo, 'alice', 'AGENTS.md');
    expect(viaTarget.code).toBe(1);
    expect(viaTarget.stderr).toMatch(/AGENTS\.md is held by bob/);
    const hook = await claudeEdit(repo, 'alice', path.join(repo, 'CLAUDE.md'));
    expect(hook.code).toBe(2);
    expect(hook.stderr).toMatch(/held by session bob|Held by session bob/);
    expect((await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
    // and the other way round: the hook claims through the link, the CLI asks for the target
    expect((await claudeEdit(repo, 'carol', path.join(repo, 'CLAUDE.md'))).code).toBe(0);
    expect((await claim(repo, 'alice', 'AGENTS.md')).code).toBe(1);
  });

  it('blocks a commit of the target when the link is claimed, and a commit of the link when the target is', async () => {
    const repo = await linkedRepo();
    expect((await claim(repo, 'bob', 'CLAUDE.md')).code).toBe(0);
    write(repo, 'AGENTS.md', 'alice rewrites the rules\n');
    git(repo, 'add', 'AGENTS.md');
    const target = commitAs(repo, 'alice', 'alice edits AGENTS.md');
    expect(target.code).not.toBe(0);
    expect(target.stderr).toMatch(/AGENTS\.md \(modified\): held by bob/);
    git(repo, 'reset', '-q', '--hard');

    expect((await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
    expect((await claim(repo, 'bob', 'AGENTS.md')).code).toBe(0);
    fs.rmSync(path.join(repo, 'CLAUDE.md'));
    write(repo, 'OTHER.md', 'x\n');
    fs.symlinkSync('OTHER.md', path.join(repo, 'CLAUDE.md')); // alice points the link elsewhere
    git(repo, 'add', '-A');
    const link = commitAs(repo, 'alice', 'alice retargets CLAUDE.md');
    expect(link.code).not.toBe(0);
    expect(link.stderr).toMatch(/AGENTS\.md \(through its symbolic link CLAUDE\.md\): held by bob/);
    expect(commitAs(repo, 'bob', 'bob may').code).toBe(0);
  });

  it('keys a new file under a symlinked directory (lib -> src) by its real place', async () => {
    const repo = await guardedRepo();
    write(repo, 'src/a.ts');
    fs.symlinkSync('src', path.join(repo, 'lib'));
    commitAll(repo);
    expect((await claim(repo, 'bob', 'lib/a.ts', 'lib/new.ts')).code).toBe(0);
    expect(keys(repo).sort()).toEqual(['src/a.ts', 'src/new.ts']);
    expect((await claim(repo, 'alice', 'src/new.ts')).code).toBe(1);
    expect((await claim(repo, 'alice', 'lib/')).code).toBe(1); // the directory through its link: src/
    expect((await claim(repo, 'alice', 'lib/*.ts')).code).toBe(1); // a glob through the link
    expect((await claudeEdit(repo, 'alice', path.join(repo, 'lib/a.ts'))).code).toBe(2);
    write(repo, 'src/a.ts', 'alice\n');
    git(repo, 'add', 'src/a.ts');
    expect(commitAs(repo, 'alice', 'alice edits src/a.ts').stderr).toMatch(/src\/a\.ts \(modified\): held by bob/);
  });

  it('keys a dangling link by what it will point to', async () => {
    const repo = await guardedRepo();
    fs.symlinkSync('AGENTS.md', path.join(repo, 'CLAUDE.md')); // AGENTS.md not written yet
    expect((await claim(repo, 'bob', 'CLAUDE.md')).code).toBe(0);
    expect(keys(repo)).toEqual(['AGENTS.md']);
  });

  it('treats what a link reaches outside the repository as outside it, as git does', async () => {
    const repo = await guardedRepo();
    const outside = makeTempDir();
    fs.writeFileSync(path.join(outside, 'shared.ts'), 'x\n');
    fs.symlinkSync(outside, path.join(repo, 'vendor'));
    const r = await claim(repo, 'bob', 'vendor/shared.ts');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"vendor\/shared\.ts" leads through a symbolic link to \S+shared\.ts, which is outside the repository/);
    expect(await claudeEdit(repo, 'alice', path.join(repo, 'vendor/shared.ts'))).toMatchObject({ code: 0, stderr: '' }); // not flc's business
    expect(fs.existsSync(path.join(repo, '.git/flc/db.json')) ? keys(repo) : []).toEqual([]);
  });
});

describe('names with glob characters: app/[slug]/page.tsx', () => {
  it('claims an existing name literally, so a directory covers its files and a glob meets them', async () => {
    const repo = await guardedRepo();
    write(repo, 'app/[slug]/page.tsx');
    write(repo, 'app/[...all]/page.tsx');
    write(repo, 'app/s/page.tsx');
    commitAll(repo);
    expect((await claim(repo, 'bob', 'app/[slug]/', 'app/[...all]/page.tsx')).code).toBe(0);
    expect(keys(repo).sort()).toEqual(['app/\\[...all\\]/page.tsx', 'app/\\[slug\\]/']);
    const inside = await claim(repo, 'alice', 'app/[slug]/page.tsx');
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/held by bob/);
    expect((await claim(repo, 'alice', 'app/*/page.tsx')).code).toBe(1);
    expect((await claim(repo, 'alice', 'app/s/page.tsx')).code).toBe(0); // [slug] is not a pattern matching "s"
    expect((await claudeEdit(repo, 'alice', path.join(repo, 'app/[...all]/page.tsx'))).code).toBe(2);
    write(repo, 'app/[slug]/page.tsx', 'alice\n');
    git(repo, 'add', '-A');
    expect(commitAs(repo, 'alice', 'alice edits the slug page').stderr).toMatch(/app\/\[slug\]\/page\.tsx \(modified\): held by bob/);
  });

  it('claims a glob-looking name that does not exist yet when its characters are escaped', async () => {
    const repo = await guardedRepo();
    expect((await claim(repo, 'bob', 'app/\\[id\\]/page.tsx')).code).toBe(0);
    expect(keys(repo)).toEqual(['app/\\[id\\]/page.tsx']);
    write(repo, 'app/[id]/page.tsx'); // now it exists: typed plainly, it is the same file
    expect((await claim(repo, 'alice', 'app/[id]/page.tsx')).code).toBe(1);
    expect((await claudeEdit(repo, 'alice', path.join(repo, 'app/[id]/page.tsx'))).code).toBe(2);
  });

  it('works in a repository whose own directory has glob characters in its name', async () => {
    const repo = path.join(makeTempDir(), '[work] {x}', 'repo');
    fs.mkdirSync(repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    write(repo, 'src/a.ts');
    expect((await claim(repo, 'bob', 'src/*.ts')).code).toBe(0);
    expect((await claim(path.join(repo, 'src'), 'carol', 'b.md')).code).toBe(0);
    expect(keys(repo)).toEqual(['src/*.ts', 'src/b.md']);
    expect((await claim(repo, 'alice', path.join(repo, 'src/a.ts'))).code).toBe(1);
  });
});

describe('file names from agents and --literal are never globs', () => {
  it('claims a new app/[id]/page.tsx literally with --literal, and as a glob without', async () => {
    const repo = makeRepo();
    expect((await claim(repo, 'bob', '--literal', 'app/[id]/page.tsx')).code).toBe(0);
    expect((await claim(repo, 'carol', 'app/[id]/x.tsx')).code).toBe(0); // typed plainly: a glob (app/i/x.tsx, ...)
    expect(keys(repo)).toEqual(['app/\\[id\\]/page.tsx', 'app/[id]/x.tsx']);
    expect((await claim(repo, 'alice', 'app/i/page.tsx')).code).toBe(0); // not covered by bob's literal name
    expect((await claim(repo, 'alice', 'app/i/x.tsx')).code).toBe(1); // covered by carol's glob
    expect((await flc(['release', '--literal', 'app/[id]/page.tsx'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).stdout).toMatch(/released write app\/\\\[id\\\]\/page\.tsx/);
    expect((await flc(['check', '--literal', 'app/[id]/page.tsx'], { cwd: repo, env: { FLC_SESSION: 'alice' } })).code).toBe(0);
  });

  it('takes the HTTP API\'s file as a file name', async () => {
    const repo = makeRepo();
    const server = createLockServer(Coordinator.open(repo));
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.server.address() as AddressInfo).port;
      const reply = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/lock?wait=false', headers: { 'Content-Type': 'application/json' } }, (res) => {
          let data = '';
          res.on('data', (d) => (data += d));
          res.on('end', () => resolve(data));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ session: 'bob', file: 'app/[new]/page.tsx' }));
      });
      expect(JSON.parse(reply)).toMatchObject({ granted: true });
      expect(keys(repo)).toEqual(['app/\\[new\\]/page.tsx']);
      expect((await claim(repo, 'alice', 'app/n/page.tsx')).code).toBe(0);
      expect((await claim(repo, 'alice', '--literal', 'app/[new]/page.tsx')).code).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('names are kept exactly', () => {
  it('keeps leading and trailing spaces, so the guard sees " lead.ts" as claimed', async () => {
    const repo = await guardedRepo();
    expect((await claim(repo, 'bob', ' lead.ts', 'trail.ts ')).code).toBe(0);
    expect(keys(repo).sort()).toEqual([' lead.ts', 'trail.ts ']);
    expect((await claim(repo, 'alice', 'lead.ts')).code).toBe(0); // a different file
    write(repo, ' lead.ts');
    git(repo, 'add', '-A');
    const r = commitAs(repo, 'alice', 'alice adds " lead.ts"');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/ lead\.ts \(added\): held by bob/);
  });

  it('refuses an empty path or a NUL byte, and an unknown claim kind, as bad input (exit 2)', async () => {
    const repo = makeRepo();
    for (const args of [[''], ['a\u0001b', '--kind', 'sideways']]) {
      const r = await claim(repo, 'bob', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/empty path|unknown claim kind "sideways"/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
    const coordinator = Coordinator.open(repo);
    await expect(coordinator.claim({ session: 'bob', paths: ['a.ts'], kind: 'sideways' as never })).rejects.toThrow(/unknown claim kind "sideways"/);
    await expect(coordinator.claim({ session: 'bob', paths: ['a\0b'] })).rejects.toThrow(/NUL/);
    expect(fs.existsSync(path.join(repo, '.git/flc/db.json')) ? keys(repo) : []).toEqual([]);
  });
});

describe('submodules', () => {
  it('keeps a submodule file in the submodule\'s own store, from the superproject\'s CLI and the hook alike', async () => {
    const upstream = makeRepo();
    write(upstream, 'x.ts');
    commitAll(upstream);
    const superproject = makeRepo();
    git(superproject, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'sub');
    git(superproject, 'commit', '-q', '-m', 'add sub');
    const sub = path.join(superproject, 'sub');
    expect((await flc(['config', 'set', 'waitTimeout=300ms'], { cwd: sub })).code).toBe(0);

    expect((await claim(superproject, 'bob', 'sub/x.ts')).code).toBe(0);
    expect(fs.existsSync(path.join(superproject, '.git/flc/db.json')) ? keys(superproject) : []).toEqual([]);
    const subStore = JSON.parse(fs.readFileSync(path.join(superproject, '.git/modules/sub/flc/db.json'), 'utf8'));
    expect(subStore.claims.map((c: { path: string }) => c.path)).toEqual(['x.ts']);
    expect((await claudeEdit(superproject, 'alice', path.join(sub, 'x.ts'))).code).toBe(2);
    expect((await claim(sub, 'alice', 'x.ts')).code).toBe(1);
    const status = await flc(['status'], { cwd: sub });
    expect(status.stdout).toMatch(/x\.ts/);
  });

  // Issue 12: a session's end, turn end and `release --all` in the superproject also release what it claimed in a submodule.
  it('releases what a session claimed in a submodule when it ends, its turn ends, or it releases all, from the superproject', async () => {
    const upstream = makeRepo();
    write(upstream, 'x.ts');
    write(upstream, 'y.ts');
    write(upstream, 'z.ts');
    commitAll(upstream);
    const superproject = makeRepo();
    git(superproject, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'sub');
    git(superproject, 'commit', '-q', '-m', 'add sub');
    const subClaims = () => JSON.parse(fs.readFileSync(path.join(superproject, '.git/modules/sub/flc/db.json'), 'utf8')).claims.map((c: { path: string; session: string }) => `${c.session}:${c.path}`).sort();

    const coordinator = Coordinator.open(superproject);
    for (const [session, file] of [['turn', 'x.ts'], ['ender', 'y.ts']] as const) {
      expect(await coordinator.claim({ session, paths: [path.join(superproject, 'sub', file)], literal: true })).toMatchObject({ granted: true });
    }
    expect((await claim(superproject, 'cli', 'sub/z.ts')).code).toBe(0);
    expect(subClaims()).toEqual(['cli:z.ts', 'ender:y.ts', 'turn:x.ts']);

    expect((await coordinator.endTurn('turn', { keepAgents: [] })).released.map((c) => c.path)).toEqual(['x.ts']);
    expect(subClaims()).toEqual(['cli:z.ts', 'ender:y.ts']);
    expect((await coordinator.endSession('ender')).released.map((c) => c.path)).toEqual(['y.ts']);
    expect(subClaims()).toEqual(['cli:z.ts']);
    const released = await flc(['release', '--all', '--json'], { cwd: superproject, env: { FLC_SESSION: 'cli' } });
    expect(released.code, released.stderr).toBe(0);
    expect(JSON.parse(released.stdout).released.map((c: { path: string }) => c.path)).toEqual(['z.ts']);
    expect(subClaims()).toEqual([]);
  });
});
