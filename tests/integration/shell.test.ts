// Issue 11, before a command runs: the shell gate (flc check-command, the Claude Code Bash hook),
// snapshots and undo, in real repositories with real git and real flc processes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flc, git, makeRepo, readEvents } from '../helpers.js';

const A = { FLC_SESSION: 'session-a' };
const B = { FLC_SESSION: 'session-b' };

/** A repository where session-a owns changes to x.txt (tracked) and new.txt (untracked), and session-b owns mine.txt. */
async function ownedRepo(): Promise<string> {
  const repo = makeRepo();
  fs.writeFileSync(path.join(repo, 'x.txt'), 'x\n');
  fs.writeFileSync(path.join(repo, 'mine.txt'), 'mine\n');
  fs.writeFileSync(path.join(repo, '.gitignore'), 'ignored.log\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'files');
  expect((await flc(['init', '--no-guard'], { cwd: repo })).code).toBe(0);
  await own(repo, A, { 'x.txt': 'work of a\n', 'new.txt': 'new of a\n' });
  await own(repo, B, { 'mine.txt': 'work of b\n' });
  return repo;
}

async function own(repo: string, env: Record<string, string>, files: Record<string, string>): Promise<void> {
  expect((await flc(['claim', ...Object.keys(files)], { cwd: repo, env })).code).toBe(0);
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(repo, file), content);
  expect((await flc(['release', '--all'], { cwd: repo, env })).code).toBe(0);
}

function hookPayload(repo: string, session: string, command: string, cwd = repo): string {
  return JSON.stringify({ hook_event_name: 'PreToolUse', session_id: session, cwd, tool_name: 'Bash', tool_input: { command } });
}

