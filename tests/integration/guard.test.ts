import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLC, ROOT, cleanEnv, flc, git, makeRepo, makeTempDir, readEvents, sleep } from '../helpers.js';

/** Runs `git commit` in `cwd` as a session, through whatever hooks are installed. */
function commit(cwd: string, session: string, args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync('git', ['commit', '-q', ...args], { cwd, encoding: 'utf8', env: cleanEnv({ FLC_SESSION: session, ...env }) });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function write(repo: string, file: string, text = `${file} ${Math.random()}\n`) {
  fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  fs.writeFileSync(path.join(repo, file), text);
}

function head(repo: string): string {
  return git(repo, 'rev-parse', 'HEAD').trim();
}

/** flc as a dev dependency of the repository under test: node_modules/.bin/flc. */
function linkFlcDependency(repo: string) {
  fs.mkdirSync(path.join(repo, 'node_modules', '.bin'), { recursive: true });
  fs.symlinkSync(FLC, path.join(repo, 'node_modules', '.bin', 'flc'));
  fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n');
  git(repo, 'add', '.gitignore');
  git(repo, 'commit', '-q', '--no-verify', '-m', 'ignore node_modules');
}

/** The shared scenario: bob holds a file, alice's commit of it is refused, bob's goes through. */
async function expectTwoSessionsGuarded(repo: string) {
  write(repo, 'src/app.ts');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--no-verify', '-m', 'base');
  expect((await flc(['claim', 'src/app.ts', '--reason', 'login fix'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
  write(repo, 'src/app.ts');
  git(repo, 'add', 'src/app.ts');
  const before = head(repo);
  const refused = commit(repo, 'alice', ['-m', 'alice sweeps it up']);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/flc: commit refused: 1 staged file is claimed by other sessions \(you are alice\)/);
  expect(refused.stderr).toMatch(/src\/app\.ts \(modified\): held by bob, write, for \S+, expires in \S+.* — "login fix"/);
  expect(refused.stderr).toMatch(/flc release --force src\/app\.ts/);
  expect(refused.stderr).toMatch(/FLC_GUARD=off git commit/);
  expect(head(repo)).toBe(before);
  const allowed = commit(repo, 'bob', ['-m', 'bob commits his own']);
  expect(allowed.code, allowed.stderr).toBe(0);
  expect(head(repo)).not.toBe(before);
}

describe('flc init installs the guard', () => {
  it('in a plain repository, chaining an existing pre-commit hook, idempotently, and uninstalls cleanly', async () => {
    const repo = makeRepo();
    const hook = path.join(repo, '.git/hooks/pre-commit');
    const userHook = '#!/bin/sh\necho ran >> "$(git rev-parse --git-dir)/user-hook-ran"\n';
    fs.writeFileSync(hook, userHook, { mode: 0o755 });
    const init = await flc(['init'], { cwd: repo });
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/kept your pre-commit hook as .*pre-commit\.flc-chained/);
    const installed = fs.readFileSync(hook, 'utf8');
    expect((await flc(['init'], { cwd: repo })).stdout).toMatch(/already set up/);
    expect(fs.readFileSync(hook, 'utf8')).toBe(installed);
    expect((await flc(['doctor'], { cwd: repo })).stdout).toMatch(/ok\s+guard\s+installed and runs on commit/);

    await expectTwoSessionsGuarded(repo);
    expect(fs.readFileSync(path.join(repo, '.git/user-hook-ran'), 'utf8')).toBe('ran\n'); // chained: ran for bob's commit only

    const uninstall = await flc(['init', '--uninstall'], { cwd: repo });
    expect(uninstall.stdout).toMatch(/restored your pre-commit hook/);
    expect(fs.readFileSync(hook, 'utf8')).toBe(userHook);
    expect(fs.existsSync(path.join(repo, '.git/hooks/pre-commit.flc-chained'))).toBe(false);
    expect((await flc(['doctor'], { cwd: repo })).stdout).toMatch(/guard\s+not active/);
  });

  it('in a plain repository without a hook, and removes it again', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    expect(fs.statSync(path.join(repo, '.git/hooks/pre-commit')).mode & 0o111).toBeTruthy();
    await expectTwoSessionsGuarded(repo);
    await flc(['init', '--uninstall'], { cwd: repo });
    expect(fs.existsSync(path.join(repo, '.git/hooks/pre-commit'))).toBe(false);
  });

  it('in a husky repository, keeping its pre-commit script', async () => {
    const repo = makeRepo();
    linkFlcDependency(repo);
    const huskyBin = path.join(ROOT, 'node_modules/husky/bin.js');
    expect(spawnSync(process.execPath, [huskyBin], { cwd: repo, encoding: 'utf8' }).status).toBe(0);
    const script = 'echo husky-ran >> .git/husky-ran\n';
    fs.writeFileSync(path.join(repo, '.husky/pre-commit'), script);
    const init = await flc(['init'], { cwd: repo });
    expect(init.stdout).toMatch(/added the flc guard to .*\.husky\/pre-commit/);
    const installed = fs.readFileSync(path.join(repo, '.husky/pre-commit'), 'utf8');
    expect(installed).toContain('# >>> flc guard >>>');
    expect(installed).not.toContain(ROOT); // committed file: no machine-specific path
    expect(installed.endsWith(script)).toBe(true);
    await flc(['init'], { cwd: repo });
    expect(fs.readFileSync(path.join(repo, '.husky/pre-commit'), 'utf8')).toBe(installed);
    expect((await flc(['doctor'], { cwd: repo })).stdout).toMatch(/guard\s+installed and runs on commit .*\(husky\)/);

    await expectTwoSessionsGuarded(repo);
    expect(fs.readFileSync(path.join(repo, '.git/husky-ran'), 'utf8')).toBe('husky-ran\n');

    await flc(['init', '--uninstall'], { cwd: repo });
    expect(fs.readFileSync(path.join(repo, '.husky/pre-commit'), 'utf8')).toBe(script);
    expect(git(repo, 'config', 'core.hooksPath').trim()).toBe('.husky/_'); // husky was the user's: untouched
  });

  it('in a package.json repository without husky, by setting husky up', async () => {
    const repo = makeRepo();
    const pkg = JSON.stringify({ name: 'demo', version: '1.0.0', scripts: { test: 'echo ok' } }, null, 2) + '\n';
    fs.writeFileSync(path.join(repo, 'package.json'), pkg);
    git(repo, 'add', 'package.json');
    git(repo, 'commit', '-q', '-m', 'pkg');
    linkFlcDependency(repo);
    const init = await flc(['init'], { cwd: repo });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/set up husky/);
    expect(git(repo, 'config', 'core.hooksPath').trim()).toBe('.husky/_');
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts).toEqual({ test: 'echo ok', prepare: 'husky' });
    expect(fs.readFileSync(path.join(repo, '.husky/pre-commit'), 'utf8')).toContain('flc_bin');

    await expectTwoSessionsGuarded(repo);

    await flc(['init', '--uninstall'], { cwd: repo });
    expect(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).toBe(pkg);
    expect(spawnSync('git', ['config', 'core.hooksPath'], { cwd: repo }).status).toBe(1);
    expect(fs.existsSync(path.join(repo, '.husky'))).toBe(false);
  });

  it('covers linked worktrees, following guard.otherWorktrees for claims made in another one', async () => {
    const repo = makeRepo();
    write(repo, 'shared.ts');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'shared');
    await flc(['init'], { cwd: repo });
    const wt = path.join(makeTempDir(), 'wt');
    git(repo, 'worktree', 'add', '-q', wt);

    // bob works in the linked worktree; alice commits there too: blocked.
    await flc(['claim', 'shared.ts'], { cwd: wt, env: { FLC_SESSION: 'bob' } });
    write(wt, 'shared.ts');
    git(wt, 'add', 'shared.ts');
    expect(commit(wt, 'alice', ['-m', 'x']).code).not.toBe(0);

    // carol commits the same file in the main worktree: bob's claim is about another checkout.
    write(repo, 'shared.ts');
    git(repo, 'add', 'shared.ts');
    const warned = commit(repo, 'carol', ['-m', 'carol']);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/flc: warning: shared\.ts .*held by bob in worktree .*wt, write/);

    await flc(['config', 'set', 'guard.otherWorktrees=block'], { cwd: repo });
    write(repo, 'shared.ts');
    git(repo, 'add', 'shared.ts');
    expect(commit(repo, 'carol', ['-m', 'carol again']).code).not.toBe(0);
    await flc(['config', 'set', 'guard.otherWorktrees=ignore'], { cwd: repo });
    const quiet = commit(repo, 'carol', ['-m', 'carol again']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});

describe('flc guard decisions in real commits', () => {
  async function guardedRepo() {
    const repo = makeRepo();
    write(repo, 'old.ts');
    write(repo, 'gone.ts');
    write(repo, 'docs/spec.md');
    write(repo, 'dir with space/ünïcödé file.ts');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'files');
    await flc(['init'], { cwd: repo });
    return repo;
  }

  it('blocks both sides of a rename, deletions, and directory and glob claims', async () => {
    const repo = await guardedRepo();
    await flc(['claim', 'old.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    git(repo, 'mv', 'old.ts', 'renamed.ts');
    let r = commit(repo, 'alice', ['-m', 'rename']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/old\.ts \(renamed to renamed\.ts\): held by bob/);
    git(repo, 'mv', 'renamed.ts', 'old.ts');

    await flc(['claim', 'lib/'], { cwd: repo, env: { FLC_SESSION: 'carol' } });
    await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    fs.mkdirSync(path.join(repo, 'lib'));
    git(repo, 'mv', 'old.ts', 'lib/moved.ts');
    r = commit(repo, 'alice', ['-m', 'move into lib']);
    expect(r.stderr).toMatch(/lib\/moved\.ts \(renamed from old\.ts\): held by carol via lib\//);
    git(repo, 'mv', 'lib/moved.ts', 'old.ts');

    await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'carol' } });
    expect((await flc(['claim', '**/*.ts', '--kind', 'exclusive'], { cwd: repo, env: { FLC_SESSION: 'dave' } })).code).toBe(0);
    git(repo, 'rm', '-q', 'gone.ts');
    r = commit(repo, 'alice', ['-m', 'delete']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/gone\.ts \(deleted\): held by dave via \*\*\/\*\.ts, exclusive/);
    expect(readEvents(repo).filter((e) => e.event === 'guard:blocked').length).toBeGreaterThanOrEqual(3);
  });

  it('handles paths with spaces and unicode', async () => {
    const repo = await guardedRepo();
    const odd = 'dir with space/ünïcödé file.ts';
    await flc(['claim', odd], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    write(repo, odd);
    git(repo, 'add', '-A');
    const r = commit(repo, 'alice', ['-m', 'odd']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${odd} (modified): held by bob`);
  });

  it('warns on read claims, ignores expired claims, and counts subagents as their session', async () => {
    const repo = await guardedRepo();
    await flc(['claim', 'docs/spec.md', '--kind', 'read'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    await flc(['claim', 'old.ts', '--ttl', '1s'], { cwd: repo, env: { FLC_SESSION: 'carol' } });
    await flc(['claim', 'gone.ts', '--agent', 'sub-1'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    await sleep(1100);
    write(repo, 'docs/spec.md');
    write(repo, 'old.ts');
    write(repo, 'gone.ts');
    git(repo, 'add', '-A');
    const r = commit(repo, 'alice', ['-m', 'all three']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/flc: warning: docs\/spec\.md \(modified\) held by bob, read/);
    expect(r.stderr).not.toMatch(/old\.ts|gone\.ts/);
  });

  it('lets FLC_GUARD=warn and FLC_GUARD=off through, and guard.mode=warn; --no-verify meets the reference-transaction hook', async () => {
    const repo = await guardedRepo();
    await flc(['claim', 'old.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    const attempt = (env: Record<string, string> = {}, extra: string[] = []) => {
      write(repo, 'old.ts');
      git(repo, 'add', 'old.ts');
      return commit(repo, 'alice', ['-m', 'x', ...extra], env);
    };
    expect(attempt().code).not.toBe(0);
    const skipped = attempt({}, ['--no-verify']);
    expect(skipped.code).not.toBe(0);
    expect(skipped.stderr).toMatch(/flc: commit refused \(reference-transaction\).*\n  old\.ts \(committed\): uncommitted changes of bob/);
    expect(attempt({ FLC_GUARD: 'off' }, ['--no-verify']).code).toBe(0);
    const warned = attempt({ FLC_GUARD: 'warn' });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/flc: warning: old\.ts \(modified\) held by bob, write/);
    const off = attempt({ FLC_GUARD: 'off' });
    expect(off.code).toBe(0);
    expect(off.stderr).toBe('');
    await flc(['config', 'set', 'guard.mode=warn'], { cwd: repo });
    expect(attempt().code).toBe(0);
  });

  it('checks what `git commit -a` and `git commit <paths>` will commit, not just the index', async () => {
    const repo = await guardedRepo();
    await flc(['claim', 'old.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    write(repo, 'old.ts');
    expect(commit(repo, 'alice', ['-a', '-m', 'all']).code).not.toBe(0);
    expect(commit(repo, 'alice', ['-m', 'only', '--', 'old.ts']).code).not.toBe(0);
  });

  it('fails open with a warning when the store is unreadable', async () => {
    const repo = await guardedRepo();
    await flc(['claim', 'old.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    fs.writeFileSync(path.join(repo, '.git/flc/db.json'), '{broken');
    write(repo, 'old.ts');
    git(repo, 'add', 'old.ts');
    const r = commit(repo, 'alice', ['-m', 'x']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/flc guard: could not check claims \(.*corrupt.*\); the commit is allowed/);
  });

  it('lets the commit through with a warning when flc has been uninstalled', async () => {
    const repo = makeRepo();
    linkFlcDependency(repo);
    fs.mkdirSync(path.join(repo, '.husky'));
    await flc(['init'], { cwd: repo });
    fs.rmSync(path.join(repo, 'node_modules'), { recursive: true });
    write(repo, 'a.ts');
    git(repo, 'add', 'a.ts');
    const r = commit(repo, 'alice', ['-m', 'x'], { PATH: '/usr/bin:/bin' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/flc: not found \(uninstalled\?\); this commit was not checked/);
  });
});

describe('flc commit', () => {
  it("commits only the session's files and leaves another session's staged change staged", async () => {
    const repo = makeRepo();
    write(repo, 'mine.ts');
    write(repo, 'theirs.ts');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    await flc(['init'], { cwd: repo });
    await flc(['claim', 'mine.ts', 'new/'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    await flc(['claim', 'theirs.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    write(repo, 'mine.ts');
    write(repo, 'new/file.ts'); // untracked, under alice's directory claim
    write(repo, 'theirs.ts');
    git(repo, 'add', 'theirs.ts', 'mine.ts'); // one index, shared by both sessions

    const r = await flc(['commit', '-m', 'alice: her work', '--release', '--json'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.files.sort()).toEqual(['mine.ts', 'new/file.ts']);
    expect(result.released.map((c: { path: string }) => c.path).sort()).toEqual(['mine.ts', 'new/']);
    expect(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual(['mine.ts', 'new/file.ts']);
    expect(git(repo, 'diff', '--cached', '--name-only').trim()).toBe('theirs.ts'); // still staged, uncommitted
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('alice: her work\n');
  });

  it('commits a given subset, and refuses when nothing is held, not held, or unchanged', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const none = await flc(['commit', '-m', 'x'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/alice holds no write or exclusive claims/);
    await flc(['claim', 'a.ts', 'b.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect((await flc(['commit', '-m', 'x'], { cwd: repo, env: { FLC_SESSION: 'alice' } })).stderr).toMatch(/none of the files alice holds has changes/);
    expect((await flc(['commit', '-m', 'x', '--', 'c.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } })).stderr).toMatch(/c\.ts is not claimed by alice/);
    write(repo, 'a.ts');
    write(repo, 'b.ts');
    const part = await flc(['commit', '-m', 'just a', '--', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect(part.code, part.stderr).toBe(0);
    expect(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim()).toBe('a.ts');
    expect((await flc(['commit'], { cwd: repo, env: { FLC_SESSION: 'alice' } })).code).toBe(2);
  });
});
