import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, cleanEnv, flc, git, makeRepo, readEvents, until } from '../helpers.js';

/** Runs git as a session (FLC_SESSION), through the installed hooks. */
function gitAs(cwd: string, session: string, ...args: string[]) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: cleanEnv({ FLC_SESSION: session }) });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function read(repo: string, file: string): string {
  return fs.readFileSync(path.join(repo, file), 'utf8');
}

function write(repo: string, file: string, text: string) {
  fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  fs.writeFileSync(path.join(repo, file), text);
}

const staged = (repo: string) => git(repo, 'diff', '--cached', '--name-only').split('\n').filter(Boolean);
const head = (repo: string) => git(repo, 'rev-parse', 'HEAD').trim();

/** A repository with flc's hooks, where session A changed app.ts under a claim and let go of it (its turn is over). */
async function repoWithAsWork(beforeInit: (repo: string) => void = () => {}) {
  const repo = makeRepo();
  write(repo, 'app.ts', 'base\n');
  write(repo, 'other.ts', 'other\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  beforeInit(repo);
  expect((await flc(['init'], { cwd: repo })).code).toBe(0);
  expect((await flc(['claim', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'A' } })).code).toBe(0);
  write(repo, 'app.ts', 'base\nA was here\n');
  expect((await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'A' } })).code).toBe(0);
  return repo;
}