describe('flc check-command', () => {
  it("refuses a stash that would take another session's work, naming files and owner, and gives the narrow alternative", async () => {
    const repo = await ownedRepo();
    const r = await flc(['check-command', 'git stash -u'], { cwd: repo, env: B });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('x.txt: uncommitted changes of session session-a');
    expect(r.stdout).toContain('new.txt: uncommitted changes of session session-a');
    expect(r.stdout).toContain('git stash push --include-untracked -- mine.txt');
    expect(r.stdout).not.toMatch(/mine\.txt: uncommitted/);
    const narrow = await flc(['check-command', 'git stash push -- mine.txt'], { cwd: repo, env: B });
    expect(narrow.code, narrow.stdout).toBe(0);
  });

  it('refuses to discard a file another session is editing now (a live claim, changes not yet owned)', async () => {
    const repo = await ownedRepo();
    expect((await flc(['claim', 'mine.txt'], { cwd: repo, env: A })).code).toBe(1); // b owns it
    fs.writeFileSync(path.join(repo, 'other.txt'), 'o\n');
    git(repo, 'add', 'other.txt');
    git(repo, 'commit', '-q', '-m', 'other');
    expect((await flc(['claim', 'other.txt'], { cwd: repo, env: A })).code).toBe(0);
    fs.writeFileSync(path.join(repo, 'other.txt'), 'a is editing\n');
    const r = await flc(['check-command', 'git checkout -- other.txt'], { cwd: repo, env: B });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('other.txt: being edited by session session-a (write claim for');
  });

  it('answers for git -C and cd into a directory, and for reset, restore and clean', async () => {
    const repo = await ownedRepo();
    fs.mkdirSync(path.join(repo, 'sub'));
    const cases: Array<[string, number]> = [
      ['git -C sub checkout -- .', 0], // sub/ holds nothing of anyone's
      ['cd sub && git restore .', 0],
      ['cd sub && git restore ../x.txt', 1],
      ['git reset --hard', 1],
      ['git reset --soft HEAD', 0],
      ['git clean -fd', 1],
      ['git clean -fdn', 0],
      ['git checkout -- mine.txt', 0],
      ['git checkout x.txt', 1],
      ['git rm x.txt', 1],
      ['git mv x.txt y.txt', 1],
      ['git switch -c feature', 0],
      ['git rebase HEAD', 1],
      ['ls && echo fine', 0],
      ['git merge --abort', 1],
      ['git pull --rebase', 1],
      ['git switch other', 1],
      ['git checkout other', 1],
      ['git switch -f other', 1],
      ['git stash push -- mine.txt', 0],
    ];
    git(repo, 'branch', 'other', 'HEAD~1');
    for (const [command, code] of cases) {
      const r = await flc(['check-command', command], { cwd: repo, env: B });
      expect(r.code, `${command}: ${r.stdout}${r.stderr}`).toBe(code);
    }
  });

  it("refuses obvious writes to another session's owned file: >, >>, tee, sed -i, perl -i, cp, mv, touch, rm, dd", async () => {
    const repo = await ownedRepo();
    const writes = ['echo x > x.txt', 'echo x >> x.txt', 'echo x | tee x.txt', "sed -i 's/a/b/' x.txt", "perl -pi -e 's/a/b/' x.txt", 'cp mine.txt x.txt', 'mv x.txt moved.txt', 'mv mine.txt x.txt', 'touch x.txt', 'rm -f x.txt new.txt', 'dd if=/dev/zero of=x.txt count=1', 'cd . && cat > new.txt <<EOF\nhi\nEOF'];
    for (const command of writes) {
      const r = await flc(['check-command', command], { cwd: repo, env: B });
      expect(r.code, `${command}: ${r.stdout}`).toBe(1);
      expect(r.stdout, command).toMatch(/uncommitted changes of session session-a/);
    }
    expect((await flc(['check-command', 'echo x > mine.txt && cp mine.txt copy.txt'], { cwd: repo, env: B })).code).toBe(0);
    // a directory removed or moved away takes the files below it
    fs.mkdirSync(path.join(repo, 'dir'));
    await own(repo, A, { 'dir/a.txt': 'a\n' });
    for (const command of ['rm -rf dir', 'mv dir elsewhere']) {
      const r = await flc(['check-command', command], { cwd: repo, env: B });
      expect(r.code, `${command}: ${r.stdout}`).toBe(1);
      expect(r.stdout).toContain('dir/a.txt: uncommitted changes of session session-a');
    }
    const applied = await flc(['check-command', '--apply', 'rm -rf dir'], { cwd: repo, env: B });
    expect(applied.code).toBe(1);
    expect(fs.existsSync(path.join(repo, 'dir/a.txt'))).toBe(true);
  });

  it('prints what it read with --json, and exits 2 on no command', async () => {
    const repo = await ownedRepo();
    const r = await flc(['check-command', '--json', 'cd sub && echo hi > out.txt'], { cwd: repo, env: B });
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data).toMatchObject({ ok: true, parsed: true, claimed: [] });
    expect(data.commands[1]).toMatchObject({ program: 'echo', cwd: 'sub', writes: [{ path: 'out.txt', via: '>' }] });
    const empty = await flc(['check-command', ''], { cwd: repo, env: B });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^flc: no command given\nhint: /);
  });

  it('with --apply, claims the write targets for the session, which another session then cannot write', async () => {
    const repo = await ownedRepo();
    const r = await flc(['check-command', '--apply', 'echo a > notes.txt && tee -a log.txt < notes.txt'], { cwd: repo, env: B });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('claimed notes.txt log.txt');
    const other = await flc(['check-command', "sed -i 's/a/b/' notes.txt"], { cwd: repo, env: A });
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('notes.txt: being edited by session session-b');
  });
});

