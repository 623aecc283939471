import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/coordinator.js';
import { ShellChangesService } from '../../src/coordinator/shell-changes.js';
import { FLC, cleanEnv, flc, git, makeRepo, readEvents } from '../helpers.js';

/** Runs a shell command in the repository, as an agent's Bash tool would. */
function sh(repo: string, command: string) {
  const r = spawnSync('sh', ['-c', command], { cwd: repo, encoding: 'utf8', env: cleanEnv() });
  expect(r.status, r.stderr).toBe(0);
}

function gitAs(cwd: string, session: string, ...args: string[]) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: cleanEnv({ FLC_SESSION: session }) });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const read = (repo: string, file: string) => fs.readFileSync(path.join(repo, file), 'utf8');
const service = (repo: string) => {
  const c = Coordinator.open(repo);
  return new ShellChangesService(c.repo, c.store);
};
const owners = (repo: string) => Object.fromEntries(Coordinator.open(repo).changes.list().map((r) => [r.path, r.session]));
const events = (repo: string, name: string) => readEvents(repo).filter((e) => e.event === name);

/** Runs `command` as one shell-tool call of `session`: the pre look, the command, the post look. */
async function asCommand(repo: string, session: string, id: string, command: string) {
  const s = service(repo);
  expect(await s.begin({ session }, id)).toBe(true);
  sh(repo, command);
  return s.finish({ session }, id);
}

async function initRepo() {
  const repo = makeRepo();
  fs.writeFileSync(path.join(repo, 'app.ts'), 'base\n');
  fs.writeFileSync(path.join(repo, 'old.ts'), 'old\n');
  fs.writeFileSync(path.join(repo, '.gitignore'), 'build/\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  expect((await flc(['init'], { cwd: repo })).code).toBe(0);
  return repo;
}

/** Session A changes app.ts under a claim and lets go (its turn is over): A owns it. */
async function aOwnsApp(repo: string) {
  expect((await flc(['claim', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'A' } })).code).toBe(0);
  fs.writeFileSync(path.join(repo, 'app.ts'), 'base\nA was here\n');
  expect((await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'A' } })).code).toBe(0);
  expect(owners(repo)).toEqual({ 'app.ts': 'A' });
}

describe("a shell command's changes are its session's", () => {
  it('created, modified, deleted and renamed files (tracked and untracked, not ignored) become owned; another session\'s commit of them is refused', async () => {
    const repo = await initRepo();
    const report = await asCommand(
      repo,
      'B',
      't1',
      `echo hi > new.txt && python3 -c "open('py.txt','w').write('py')" && echo more >> app.ts && git mv old.ts moved.ts 2>/dev/null || mv old.ts moved.ts; mkdir -p build && echo x > build/out.o`,
    );
    expect(report!.owned.sort()).toEqual(['app.ts', 'moved.ts', 'new.txt', 'old.ts', 'py.txt']);
    expect(owners(repo)).toEqual({ 'app.ts': 'B', 'moved.ts': 'B', 'new.txt': 'B', 'old.ts': 'B', 'py.txt': 'B' });
    expect(events(repo, 'changes:owned').map((e) => [e.path, e.cause, e.detail]).sort()).toEqual([
      ['app.ts', 'shell', 'modified'],
      ['moved.ts', 'shell', 'created'],
      ['new.txt', 'shell', 'created'],
      ['old.ts', 'shell', 'deleted'],
      ['py.txt', 'shell', 'created'],
    ]);
    expect(report!.forModel).toBeNull(); // nothing of anyone else's: nothing to say

    git(repo, 'add', '-A');
    const sweep = gitAs(repo, 'C', 'commit', '-q', '-m', 'C sweeps');
    expect(sweep.code).not.toBe(0);
    expect(sweep.stderr).toContain('new.txt');
    expect(sweep.stderr).toContain('B');
    expect(git(repo, 'diff', '--cached', '--name-only')).toBe(''); // the refused sweep left nothing of B's staged
    git(repo, 'add', '-A');
    const own = gitAs(repo, 'B', 'commit', '-q', '-m', 'B commits its own');
    expect(own.code, own.stderr).toBe(0);
  });

  it("a command that changes nothing writes nothing to the store and leaves no window behind", async () => {
    const repo = await initRepo();
    const dbBefore = read(repo, '.git/flc/db.json');
    expect(await asCommand(repo, 'B', 't1', 'cat app.ts > /dev/null && ls')).toBeNull();
    expect(read(repo, '.git/flc/db.json')).toBe(dbBefore);
    expect(fs.readdirSync(path.join(repo, '.git/flc/shell'))).toEqual([]);
    expect(readEvents(repo).filter((e) => String(e.event).startsWith('changes:'))).toEqual([]);
  });

  it('does nothing (and runs no git) where flc is not set up, or with shell.track off', async () => {
    const plain = makeRepo();
    expect(await service(plain).begin({ session: 'B' }, 't1')).toBe(false);
    expect(fs.existsSync(path.join(plain, '.git/flc'))).toBe(false);
    const repo = await initRepo();
    expect((await flc(['config', 'set', 'shell.track=false'], { cwd: repo })).code).toBe(0);
    expect(await service(repo).begin({ session: 'B' }, 't1')).toBe(false);
    sh(repo, 'echo hi > new.txt');
    expect(await service(repo).finish({ session: 'B' }, 't1')).toBeNull();
    expect(owners(repo)).toEqual({});
  });
});