describe('uncommitted work has an owner', () => {
  it("records A as the owner when it changed a file it held, after the claim is gone, and only then", async () => {
    const repo = await repoWithAsWork();
    // A claim that changed nothing leaves no ownership behind
    await flc(['claim', 'other.ts'], { cwd: repo, env: { FLC_SESSION: 'A' } });
    await flc(['release', 'other.ts'], { cwd: repo, env: { FLC_SESSION: 'A' } });
    const status = JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout);
    expect(status.claims).toEqual([]);
    expect(status.changes.map((c: { path: string; session: string; owner: string }) => [c.path, c.session, c.owner])).toEqual([['app.ts', 'A', 'live']]);
    const owned = readEvents(repo).filter((e) => e.event === 'changes:owned');
    expect(owned.map((e) => [e.session, e.path, e.detail])).toEqual([['A', 'app.ts', 'modified']]);
    expect((await flc(['status'], { cwd: repo })).stdout).toMatch(/Uncommitted changes[\s\S]*A\s+app\.ts\s+\S+\s+live/);
  });

  it("refuses B's `git add -A && git commit`, leaves nothing of A's staged; after A commits, B may edit and commit", async () => {
    const repo = await repoWithAsWork();
    const before = head(repo);
    git(repo, 'add', '-A');
    const sweep = gitAs(repo, 'B', 'commit', '-m', 'B sweeps everything');
    expect(sweep.code).not.toBe(0);
    expect(sweep.stderr).toMatch(/flc: commit refused: a file holds other sessions' uncommitted changes \(you are B\)/);
    expect(sweep.stderr).toMatch(/app\.ts \(modified\): uncommitted changes of A/);
    expect(sweep.stderr).toMatch(/flc adopt app\.ts/);
    expect(head(repo)).toBe(before);
    expect(staged(repo)).toEqual([]);
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');

    // B cannot claim it either, and is told whose changes they are and how they get freed
    const claim = await flc(['claim', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'B' } });
    expect(claim.code).toBe(1);
    expect(claim.stderr).toMatch(/app\.ts holds uncommitted changes owned by A; they are freed when A commits them, hands them over \(flc release --changes app\.ts\), or you adopt them \(flc adopt app\.ts\)/);

    const committed = await flc(['commit', '-m', 'A commits its work'], { cwd: repo, env: { FLC_SESSION: 'A' } });
    expect(committed.code, committed.stderr).toBe(0);
    expect(committed.stdout).toMatch(/app\.ts/);
    expect(JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout).changes).toEqual([]);
    expect(readEvents(repo).some((e) => e.event === 'changes:cleared' && e.path === 'app.ts')).toBe(true);

    expect((await flc(['claim', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'B' } })).code).toBe(0);
    write(repo, 'app.ts', 'B now\n');
    git(repo, 'add', '-A');
    const mine = gitAs(repo, 'B', 'commit', '-q', '-m', 'B commits');
    expect(mine.code, mine.stderr).toBe(0);
  });

  it('clears ownership when A commits with plain git, or reverts', async () => {
    const repo = await repoWithAsWork();
    git(repo, 'add', 'app.ts');
    expect(gitAs(repo, 'A', 'commit', '-q', '-m', 'A with git').code).toBe(0);
    expect((await flc(['claim', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'B' } })).code).toBe(0);
    await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'B' } });

    const again = await repoWithAsWork();
    write(again, 'app.ts', 'base\n'); // A's change undone by hand
    expect((await flc(['claim', 'app.ts'], { cwd: again, env: { FLC_SESSION: 'B' } })).code).toBe(0);
  });

  it("refuses B's commit --no-verify, --amend, git stash, and keeps A's work intact", async () => {
    const repo = await repoWithAsWork();
    const before = head(repo);
    git(repo, 'add', 'app.ts');
    const noVerify = gitAs(repo, 'B', 'commit', '--no-verify', '-m', 'skip hooks');
    expect(noVerify.code).not.toBe(0);
    expect(noVerify.stderr).toMatch(/flc: commit refused \(reference-transaction\)/);
    expect(noVerify.stderr).toMatch(/app\.ts \(committed\): uncommitted changes of A/);
    const amend = gitAs(repo, 'B', 'commit', '--amend', '--no-verify', '-m', 'amend it in');
    expect(amend.code).not.toBe(0);
    expect(amend.stderr).toMatch(/reference-transaction/);
    expect(head(repo)).toBe(before);
    git(repo, 'restore', '--staged', 'app.ts');

    write(repo, 'mine.txt', 'B\n');
    const stash = gitAs(repo, 'B', 'stash', '-u');
    expect(stash.code).not.toBe(0);
    expect(stash.stderr).toMatch(/flc: git stash refused/);
    expect(stash.stderr).toMatch(/git stash push -- <your files>/);
    expect(git(repo, 'stash', 'list')).toBe('');
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');
    // B's own files may be stashed
    const own = gitAs(repo, 'B', 'stash', 'push', '-u', '--', 'mine.txt');
    expect(own.code, own.stderr).toBe(0);
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');
    const blocked = readEvents(repo).filter((e) => e.event === 'guard:blocked' && e.cause === 'owned');
    expect(blocked.length).toBeGreaterThanOrEqual(3);
  });

  it("refuses B's merge and cherry-pick of a change to A's file, lets one that does not touch it through", async () => {
    let pick = '';
    let unrelated = '';
    const repo = await repoWithAsWork((repo) => {
      git(repo, 'checkout', '-q', '-b', 'side');
      write(repo, 'app.ts', 'side version\n');
      git(repo, 'commit', '-q', '-am', 'side touches app.ts');
      pick = head(repo);
      write(repo, 'unrelated.ts', 'u\n');
      git(repo, 'add', 'unrelated.ts');
      git(repo, 'commit', '-q', '-m', 'side adds unrelated.ts');
      unrelated = head(repo);
      git(repo, 'checkout', '-q', 'main');
    });
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');
    const before = head(repo);

    const merge = gitAs(repo, 'B', 'merge', '--no-edit', 'side');
    expect(merge.code).not.toBe(0);
    const cherry = gitAs(repo, 'B', 'cherry-pick', pick);
    expect(cherry.code).not.toBe(0);
    gitAs(repo, 'B', 'cherry-pick', '--abort');
    expect(head(repo)).toBe(before);
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');

    const fine = gitAs(repo, 'B', 'cherry-pick', unrelated);
    expect(fine.code, fine.stderr).toBe(0);
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');
  });

  it('hands over and adopts, journaled with who and from whom', async () => {
    const repo = await repoWithAsWork();
    const notHers = await flc(['release', '--changes', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'B' } });
    expect(notHers.code).toBe(1);
    expect(notHers.stderr).toMatch(/app\.ts holds uncommitted changes of A, not of B/);

    const handed = await flc(['release', '--changes', 'app.ts', '--to', 'C'], { cwd: repo, env: { FLC_SESSION: 'A' } });
    expect(handed.code, handed.stderr).toBe(0);
    expect(handed.stdout).toMatch(/handed over app\.ts to C/);
    expect(JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout).changes[0]).toMatchObject({ path: 'app.ts', session: 'C' });

    const adopted = await flc(['adopt', '--from', 'C'], { cwd: repo, env: { FLC_SESSION: 'B' } });
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(adopted.stdout).toMatch(/adopted app\.ts/);
    const events = readEvents(repo);
    expect(events.find((e) => e.event === 'changes:handed-over')).toMatchObject({ session: 'A', path: 'app.ts', detail: 'to C' });
    expect(events.find((e) => e.event === 'changes:adopted')).toMatchObject({ session: 'B', path: 'app.ts', detail: 'from C' });

    // now B's: B may commit it, with plain git too
    git(repo, 'add', 'app.ts');
    expect(gitAs(repo, 'B', 'commit', '-q', '-m', 'B commits what it adopted').code).toBe(0);

    // handing over to nobody leaves the changes unowned: anyone may commit them
    const other = await repoWithAsWork();
    expect((await flc(['release', '--changes', '--all'], { cwd: other, env: { FLC_SESSION: 'A' } })).code).toBe(0);
    git(other, 'add', 'app.ts');
    expect(gitAs(other, 'B', 'commit', '-q', '-m', 'unowned now').code).toBe(0);
  });

  it('keeps ownership when A is killed with SIGKILL mid-turn and its claim expires', async () => {
    const repo = makeRepo();
    write(repo, 'app.ts', 'base\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    await flc(['init'], { cwd: repo });
    // A, a long-lived process (as a Pi session or flc serve): claims with a 1s TTL, edits, and is killed.
    const script = `
      const { Coordinator } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
      const fs = await import('node:fs');
      const c = Coordinator.open(process.cwd());
      const r = await c.claim({ session: 'A', paths: ['app.ts'], ttlMs: 1000 });
      if (!r.granted) process.exit(5);
      fs.writeFileSync('app.ts', 'A crashed mid-edit\\n');
      console.log('edited');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, env: cleanEnv() });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await until(() => out.includes('edited'), 20_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    await new Promise((r) => setTimeout(r, 1200)); // past the claim's TTL

    const claim = await flc(['claim', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'B' } });
    expect(claim.code).toBe(1);
    expect(claim.stderr).toMatch(/uncommitted changes owned by A/);
    const status = JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout);
    expect(status.claims).toEqual([]);
    expect(status.changes[0]).toMatchObject({ path: 'app.ts', session: 'A' });
    expect(read(repo, 'app.ts')).toBe('A crashed mid-edit\n');
    // a person adopts everything the crashed session left, with one command
    expect((await flc(['adopt', '--from', 'A'], { cwd: repo })).code).toBe(0);
    const events = readEvents(repo);
    expect(events.find((e) => e.event === 'changes:owned')).toMatchObject({ session: 'A', cause: 'expired' });
  }, 60_000);

  it('refuses a commit of work whose claim expired with no flc write since (the guard settles it first)', async () => {
    const repo = makeRepo();
    write(repo, 'app.ts', 'base\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    await flc(['init'], { cwd: repo });
    expect((await flc(['claim', 'app.ts', '--ttl', '1s'], { cwd: repo, env: { FLC_SESSION: 'A' } })).code).toBe(0);
    write(repo, 'app.ts', 'A, then silence\n');
    await new Promise((r) => setTimeout(r, 1300));
    git(repo, 'add', '-A');
    const sweep = gitAs(repo, 'B', 'commit', '-m', 'sweep');
    expect(sweep.code).not.toBe(0);
    expect(sweep.stderr).toMatch(/app\.ts \(modified\): uncommitted changes of A/);
    expect(staged(repo)).toEqual([]);
    git(repo, 'add', '-A');
    expect(gitAs(repo, 'B', 'commit', '--no-verify', '-m', 'sweep').code).not.toBe(0);
  });

  it('records ownership through the Claude Code hooks: an edit, then the end of the turn', async () => {
    const repo = makeRepo();
    write(repo, 'app.ts', 'base\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    await flc(['init'], { cwd: repo });
    const hook = (payload: object) => flc(['hook', 'claude'], { cwd: repo, input: JSON.stringify({ session_id: 'claude-A', cwd: repo, ...payload }) });
    expect((await hook({ hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: path.join(repo, 'app.ts') } })).code).toBe(0);
    write(repo, 'app.ts', 'edited by Claude\n');
    expect((await hook({ hook_event_name: 'PostToolUse', tool_name: 'Edit', tool_input: { file_path: path.join(repo, 'app.ts') } })).code).toBe(0);
    expect((await hook({ hook_event_name: 'Stop' })).code).toBe(0);
    const status = JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout);
    expect(status.claims).toEqual([]);
    expect(status.changes.map((c: { path: string; session: string }) => [c.path, c.session])).toEqual([['app.ts', 'claude-A']]);
    // another Claude session's edit is refused with the reason it reads
    const other = await flc(['hook', 'claude'], { cwd: repo, input: JSON.stringify({ session_id: 'claude-B', cwd: repo, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: path.join(repo, 'app.ts') } }) });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/app\.ts holds uncommitted changes of session claude-A/);
    git(repo, 'add', '-A');
    expect(gitAs(repo, 'claude-B', 'commit', '-m', 'sweep').code).not.toBe(0);
    expect(staged(repo)).toEqual([]);
  });

  it("with changes.claims=allow, B may edit A's file but flc commit never commits A's part of it", async () => {
    const repo = await repoWithAsWork();
    expect((await flc(['config', 'set', 'changes.claims=allow'], { cwd: repo })).code).toBe(0);
    expect((await flc(['claim', 'app.ts', 'other.ts'], { cwd: repo, env: { FLC_SESSION: 'B' } })).code).toBe(0);
    write(repo, 'app.ts', 'base\nA was here\nB too\n');
    write(repo, 'other.ts', 'other, by B\n');
    const both = await flc(['commit', '-m', 'B'], { cwd: repo, env: { FLC_SESSION: 'B' } });
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/not committed: app\.ts \(it also holds uncommitted changes of A\)/);
    expect(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim()).toBe('other.ts');
    const shared = await flc(['commit', '-m', 'B again', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'B' } });
    expect(shared.code).toBe(1);
    expect(shared.stderr).toMatch(/app\.ts also holds uncommitted changes of A: flc commit never commits another session's part of a file/);
    expect(shared.stderr).toMatch(/flc adopt app\.ts/);
    expect(git(repo, 'show', 'HEAD:app.ts')).toBe('base\n');
    expect(read(repo, 'app.ts')).toBe('base\nA was here\nB too\n');
  });

  it('records ownership of the files a directory or glob claim changed, when the claim ends', async () => {
    const repo = await repoWithAsWork((r) => {
      write(r, 'src/a.ts', 'a\n');
      write(r, 'src/b.ts', 'b\n');
      git(r, 'add', '-A');
      git(r, 'commit', '-q', '-m', 'src');
    });
    write(repo, 'src/b.ts', 'b, changed before the claim\n');
    const before = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(repo, 'src/b.ts'), before, before);
    expect((await flc(['claim', 'src/', "src/**/*.md"], { cwd: repo, env: { FLC_SESSION: 'B' } })).code).toBe(0);
    write(repo, 'src/a.ts', 'a, by B\n');
    write(repo, 'src/new.ts', 'new, by B\n');
    write(repo, 'src/doc.md', 'doc, by B\n');
    expect((await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'B' } })).code).toBe(0);
    const status = JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout);
    const owners = status.changes.map((c: { path: string; session: string }) => `${c.path}:${c.session}`).sort();
    expect(owners).toEqual(['app.ts:A', 'src/a.ts:B', 'src/doc.md:B', 'src/new.ts:B']);
    const owned = readEvents(repo).filter((e) => e.event === 'changes:owned' && e.session === 'B');
    expect(owned.map((e) => `${e.path} ${e.detail}`).sort()).toEqual(['src/a.ts modified', 'src/doc.md created', 'src/new.ts created']);
    git(repo, 'add', 'src/a.ts');
    const sweep = gitAs(repo, 'C', 'commit', '-m', 'C takes src/a.ts');
    expect(sweep.code).not.toBe(0);
    expect(sweep.stderr).toMatch(/src\/a\.ts \(modified\): uncommitted changes of B/);
  });

  it('lets a ref update that involves nothing of flc through, fetches included', async () => {
    const repo = await repoWithAsWork();
    const clone = makeRepo();
    git(clone, 'remote', 'add', 'origin', repo);
    const fetched = gitAs(clone, 'B', 'fetch', '-q', 'origin');
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(gitAs(repo, 'B', 'branch', 'topic').code).toBe(0);
    expect(gitAs(repo, 'B', 'tag', 'v1').code).toBe(0);
    write(repo, 'b.ts', 'b\n');
    git(repo, 'add', 'b.ts');
    const own = gitAs(repo, 'B', 'commit', '-q', '--no-verify', '-m', 'B commits its own file');
    expect(own.code, own.stderr).toBe(0);
  });

  it('brings a pre-commit hook written by an older flc up to date, and adds the reference-transaction hook', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const hook = path.join(repo, '.git/hooks/pre-commit');
    fs.writeFileSync(hook, fs.readFileSync(hook, 'utf8').replace('guard --unstage', 'guard'));
    fs.rmSync(path.join(repo, '.git/hooks/reference-transaction'));
    const again = await flc(['init'], { cwd: repo });
    expect(again.stdout).toMatch(/updated the flc guard in .*pre-commit/);
    expect(again.stdout).toMatch(/installed the flc reference-transaction guard/);
    expect(fs.readFileSync(hook, 'utf8')).toMatch(/guard --unstage/);
    expect((await flc(['init'], { cwd: repo })).stdout).toMatch(/already set up/);
  });

  it('uninstalls the reference-transaction hook cleanly and chains an existing one', async () => {
    const repo = makeRepo();
    const hook = path.join(repo, '.git/hooks/reference-transaction');
    const user = '#!/bin/sh\ncat >> "$(git rev-parse --git-dir)/ref-log"\n';
    fs.writeFileSync(hook, user, { mode: 0o755 });
    const init = await flc(['init'], { cwd: repo });
    expect(init.stdout).toMatch(/kept your reference-transaction hook/);
    write(repo, 'x.ts', 'x\n');
    git(repo, 'add', 'x.ts');
    git(repo, 'commit', '-q', '-m', 'x');
    expect(fs.readFileSync(path.join(repo, '.git/ref-log'), 'utf8')).toMatch(/refs\/heads\/main/); // chained, with its stdin
    expect((await flc(['doctor'], { cwd: repo })).stdout).toMatch(/ok\s+ref guard\s+installed/);
    const un = await flc(['init', '--uninstall'], { cwd: repo });
    expect(un.stdout).toMatch(/restored your reference-transaction hook/);
    expect(fs.readFileSync(hook, 'utf8')).toBe(user);
    const plain = makeRepo();
    await flc(['init'], { cwd: plain });
    expect(fs.existsSync(path.join(plain, '.git/hooks/reference-transaction'))).toBe(true);
    await flc(['init', '--uninstall'], { cwd: plain });
    expect(fs.existsSync(path.join(plain, '.git/hooks/reference-transaction'))).toBe(false);
  });
});