describe('commands that act on another worktree', () => {
  it("judge the worktree they act on: cd into a linked worktree, or git -C it", async () => {
    const repo = makeRepo();
    fs.writeFileSync(path.join(repo, 'x.txt'), 'x\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'x');
    expect((await flc(['init', '--no-guard'], { cwd: repo })).code).toBe(0);
    const linked = `${repo}-linked`;
    git(repo, 'worktree', 'add', '-q', linked, '-b', 'linked');
    await own(linked, A, { 'x.txt': 'work of a in the linked worktree\n' });
    for (const command of [`cd ${linked} && git checkout -- .`, `git -C ${linked} stash`, `git -C ${linked} reset --hard`, `git worktree remove --force ${linked}`]) {
      const r = await flc(['check-command', command], { cwd: repo, env: B });
      expect(r.code, `${command}: ${r.stdout}`).toBe(1);
      expect(r.stdout).toContain('x.txt: uncommitted changes of session session-a');
    }
    // the main worktree's x.txt is nobody's: its own reset is fine
    expect((await flc(['check-command', 'git reset --hard'], { cwd: repo, env: B })).code).toBe(0);
    fs.rmSync(linked, { recursive: true, force: true });
  });
});

describe("Claude Code's ExitWorktree", () => {
  const exitPayload = (session: string, worktree: string, input: Record<string, unknown>) =>
    JSON.stringify({ hook_event_name: 'PreToolUse', session_id: session, cwd: worktree, tool_name: 'ExitWorktree', tool_input: input });

  it("refuses action remove with discard_changes while another session owns work in the worktree, naming it; keep, a remove that discards nothing of others' (after a snapshot), and one in the main checkout are allowed", async () => {
    const repo = makeRepo();
    fs.writeFileSync(path.join(repo, 'x.txt'), 'x\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'x');
    expect((await flc(['init', '--no-guard'], { cwd: repo })).code).toBe(0);
    const worktree = `${repo}-wt`;
    git(repo, 'worktree', 'add', '-q', worktree, '-b', 'wt');
    await own(worktree, A, { 'x.txt': 'work of a in the worktree\n' });
    fs.writeFileSync(path.join(worktree, 'mine.txt'), 'work of the leaving session\n');
    const remove = { action: 'remove', discard_changes: true };
    const refused = await flc(['hook', 'claude'], { cwd: worktree, input: exitPayload('claude-b', worktree, remove) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`flc: refused ExitWorktree (action "remove", discard_changes) of ${worktree}: it would discard work of other sessions:`);
    expect(refused.stderr).toContain('x.txt: uncommitted changes of session session-a');
    expect(refused.stderr).toContain('Allowed instead: ExitWorktree with action "keep"');
    expect(readEvents(repo).find((e) => e.event === 'shell:refused')).toMatchObject({ session: 'claude-b' });
    // keep deletes nothing; remove without discard_changes is refused by Claude Code itself on a dirty worktree
    for (const input of [{ action: 'keep' }, { action: 'remove' }]) {
      expect(await flc(['hook', 'claude'], { cwd: worktree, input: exitPayload('claude-b', worktree, input) }), JSON.stringify(input)).toMatchObject({ code: 0, stderr: '' });
    }
    // In the main checkout there is no EnterWorktree worktree to remove (Claude Code does nothing): allowed, nothing saved.
    await own(repo, A, { 'main.txt': 'work of a in the main checkout\n' });
    expect(await flc(['hook', 'claude'], { cwd: repo, input: exitPayload('claude-b', repo, remove) })).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse((await flc(['snapshots', '--json'], { cwd: repo })).stdout).snapshots).toEqual([]);
    // the session that owns the work may discard it: allowed, after a snapshot of the worktree
    const byOwner = await flc(['hook', 'claude'], { cwd: worktree, input: exitPayload('session-a', worktree, remove) });
    expect(byOwner).toMatchObject({ code: 0, stderr: '' });
    const snapshots = JSON.parse((await flc(['snapshots', '--json'], { cwd: worktree })).stdout).snapshots;
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0].files.map((f: { path: string }) => f.path).sort()).toEqual(['mine.txt', 'x.txt']);
    fs.rmSync(worktree, { recursive: true, force: true });
  });
});