describe("another session's files changed by a command", () => {
  it('sed -i on A\'s owned file: reported (journal, model, user), stays A\'s, and `flc restore --from A` brings A\'s version back', async () => {
    const repo = await initRepo();
    await aOwnsApp(repo);
    const report = await asCommand(repo, 'B', 't1', "sed -i 's/A was here/B took over/' app.ts && echo hi > mine.txt");
    expect(read(repo, 'app.ts')).toBe('base\nB took over\n');
    expect(report!.owned).toEqual(['mine.txt']);
    expect(owners(repo)).toEqual({ 'app.ts': 'A', 'mine.txt': 'B' });
    expect(report!.forModel).toContain('app.ts held uncommitted changes of session A; your command changed it');
    expect(report!.forModel).toContain('`flc restore app.ts --from A`');
    expect(report!.forUser).toContain('app.ts (owned by A; flc restore app.ts --from A)');
    const [overwritten] = events(repo, 'changes:overwritten');
    expect(overwritten).toMatchObject({ session: 'B', path: 'app.ts', cause: 'modified', holder: { session: 'A' } });

    const restored = await flc(['restore', 'app.ts', '--from', 'A'], { cwd: repo, env: { FLC_SESSION: 'B' } });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('restored app.ts to the version of A');
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');
    expect(owners(repo)).toMatchObject({ 'app.ts': 'A' });
    expect(events(repo, 'changes:restored')).toMatchObject([{ session: 'B', path: 'app.ts', holder: { session: 'A' } }]);
    // The content the command wrote (which the restore replaced) is kept too: the restore can be undone.
    const list = JSON.parse((await flc(['restore', '--list', 'app.ts', '--json'], { cwd: repo })).stdout);
    expect(list.kept.map((k: { session: string; why: string }) => [k.session, k.why])).toEqual([
      ['B', "overwrote A's version"],
      ['A', 'before a shell command'],
    ]);
    expect((await flc(['restore', 'app.ts', '--from', 'B'], { cwd: repo })).code).toBe(0);
    expect(read(repo, 'app.ts')).toBe('base\nB took over\n');
  });

  it("the command's content is never kept as the other session's; a restore run by a later command is not an overwrite", async () => {
    const repo = await initRepo();
    await aOwnsApp(repo);
    await asCommand(repo, 'B', 't1', "sed -i 's/A was here/B took over/' app.ts");
    const next = await asCommand(repo, 'B', 't2', 'echo x > unrelated.txt');
    expect(next!.attribution.overwritten).toEqual([]);
    expect(service(repo).kept('app.ts').map((k) => [k.session, k.why])).toEqual([
      ['A', 'before a shell command'],
      ['B', "overwrote A's version"],
    ]);
    const restore = await asCommand(repo, 'B', 't3', `"${process.execPath}" "${FLC}" restore app.ts --from A`);
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');
    expect(restore?.attribution.overwritten ?? []).toEqual([]); // A's version is back: nothing of anyone's was overwritten
    expect(owners(repo)).toMatchObject({ 'app.ts': 'A' });
  });

  it('`git checkout -- .` discarding A\'s work is reported and restorable after its ownership is gone', async () => {
    const repo = await initRepo();
    await aOwnsApp(repo);
    const report = await asCommand(repo, 'B', 't1', 'git checkout -- .');
    expect(read(repo, 'app.ts')).toBe('base\n');
    expect(report!.attribution.overwritten.map((o) => [o.change.path, o.change.what])).toEqual([['app.ts', 'reverted']]);
    expect(report!.forModel).toContain('discarded them');
    await Coordinator.open(repo).changes.clearClean(); // the file matches HEAD: A's ownership ends
    expect((await flc(['restore', 'app.ts', '--from', 'A'], { cwd: repo })).code).toBe(0);
    expect(read(repo, 'app.ts')).toBe('base\nA was here\n');
    expect(owners(repo)).toEqual({ 'app.ts': 'A' });
  });

  it('a file another session holds (claimed, being edited) is reported, not taken', async () => {
    const repo = await initRepo();
    expect((await flc(['claim', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'A' } })).code).toBe(0);
    const report = await asCommand(repo, 'B', 't1', 'echo B >> app.ts');
    expect(report!.owned).toEqual([]);
    expect(report!.attribution.overwritten).toMatchObject([{ hold: { session: 'A', how: 'held' } }]);
    expect(report!.forModel).toContain('was being edited by session A');
  });

  it('keeps a version only once while the file does not change', async () => {
    const repo = await initRepo();
    await aOwnsApp(repo);
    await asCommand(repo, 'B', 't1', 'true');
    await asCommand(repo, 'B', 't2', 'true');
    expect(service(repo).kept('app.ts')).toHaveLength(1);
    fs.appendFileSync(path.join(repo, 'app.ts'), 'A again\n');
    await asCommand(repo, 'B', 't3', 'true');
    expect(service(repo).kept('app.ts')).toHaveLength(2);
  });

  it('restore: a one-line error when there is no kept version, and bad usage', async () => {
    const repo = await initRepo();
    const none = await flc(['restore', 'app.ts', '--from', 'A'], { cwd: repo });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("flc: no kept version of app.ts from A\nhint: flc keeps other sessions' files before an agent's shell command; see `flc restore --list`\n");
    const bare = await flc(['restore'], { cwd: repo });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^flc: name the file to restore\n/);
  });
});