describe('the stash list is shared', () => {
  it("refuses pop, apply, drop and clear of another session's stash entry, and allows the session's own", async () => {
    const repo = await ownedRepo();
    await flc(['adopt', '--from', 'session-a'], { cwd: repo, env: B }); // now b owns everything; it stashes it
    const stash = await flc(['check-command', '--apply', 'git stash -u'], { cwd: repo, env: B });
    expect(stash.code, stash.stdout).toBe(0);
    expect(stash.stdout).toMatch(/snapshot \S+ saved/);
    git(repo, 'stash', '-u');
    for (const command of ['git stash pop', 'git stash apply stash@{0}', 'git stash drop', 'git stash clear']) {
      const r = await flc(['check-command', command], { cwd: repo, env: A });
      expect(r.code, command).toBe(1);
      expect(r.stdout).toContain('stash@{0} was stashed by session session-b');
    }
    expect((await flc(['check-command', 'git stash pop'], { cwd: repo, env: B })).code).toBe(0);
  });
});

describe('snapshots and flc undo', () => {
  it('saves tracked and untracked files, not ignored ones, without touching the index, and restores them', async () => {
    const repo = await ownedRepo();
    fs.writeFileSync(path.join(repo, 'ignored.log'), 'noise\n');
    git(repo, 'add', 'mine.txt');
    const staged = git(repo, 'diff', '--cached', '--name-only');
    const r = await flc(['check-command', '--apply', 'git checkout HEAD -- mine.txt'], { cwd: repo, env: B });
    expect(r.code, r.stdout).toBe(0);
    expect(git(repo, 'diff', '--cached', '--name-only')).toBe(staged);
    const list = JSON.parse((await flc(['snapshots', '--json'], { cwd: repo })).stdout).snapshots;
    expect(list).toHaveLength(1);
    expect(list[0].files.map((f: { path: string; status: string }) => `${f.status} ${f.path}`).sort()).toEqual(['A new.txt', 'M mine.txt', 'M x.txt']);
    expect(list[0]).toMatchObject({ session: 'session-b', command: 'git checkout HEAD -- mine.txt' });
    expect(git(repo, 'for-each-ref', '--format=%(refname)', 'refs/flc/snapshots/').trim()).toBe(`refs/flc/snapshots/${list[0].id}`);

    git(repo, 'checkout', 'HEAD', '--', 'mine.txt');
    expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('mine\n');
    const owners = async () => JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout).changes.map((c: { path: string; session: string }) => `${c.path}:${c.session}`).sort();
    expect(await owners()).toEqual(['new.txt:session-a', 'x.txt:session-a']); // mine.txt matches HEAD again: no longer owned
    const undo = await flc(['undo', '--json'], { cwd: repo, env: B });
    expect(undo.code, undo.stderr).toBe(0);
    expect(JSON.parse(undo.stdout)).toMatchObject({ restored: ['mine.txt'], kept: [] });
    expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('work of b\n');
    expect(await owners()).toEqual(['mine.txt:session-b', 'new.txt:session-a', 'x.txt:session-a']);
    expect(readEvents(repo).map((e) => e.event)).toEqual(expect.arrayContaining(['snapshot:saved', 'snapshot:restored']));
  });

  it('keeps a file that changed since the snapshot unless --force', async () => {
    const repo = await ownedRepo();
    await flc(['check-command', '--apply', 'git checkout -- mine.txt'], { cwd: repo, env: B });
    fs.writeFileSync(path.join(repo, 'mine.txt'), 'newer work\n');
    const undo = await flc(['undo'], { cwd: repo, env: B });
    expect(undo.code).toBe(1);
    expect(undo.stdout).toContain('kept mine.txt: changed since the snapshot');
    expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('newer work\n');
    const forced = await flc(['undo', '--force', 'mine.txt'], { cwd: repo, env: B });
    expect(forced.code, forced.stdout).toBe(0);
    expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('work of b\n');
  });

  it('expires snapshots beyond snapshots.keep', async () => {
    const repo = await ownedRepo();
    await flc(['config', 'set', 'snapshots.keep=2'], { cwd: repo });
    for (let i = 0; i < 3; i++) {
      fs.writeFileSync(path.join(repo, 'mine.txt'), `work ${i}\n`);
      expect((await flc(['check-command', '--apply', 'git checkout -- mine.txt'], { cwd: repo, env: B })).code).toBe(0);
    }
    const list = JSON.parse((await flc(['snapshots', '--json'], { cwd: repo })).stdout).snapshots;
    expect(list).toHaveLength(2);
    const bad = await flc(['config', 'set', 'snapshots.keep=0'], { cwd: repo });
    expect(bad.code).toBe(2);
  });

  it('expires snapshots older than snapshots.maxAge when the next one is saved', async () => {
    const repo = await ownedRepo();
    await flc(['config', 'set', 'snapshots.maxAge=1s'], { cwd: repo });
    expect((await flc(['check-command', '--apply', 'git checkout -- mine.txt'], { cwd: repo, env: B })).code).toBe(0);
    const [first] = JSON.parse((await flc(['snapshots', '--json'], { cwd: repo })).stdout).snapshots;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await flc(['check-command', '--apply', 'git stash push -- mine.txt'], { cwd: repo, env: B })).code).toBe(0);
    const ids = JSON.parse((await flc(['snapshots', '--json'], { cwd: repo })).stdout).snapshots.map((s: { id: string }) => s.id);
    expect(ids).toHaveLength(1);
    expect(ids).not.toContain(first.id);
  });

  it('says so, in one line, for an unknown snapshot', async () => {
    const repo = await ownedRepo();
    const r = await flc(['undo', '20990101-000000-0000'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^flc: no snapshot 20990101-000000-0000\nhint: flc snapshots lists them\n$/);
    const none = await flc(['undo'], { cwd: repo });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^flc: no snapshot of this worktree to restore\n/);
  });
});