describe('commands of several sessions at the same time', () => {
  it('a file that changes while two sessions\' commands both run is nobody\'s new work (ambiguous, journaled for both)', async () => {
    const repo = await initRepo();
    const b = service(repo);
    const c = service(repo);
    await b.begin({ session: 'B' }, 'tb');
    await c.begin({ session: 'C' }, 'tc');
    sh(repo, 'echo who > shared.txt && echo b > b-only.txt');
    const rb = await b.finish({ session: 'B' }, 'tb');
    // After B's command ended (past the clock slack flc allows for coarse file times): only C's window saw it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    fs.writeFileSync(path.join(repo, 'c-only.txt'), 'c\n');
    const rc = await c.finish({ session: 'C' }, 'tc');
    expect(rb!.attribution.ambiguous.map((a) => [a.change.path, a.sessions])).toEqual([
      ['b-only.txt', ['C']],
      ['shared.txt', ['C']],
    ]);
    expect(rc!.attribution.ambiguous.map((a) => [a.change.path, a.sessions])).toEqual([
      ['b-only.txt', ['B']],
      ['shared.txt', ['B']],
    ]);
    expect(rc!.owned).toEqual(['c-only.txt']);
    expect(owners(repo)).toEqual({ 'c-only.txt': 'C' });
    expect(events(repo, 'changes:ambiguous').map((e) => [e.session, e.path])).toEqual([
      ['B', 'b-only.txt'],
      ['B', 'shared.txt'],
      ['C', 'b-only.txt'],
      ['C', 'shared.txt'],
    ]);
  });

  it("a file the session claimed before its command is its own even while another session's command runs", async () => {
    const repo = await initRepo();
    const c = service(repo);
    await c.begin({ session: 'C' }, 'tc'); // a long command of C's, running throughout
    expect((await flc(['claim', 'claimed.txt'], { cwd: repo, env: { FLC_SESSION: 'B' } })).code).toBe(0);
    const report = await asCommand(repo, 'B', 'tb', 'echo b > claimed.txt && echo b > unclaimed.txt');
    expect(report!.owned).toEqual(['claimed.txt']);
    expect(report!.attribution.ambiguous.map((a) => [a.change.path, a.sessions])).toEqual([['unclaimed.txt', ['C']]]);
    expect(report!.forModel).toContain('claim the file before you change it (`flc claim unclaimed.txt`)');
    await c.finish({ session: 'C' }, 'tc');
    expect(owners(repo)).toEqual({ 'claimed.txt': 'B' });
  });

  it('a file another session claims and edits during the command is not taken by it', async () => {
    const repo = await initRepo();
    const b = service(repo);
    await b.begin({ session: 'B' }, 'tb');
    expect((await flc(['claim', 'app.ts'], { cwd: repo, env: { FLC_SESSION: 'A' } })).code).toBe(0);
    fs.appendFileSync(path.join(repo, 'app.ts'), 'A\n');
    const report = await b.finish({ session: 'B' }, 'tb');
    expect(report!.owned).toEqual([]);
    expect(report!.attribution.ambiguous).toMatchObject([{ change: { path: 'app.ts' }, sessions: ['A'] }]);
  });

  it('windows of one session never make each other ambiguous; a window left open is closed at the end of the turn', async () => {
    const repo = await initRepo();
    const s = service(repo);
    await s.begin({ session: 'B' }, 't1');
    await s.begin({ session: 'B' }, 't2');
    sh(repo, 'echo x > x.txt');
    expect((await s.finish({ session: 'B' }, 't1'))!.owned).toEqual(['x.txt']);
    sh(repo, 'echo y > y.txt'); // t2's PostToolUse never comes (a failed command)
    const reports = await s.finishOpen('B');
    expect(reports.map((r) => r.owned)).toEqual([['x.txt', 'y.txt']]); // t2 saw both; x.txt is B's already
    expect(owners(repo)).toEqual({ 'x.txt': 'B', 'y.txt': 'B' });
  });

  it("a running subagent's command stays open at the main agent's end of turn, and is closed at its own end", async () => {
    const repo = await initRepo();
    const s = service(repo);
    await s.begin({ session: 'B', agent: 'sub-1' }, 't1');
    sh(repo, 'echo s > sub.txt');
    expect(await s.finishOpen('B', (agent) => !agent)).toEqual([]); // Stop, sub-1 still running
    sh(repo, 'echo s2 > sub2.txt');
    const [report] = await s.finishOpen('B', (agent) => agent === 'sub-1'); // its SubagentStop
    expect(report!.owned).toEqual(['sub.txt', 'sub2.txt']);
    expect(Coordinator.open(repo).changes.list().map((r) => r.agent)).toEqual(['sub-1', 'sub-1']);
  });
});