describe('the Claude Code hook on Bash', () => {
  it('exits 2 with the reason for a destructive command, 0 for a harmless one, and journals a command it cannot parse', async () => {
    const repo = await ownedRepo();
    const refused = await flc(['hook', 'claude'], { cwd: repo, input: hookPayload(repo, 'claude-b', 'cd . && git reset --hard') });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('flc: refused `git reset --hard`');
    expect(refused.stderr).toContain('session-a');
    const harmless = await flc(['hook', 'claude'], { cwd: repo, input: hookPayload(repo, 'claude-b', 'git status && npm test') });
    expect(harmless).toMatchObject({ code: 0, stderr: '' });
    const broken = await flc(['hook', 'claude'], { cwd: repo, input: hookPayload(repo, 'claude-b', 'echo "unterminated') });
    expect(broken).toMatchObject({ code: 0, stderr: '' });
    expect(readEvents(repo).find((e) => e.event === 'shell:unparsed')).toMatchObject({ session: 'claude-b', detail: expect.stringContaining('cannot parse') });
  });

  it('is installed on Bash (and ExitWorktree) by flc init --claude, and flc doctor reports a PreToolUse or PostToolUse hook that does not cover Bash, or a PreToolUse that does not cover ExitWorktree', async () => {
    const repo = makeRepo();
    expect((await flc(['init', '--claude', '--no-guard'], { cwd: repo })).code).toBe(0);
    const file = path.join(repo, '.claude/settings.json');
    const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(settings.hooks.PreToolUse.at(-1).matcher).toBe('Edit|Write|MultiEdit|NotebookEdit|Bash|ExitWorktree');
    const healthy = JSON.parse((await flc(['doctor', '--json'], { cwd: repo })).stdout).checks;
    expect(healthy.find((c: { name: string }) => c.name === 'claude shell')).toBeUndefined();
    settings.hooks.PreToolUse.at(-1).matcher = 'Edit|Write|MultiEdit|NotebookEdit';
    fs.writeFileSync(file, JSON.stringify(settings));
    const doctor = await flc(['doctor', '--json'], { cwd: repo });
    expect(doctor.code).toBe(3);
    expect(JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'claude shell')).toMatchObject({ ok: false, fix: 'flc init --claude' });
    // PostToolUse too: without Bash there, what a command changed is not attributed.
    settings.hooks.PreToolUse.at(-1).matcher = 'Edit|Write|MultiEdit|NotebookEdit|Bash|ExitWorktree';
    expect(settings.hooks.PostToolUse.at(-1).matcher).toBe('Edit|Write|MultiEdit|NotebookEdit|Bash');
    settings.hooks.PostToolUse.at(-1).matcher = 'Edit|Write|MultiEdit|NotebookEdit';
    fs.writeFileSync(file, JSON.stringify(settings));
    const post = JSON.parse((await flc(['doctor', '--json'], { cwd: repo })).stdout).checks.find((c: { name: string }) => c.name === 'claude shell');
    expect(post).toMatchObject({ ok: false, fix: 'flc init --claude' });
    expect(post.detail).toContain('PostToolUse hook does not cover Bash');
    // ExitWorktree (PreToolUse): an install from before it leaves the worktree removal unchecked.
    settings.hooks.PostToolUse.at(-1).matcher = 'Edit|Write|MultiEdit|NotebookEdit|Bash';
    settings.hooks.PreToolUse.at(-1).matcher = 'Edit|Write|MultiEdit|NotebookEdit|Bash';
    fs.writeFileSync(file, JSON.stringify(settings));
    const exit = JSON.parse((await flc(['doctor', '--json'], { cwd: repo })).stdout).checks.find((c: { name: string }) => c.name === 'claude shell');
    expect(exit).toMatchObject({ ok: false, fix: 'flc init --claude' });
    expect(exit.detail).toContain('does not cover ExitWorktree');
  });

  it("fails open on flc's own errors: allows, with one warning line and hook:error", async () => {
    const repo = await ownedRepo();
    fs.writeFileSync(path.join(repo, '.git/flc/db.json'), '{ not json');
    const r = await flc(['hook', 'claude'], { cwd: repo, input: hookPayload(repo, 'claude-b', 'git stash') });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^flc hook: internal error \(.*\); allowed\n$/);
    expect(readEvents(repo).at(-1)).toMatchObject({ event: 'hook:error', session: 'claude-b' });
  });

  it("ends a wait for a held write target before a PreToolUse timeout lowered by hand in the settings (else Claude Code would cancel the hook and run the command)", async () => {
    const repo = await ownedRepo();
    await flc(['config', 'set', 'waitTimeout=60s'], { cwd: repo });
    expect((await flc(['init', '--claude', '--hooks=command', '--no-guard'], { cwd: repo })).code).toBe(0);
    const file = path.join(repo, '.claude/settings.json');
    const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
    settings.hooks.PreToolUse.at(-1).hooks[0].timeout = 5; // the command still says FLC_HOOK_TIMEOUT=90
    fs.writeFileSync(file, JSON.stringify(settings));
    expect((await flc(['hook', 'claude'], { cwd: repo, input: hookPayload(repo, 'claude-1', 'echo a > gen.txt') })).code).toBe(0);
    const started = Date.now();
    const second = await flc(['hook', 'claude'], { cwd: repo, input: hookPayload(repo, 'claude-2', 'echo b > gen.txt') });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('gen.txt: being edited by session claude-1');
    expect(Date.now() - started).toBeLessThan(5_000); // refused by flc, inside the 5 s Claude Code gives the hook
  });

  it('claims an obvious write for the session, so a second session waiting on it is refused after waitTimeout', async () => {
    const repo = await ownedRepo();
    await flc(['config', 'set', 'waitTimeout=1s'], { cwd: repo });
    const first = await flc(['hook', 'claude'], { cwd: repo, input: hookPayload(repo, 'claude-1', 'cat > gen.txt <<EOF\nhello\nEOF') });
    expect(first.code, first.stderr).toBe(0);
    const second = await flc(['hook', 'claude'], { cwd: repo, input: hookPayload(repo, 'claude-2', 'echo x >> gen.txt') });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('gen.txt: being edited by session claude-1');
  });
});
