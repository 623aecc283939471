import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flcHookPlan } from '../../src/install/claude-settings.js';
import { FLC, ROOT, cleanEnv, flc, git, makeRepo, makeTempDir, readDb, readEvents, sleep, until } from '../helpers.js';

type Payload = Record<string, unknown>;

function hook(input: Payload | string, options: { cwd: string; env?: Record<string, string | undefined> }) {
  return flc(['hook', 'claude'], { cwd: options.cwd, env: options.env, input: typeof input === 'string' ? input : JSON.stringify(input) });
}

function startHook(input: Payload, cwd: string) {
  const child = spawn(process.execPath, [FLC, 'hook', 'claude'], { cwd, env: cleanEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(JSON.stringify(input));
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

const edit = (repo: string, session: string, file: string, extra: Payload = {}): Payload => ({
  session_id: session,
  cwd: repo,
  hook_event_name: 'PreToolUse',
  tool_name: 'Edit',
  tool_input: { file_path: path.join(repo, file), old_string: 'a', new_string: 'b' },
  ...extra,
});
const event = (repo: string, session: string, name: string, extra: Payload = {}): Payload => ({ session_id: session, cwd: repo, hook_event_name: name, ...extra });

describe('flc hook claude', () => {
  it('grants an edit silently, and makes a second session wait until the first one\'s turn ends', async () => {
    const repo = makeRepo();
    const first = await hook(edit(repo, 'sess-A', 'src/app.ts'), { cwd: repo });
    expect(first).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readDb(repo).claims).toMatchObject([{ path: 'src/app.ts', session: 'sess-A', kind: 'write' }]);

    const second = startHook(edit(repo, 'sess-B', 'src/app.ts'), repo);
    await until(() => readDb(repo).waiters.length === 1);
    const stop = await hook(event(repo, 'sess-A', 'Stop'), { cwd: repo });
    expect(stop).toEqual({ code: 0, stdout: '', stderr: '' });
    const granted = await second;
    expect(granted).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readDb(repo).claims).toMatchObject([{ path: 'src/app.ts', session: 'sess-B' }]);
  });

  it('refuses with exit 2 and a reason naming the holder when the wait times out', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'waitTimeout=700ms'], { cwd: repo });
    await hook(edit(repo, 'sess-A', 'src/app.ts'), { cwd: repo });
    const r = await hook(edit(repo, 'sess-B', 'src/app.ts', { tool_name: 'Write', tool_input: { file_path: path.join(repo, 'src/app.ts'), content: 'x' } }), { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^flc: src\/app\.ts is being edited by another session, so this edit was not made \(waited \d+ms\)\./);
    expect(r.stderr).toMatch(/Held by session sess-A: write claim for \S+, it expires in 4m \d+s unless renewed, reason: "Edit \(Claude Code\)"\./);
    expect(r.stderr).toMatch(/What to do: do not retry src\/app\.ts right away/);
    expect(readDb(repo).waiters).toEqual([]);
  });

  it('makes two subagents of one session conflict, but not the session with its own subagent', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'waitTimeout=500ms'], { cwd: repo });
    expect((await hook(edit(repo, 'S', 'a.ts', { agent_id: 'agent-1' }), { cwd: repo })).code).toBe(0);
    const other = await hook(edit(repo, 'S', 'a.ts', { agent_id: 'agent-2' }), { cwd: repo });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^flc: a\.ts is being edited by a sibling subagent of this same session \(agent agent-1\), so this edit was not made/);
    expect(other.stderr).toMatch(/Held by a sibling subagent \(agent agent-1\) of this same session S:/);
    expect((await hook(edit(repo, 'S', 'a.ts'), { cwd: repo })).code).toBe(0);
    // SubagentStop releases that subagent's claims only.
    await hook(edit(repo, 'S', 'b.ts', { agent_id: 'agent-2' }), { cwd: repo });
    await hook(event(repo, 'S', 'SubagentStop', { agent_id: 'agent-1' }), { cwd: repo });
    expect(readDb(repo).claims.map((c) => `${c.path}:${c.agent ?? ''}`).sort()).toEqual(['a.ts:', 'b.ts:agent-2']);
  });

  it('releases on Stop (release = turn), SessionEnd, and after each edit with release = edit', async () => {
    const repo = makeRepo();
    await hook(edit(repo, 'S', 'a.ts'), { cwd: repo });
    await hook(edit(repo, 'S', 'b.ts', { agent_id: 'x' }), { cwd: repo });
    await hook(event(repo, 'S', 'Stop'), { cwd: repo });
    expect(readDb(repo).claims).toEqual([]);

    await flc(['config', 'set', 'release=session'], { cwd: repo });
    await hook(edit(repo, 'S', 'a.ts'), { cwd: repo });
    await hook(event(repo, 'S', 'Stop'), { cwd: repo });
    expect(readDb(repo).claims).toHaveLength(1);
    const end = await hook(event(repo, 'S', 'SessionEnd', { reason: 'exit' }), { cwd: repo });
    expect(end).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readDb(repo).claims).toEqual([]);
    expect(readEvents(repo).at(-1)).toMatchObject({ event: 'session:ended', session: 'S' });

    await flc(['config', 'set', 'release=edit'], { cwd: repo });
    await hook(edit(repo, 'S', 'a.ts'), { cwd: repo });
    await hook(edit(repo, 'S', 'b.ts'), { cwd: repo });
    await hook({ ...edit(repo, 'S', 'a.ts'), hook_event_name: 'PostToolUse', tool_response: { success: true } }, { cwd: repo });
    expect(readDb(repo).claims.map((c) => c.path)).toEqual(['b.ts']);
    // Claude's cwd may be a subdirectory: the file path still names the same claim.
    fs.mkdirSync(path.join(repo, 'sub'));
    await hook({ ...edit(repo, 'S', 'b.ts'), cwd: path.join(repo, 'sub'), hook_event_name: 'PostToolUse' }, { cwd: repo });
    expect(readDb(repo).claims).toEqual([]);
    expect(readEvents(repo).filter((e) => e.event === 'claim:released').length).toBeGreaterThanOrEqual(4);
  });

  it('renews the session\'s claims on every event', async () => {
    const repo = makeRepo();
    await hook(edit(repo, 'S', 'a.ts'), { cwd: repo });
    const before = readDb(repo).claims[0]!.expiresAt as string;
    await sleep(50);
    await hook(event(repo, 'S', 'Notification', { message: 'waiting for input' }), { cwd: repo });
    expect(Date.parse(readDb(repo).claims[0]!.expiresAt as string)).toBeGreaterThan(Date.parse(before));
  });

  it('registers the session on SessionStart and exports FLC_SESSION to CLAUDE_ENV_FILE, once', async () => {
    const repo = makeRepo();
    const envFile = path.join(makeTempDir(), 'claude-env.sh');
    const start = event(repo, 'sess-123', 'SessionStart', { source: 'startup' });
    expect(await hook(start, { cwd: repo, env: { CLAUDE_ENV_FILE: envFile } })).toEqual({ code: 0, stdout: '', stderr: '' });
    await hook(start, { cwd: repo, env: { CLAUDE_ENV_FILE: envFile } });
    expect(fs.readFileSync(envFile, 'utf8')).toBe('export FLC_SESSION=sess-123\n');
    expect(readEvents(repo).filter((e) => e.event === 'session:started')).toHaveLength(2);
    expect(JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout).sessions.map((s: { id: string }) => s.id)).toContain('sess-123');
  });

  it('allows, silently, files outside the repository, inside .git, and in directories that are no repository', async () => {
    const repo = makeRepo();
    const elsewhere = makeTempDir();
    for (const file of [path.join(elsewhere, 'notes.md'), path.join(repo, '.git', 'COMMIT_EDITMSG'), '/tmp/../tmp/flc-scratch.txt']) {
      const r = await hook({ ...edit(repo, 'S', 'x'), tool_input: { file_path: file } }, { cwd: repo });
      expect(r, file).toEqual({ code: 0, stdout: '', stderr: '' });
    }
    const plain = await hook({ ...edit(elsewhere, 'S', 'a.ts'), cwd: elsewhere }, { cwd: elsewhere });
    expect(plain).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fs.existsSync(path.join(repo, '.git/flc/db.json'))).toBe(false);
  });

  it('claims notebooks through notebook_path and files named relative to cwd', async () => {
    const repo = makeRepo();
    await hook({ ...edit(repo, 'S', 'x'), tool_name: 'NotebookEdit', tool_input: { notebook_path: path.join(repo, 'nb/analysis.ipynb') } }, { cwd: repo });
    await hook({ ...edit(repo, 'S', 'x'), tool_name: 'MultiEdit', tool_input: { file_path: 'src/rel.ts', edits: [] } }, { cwd: repo });
    expect(readDb(repo).claims.map((c) => c.path).sort()).toEqual(['nb/analysis.ipynb', 'src/rel.ts']);
  });

  it('refuses a wait that would deadlock at once, naming the cycle', async () => {
    const repo = makeRepo();
    await hook(edit(repo, 'A', 'a.ts'), { cwd: repo });
    await hook(edit(repo, 'B', 'b.ts'), { cwd: repo });
    const aWaits = startHook(edit(repo, 'A', 'b.ts'), repo);
    await until(() => readDb(repo).waiters.length === 1);
    const started = Date.now();
    const b = await hook(edit(repo, 'B', 'a.ts'), { cwd: repo });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^flc: editing a\.ts now would deadlock, so the edit was not made: B -> A -> B/);
    await hook(event(repo, 'B', 'Stop'), { cwd: repo });
    expect((await aWaits).code).toBe(0);
  });

  const malformed: Array<[string, string]> = [
    ['empty input', ''],
    ['whitespace', '  \n'],
    ['not JSON', 'hello'],
    ['truncated JSON', '{"session_id": "S", "hook_event_name": "PreTo'],
    ['a JSON array', '[1, 2, 3]'],
    ['a JSON string', '"PreToolUse"'],
    ['null', 'null'],
    ['no event name', '{"session_id": "S"}'],
    ['an event name of the wrong type', '{"hook_event_name": 42}'],
    ['an edit without a path', '{"session_id": "S", "hook_event_name": "PreToolUse", "tool_name": "Edit", "tool_input": {}}'],
    ['an edit whose path is a number', '{"session_id": "S", "hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": {"file_path": 7}}'],
    ['binary garbage', '\u0000\u0001\u00ff\u00fe{'],
  ];
  it.each(malformed)('allows %s with one warning line, never exit 2', async (_name, input) => {
    const repo = makeRepo();
    const r = await hook(input, { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^flc hook: /);
  });

  it('allows unknown events and tools silently', async () => {
    const repo = makeRepo();
    expect(await hook(event(repo, 'S', 'SomeFutureEvent'), { cwd: repo })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await hook({ ...edit(repo, 'S', 'x'), tool_name: 'Bash', tool_input: { command: 'ls' } }, { cwd: repo })).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('allows huge input without reading it all, and journals the problem', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const huge = JSON.stringify({ hook_event_name: 'PreToolUse', padding: 'x'.repeat(6 * 1024 * 1024) });
    const r = await hook(huge, { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/flc hook: hook input is larger than \d+ bytes; allowed/);
    expect(readEvents(repo).at(-1)).toMatchObject({ event: 'hook:error' });
  });

  it('does not hang when stdin never closes', async () => {
    const repo = makeRepo();
    const child = spawn(process.execPath, [FLC, 'hook', 'claude'], { cwd: repo, env: cleanEnv() });
    child.stdin.write('{"hook_event_name": "PreToolUse"');
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const started = Date.now();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(Date.now() - started).toBeLessThan(6000);
    expect(code).toBe(0);
    expect(stderr).toMatch(/did not end within/);
  });

  it('fails open when the store is corrupt', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    fs.writeFileSync(path.join(repo, '.git/flc/db.json'), 'not json');
    const r = await hook(edit(repo, 'S', 'a.ts'), { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^flc hook: internal error \(the claim store .* is corrupt.*\); allowed\n$/);
  });
});

/** A stand-in for the Claude Code process (CLAUDE_PID): alive until killed. */
function fakeClaudeProcess() {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    pid: String(child.pid),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}

const claimsOf = (repo: string) => readDb(repo).claims.map((c) => `${c.path}:${c.session}${c.agent ? `/${c.agent}` : ''}`).sort();

describe('flc hook claude, as real Claude Code sessions behave', () => {
  it('acts for the payload\'s session_id, never for an inherited FLC_SESSION or CLAUDE_CODE_SESSION_ID', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'waitTimeout=300ms'], { cwd: repo });
    // Both sessions were started from a shell that exported FLC_SESSION (and a parent's id).
    const inherited = { FLC_SESSION: 'shell-session', CLAUDE_CODE_SESSION_ID: 'parent-session' };
    expect((await hook(edit(repo, 'sess-A', 'a.ts'), { cwd: repo, env: inherited })).code).toBe(0);
    expect(claimsOf(repo)).toEqual(['a.ts:sess-A']);
    const other = await hook(edit(repo, 'sess-B', 'a.ts'), { cwd: repo, env: inherited });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/Held by session sess-A:/);
    // A nested `claude -p` (its own session_id) stopping does not release its parent's claims.
    await hook(event(repo, 'child-session', 'Stop'), { cwd: repo, env: { CLAUDE_CODE_SESSION_ID: 'sess-A', FLC_SESSION: 'sess-A' } });
    expect(claimsOf(repo)).toEqual(['a.ts:sess-A']);
  });

  it('acts for no one when the payload has no session_id: allows, warns and journals, claims nothing', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const { session_id: _none, ...anonymous } = edit(repo, 'x', 'a.ts');
    const r = await hook(anonymous, { cwd: repo, env: { FLC_SESSION: 'shell-session' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^flc hook: hook input has no session_id; PreToolUse ignored, allowed\n$/);
    expect(readDb(repo).claims).toEqual([]);
    const journaled = readEvents(repo).at(-1)!;
    expect(journaled).toMatchObject({ event: 'hook:error' });
    expect(journaled.session).toBeUndefined();
  });

  it('keeps a background subagent\'s claims past the main agent\'s Stop, until its SubagentStop', async () => {
    const repo = makeRepo();
    await hook(edit(repo, 'S', 'main.ts'), { cwd: repo });
    await hook(edit(repo, 'S', 'bg.ts', { agent_id: 'agent-bg' }), { cwd: repo });
    await hook(edit(repo, 'S', 'done.ts', { agent_id: 'agent-done' }), { cwd: repo });
    await hook(event(repo, 'S', 'SubagentStop', { agent_id: 'agent-done', agent_type: 'general-purpose' }), { cwd: repo });
    await hook(edit(repo, 'S', 'crashed.ts', { agent_id: 'agent-crashed' }), { cwd: repo }); // ended without SubagentStop
    const running = [{ id: 'agent-bg', type: 'subagent', status: 'running', description: 'refactor', agent_type: 'general-purpose' }];
    await hook(event(repo, 'S', 'Stop', { stop_hook_active: false, background_tasks: running }), { cwd: repo });
    expect(claimsOf(repo)).toEqual(['bg.ts:S/agent-bg']);
    // A sibling subagent cannot take the running one's file.
    await flc(['config', 'set', 'waitTimeout=300ms'], { cwd: repo });
    expect((await hook(edit(repo, 'S', 'bg.ts', { agent_id: 'agent-2' }), { cwd: repo })).code).toBe(2);
    await hook(event(repo, 'S', 'SubagentStop', { agent_id: 'agent-bg' }), { cwd: repo });
    expect(claimsOf(repo)).toEqual([]);
  });

  it('releases, at a Stop with no subagent in flight, the claims of subagents that ended without a SubagentStop', async () => {
    // (Claude Code before 2.1 sends no background_tasks: its subagents have all ended by the main agent's Stop.)
    const repo = makeRepo();
    await hook(edit(repo, 'S', 'crashed.ts', { agent_id: 'agent-x' }), { cwd: repo });
    await hook(event(repo, 'S', 'Stop', { background_tasks: [{ id: 'b1', type: 'shell', status: 'running', description: 'npm run dev', command: 'npm run dev' }] }), { cwd: repo });
    expect(claimsOf(repo)).toEqual([]);
  });

  it('ends a turn that had no Stop (API error, interrupt) when the next prompt comes, keeping background subagents\' claims', async () => {
    const repo = makeRepo();
    await hook(edit(repo, 'S', 'a.ts'), { cwd: repo });
    await hook(edit(repo, 'S', 'bg.ts', { agent_id: 'agent-bg' }), { cwd: repo });
    await hook(event(repo, 'S', 'StopFailure', { error: 'server_error' }), { cwd: repo });
    expect(claimsOf(repo)).toEqual(['bg.ts:S/agent-bg']);
    await hook(edit(repo, 'S', 'b.ts'), { cwd: repo }); // the next turn, interrupted: no hook at all
    const prompt = await hook(event(repo, 'S', 'UserPromptSubmit', { prompt: 'go on' }), { cwd: repo });
    expect(prompt).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(claimsOf(repo)).toEqual(['bg.ts:S/agent-bg']);
  });

  it('keeps the claims of a live Claude Code process past the TTL, for every reader, and lets them lapse once it is gone', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'ttl=1s', 'waitTimeout=300ms'], { cwd: repo });
    const claude = fakeClaudeProcess();
    try {
      const env = { CLAUDE_PID: claude.pid };
      await hook(event(repo, 'S', 'SessionStart', { source: 'startup' }), { cwd: repo, env });
      await hook(edit(repo, 'S', 'a.ts'), { cwd: repo, env });
      fs.writeFileSync(path.join(repo, 'a.ts'), 'changed by S\n');
      await sleep(2500); // a long tool call: no hook fires, the TTL passes
      // Readers see the claim as live...
      const status = JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout);
      expect(status.claims.map((c: { path: string }) => c.path)).toEqual(['a.ts']);
      expect((await flc(['check', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'other' } })).code).toBe(1);
      git(repo, 'add', 'a.ts');
      const guard = await flc(['guard'], { cwd: repo, env: { FLC_SESSION: 'other' } });
      expect(guard.code).toBe(1);
      // ...and so do writers.
      expect((await hook(edit(repo, 'other', 'a.ts'), { cwd: repo })).code).toBe(2);
      expect(readEvents(repo).some((e) => e.event === 'claim:expired')).toBe(false);
      await claude.kill();
      await sleep(1200);
      // The claim lapses, but S's edit is still on disk: S owns it until it is committed or adopted.
      const afterCrash = await hook(edit(repo, 'other', 'a.ts'), { cwd: repo });
      expect(afterCrash.code).toBe(2);
      expect(afterCrash.stderr).toMatch(/a\.ts holds uncommitted changes of session S/);
      expect(readEvents(repo).filter((e) => e.event === 'claim:expired').map((e) => e.session)).toEqual(['S']);
      expect((await flc(['adopt', '--from', 'S'], { cwd: repo, env: { FLC_SESSION: 'other' } })).code).toBe(0);
      expect((await hook(edit(repo, 'other', 'a.ts'), { cwd: repo })).code).toBe(0);
    } finally {
      await claude.kill().catch(() => undefined);
    }
  });

  it('releases at Stop and SessionEnd the claims a session made in another repository', async () => {
    const home = makeRepo();
    const other = makeRepo();
    const session = `multi-${path.basename(home)}`;
    await hook({ ...edit(other, session, 'lib.ts'), cwd: home }, { cwd: home });
    await hook(edit(home, session, 'app.ts'), { cwd: home });
    expect(claimsOf(other)).toEqual([`lib.ts:${session}`]);
    await hook(event(home, session, 'Stop'), { cwd: home });
    expect(claimsOf(other)).toEqual([]);
    expect(claimsOf(home)).toEqual([]);
    await flc(['config', 'set', 'release=session'], { cwd: other });
    await hook({ ...edit(other, session, 'lib.ts'), cwd: home }, { cwd: home });
    await hook(event(home, session, 'Stop'), { cwd: home });
    expect(claimsOf(other)).toEqual([`lib.ts:${session}`]);
    await hook(event(home, session, 'SessionEnd', { reason: 'prompt_input_exit' }), { cwd: home });
    expect(claimsOf(other)).toEqual([]);
  });

  // Issue 9, point 6: a fork is a new process under a new id; its command line names the origin.
  it.runIf(fs.existsSync('/proc/self/cmdline'))('lets a fork take over what a crashed origin held, in every repository, but nothing of an origin still running', async () => {
    const repo = makeRepo();
    const other = makeRepo();
    const origin = `origin-${path.basename(repo)}`;
    const fork = `fork-${path.basename(repo)}`;
    const crashed = fakeClaudeProcess();
    await hook(event(repo, origin, 'SessionStart', { source: 'startup' }), { cwd: repo, env: { CLAUDE_PID: crashed.pid } });
    await hook(edit(repo, origin, 'a.ts'), { cwd: repo, env: { CLAUDE_PID: crashed.pid } });
    await hook({ ...edit(other, origin, 'b.ts'), cwd: repo }, { cwd: repo, env: { CLAUDE_PID: crashed.pid } });
    await crashed.kill(); // no Stop, no SessionEnd: its claims would linger until the TTL
    // The fork's process: `claude --resume <origin> --fork-session`, as /proc shows it.
    const forkProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)', '--', '--resume', origin, '--fork-session'], { stdio: 'ignore' });
    try {
      const started = await hook(event(repo, fork, 'SessionStart', { source: 'fork' }), { cwd: repo, env: { CLAUDE_PID: String(forkProcess.pid) } });
      expect(started).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(claimsOf(repo)).toEqual([`a.ts:${fork}`]);
      expect(claimsOf(other)).toEqual([`b.ts:${fork}`]);
      expect(readEvents(repo).filter((e) => e.event === 'session:ended').at(-1)).toMatchObject({ session: origin, detail: `continued as ${fork} (a fork); 1 claim(s) handed over` });
      await hook(event(repo, fork, 'SessionEnd', { reason: 'other' }), { cwd: repo, env: { CLAUDE_PID: String(forkProcess.pid) } });
      expect(claimsOf(other)).toEqual([]);

      // An origin still running keeps its claims; the fork is told how to take them.
      const live = fakeClaudeProcess();
      const liveOrigin = `live-${path.basename(repo)}`;
      const liveFork = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)', '--', '-r', liveOrigin, '--fork-session'], { stdio: 'ignore' });
      try {
        await hook(edit(repo, liveOrigin, 'c.ts'), { cwd: repo, env: { CLAUDE_PID: live.pid } });
        const told = await hook(event(repo, 'fork-2', 'SessionStart', { source: 'fork' }), { cwd: repo, env: { CLAUDE_PID: String(liveFork.pid) } });
        expect(told.code).toBe(0);
        expect(JSON.parse(told.stdout)).toEqual({ systemMessage: expect.stringContaining(`this fork starts with nothing of session ${liveOrigin}, which is still running`) });
        expect(claimsOf(repo)).toEqual([`c.ts:${liveOrigin}`]);
      } finally {
        liveFork.kill('SIGKILL');
        await live.kill();
      }
    } finally {
      forkProcess.kill('SIGKILL');
    }
  });

  it('hands the claims of the old session id over to the new one after /clear, in the same process', async () => {
    const repo = makeRepo();
    const other = makeRepo();
    await flc(['config', 'set', 'release=session'], { cwd: repo });
    await flc(['config', 'set', 'release=session'], { cwd: other });
    const claude = fakeClaudeProcess();
    try {
      const env = { CLAUDE_PID: claude.pid };
      const old = `old-${path.basename(repo)}`;
      const next = `new-${path.basename(repo)}`;
      await hook(event(repo, old, 'SessionStart', { source: 'startup' }), { cwd: repo, env });
      await hook(edit(repo, old, 'a.ts'), { cwd: repo, env });
      await hook({ ...edit(other, old, 'b.ts'), cwd: repo }, { cwd: repo, env });
      // Another session in another process is left alone.
      await hook(edit(repo, 'bystander', 'c.ts'), { cwd: repo, env: { CLAUDE_PID: String(process.pid) } });
      expect(await hook(event(repo, old, 'SessionEnd', { reason: 'clear' }), { cwd: repo, env })).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(claimsOf(repo)).toEqual([`a.ts:${old}`, 'c.ts:bystander']);
      await hook(event(repo, next, 'SessionStart', { source: 'clear' }), { cwd: repo, env });
      expect(claimsOf(repo)).toEqual([`a.ts:${next}`, 'c.ts:bystander']);
      expect(claimsOf(other)).toEqual([`b.ts:${next}`]);
      expect(readEvents(repo).filter((e) => e.event === 'session:ended').at(-1)).toMatchObject({ session: old, detail: expect.stringMatching(new RegExp(`continued as ${next}`)) });
      await hook(event(repo, next, 'SessionEnd', { reason: 'prompt_input_exit' }), { cwd: repo, env });
      expect(claimsOf(repo)).toEqual(['c.ts:bystander']);
      expect(claimsOf(other)).toEqual([]);
    } finally {
      await claude.kill();
    }
  });

  it('ends its wait with a refusal before the hook timeout it was installed with, whatever waitTimeout says', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'waitTimeout=10m'], { cwd: repo });
    await hook(edit(repo, 'A', 'a.ts'), { cwd: repo });
    const started = Date.now();
    // Installed with a 12 s timeout: flc must give up after 2 s (12 s minus its 10 s margin).
    const r = await hook(edit(repo, 'B', 'a.ts'), { cwd: repo, env: { FLC_HOOK_TIMEOUT: '12' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(waited 2(\.\d)?s\)/);
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  it('claims nothing for a directory named as the file, and warns', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, 'src'));
    const r = await hook(edit(repo, 'S', 'src'), { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^flc hook: Edit names a directory \(.*src\), not a file; nothing claimed, allowed/);
    expect(fs.existsSync(path.join(repo, '.git/flc/db.json')) ? readDb(repo).claims : []).toEqual([]);
    expect(readEvents(repo).at(-1)).toMatchObject({ event: 'hook:error', session: 'S' });
  });

  it('finishes SessionEnd within its budget when a live process holds the store lock, and says so', async () => {
    const repo = makeRepo();
    await hook(edit(repo, 'S', 'a.ts'), { cwd: repo });
    const holder = fakeClaudeProcess();
    try {
      const lock = path.join(repo, '.git/flc/db.lock');
      fs.writeFileSync(lock, JSON.stringify({ pid: Number(holder.pid), host: os.hostname(), nonce: 'test-holder', at: Date.now() }));
      const started = Date.now();
      const r = await hook(event(repo, 'S', 'SessionEnd', { reason: 'other' }), { cwd: repo });
      const took = Date.now() - started;
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/flc hook: SessionEnd could not release S's claims within 1200 ms/);
      expect(took).toBeLessThan(8000); // the lock wait alone would be 10 s and more
      expect(readEvents(repo).at(-1)).toMatchObject({ event: 'hook:error', session: 'S' });
      fs.rmSync(lock);
    } finally {
      await holder.kill();
    }
  });
});

describe('flc init --claude', () => {
  function settingsOf(repo: string, local = false) {
    return JSON.parse(fs.readFileSync(path.join(repo, '.claude', local ? 'settings.local.json' : 'settings.json'), 'utf8'));
  }

  it('merges the hooks, keeping the user\'s keys and hooks, idempotently, and uninstall removes only flc\'s', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, '.claude'));
    const mine = {
      permissions: { allow: ['Bash(npm test)'] },
      hooks: {
        PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo bash-guard' }] }],
        Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }],
      },
    };
    fs.writeFileSync(path.join(repo, '.claude/settings.json'), JSON.stringify(mine, null, 2));
    const r = await flc(['init', '--claude', '--no-guard'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const merged = settingsOf(repo);
    expect(merged.permissions).toEqual(mine.permissions);
    expect(merged.hooks.PreToolUse).toEqual([
      mine.hooks.PreToolUse[0],
      { matcher: 'Edit|Write|MultiEdit|NotebookEdit|Bash|ExitWorktree', hooks: [{ type: 'command', command: 'FLC_HOOK_TIMEOUT=90 flc hook claude', timeout: 90 }] },
    ]);
    expect(merged.hooks.Stop[0]).toEqual(mine.hooks.Stop[0]);
    expect(merged.hooks.SessionStart[0].hooks[0].command).toMatch(/^command -v flc >\/dev\/null 2>&1 && exec flc hook claude; echo '\{"systemMessage":"flc: flc is not on PATH/);
    expect(Object.keys(merged.hooks).sort()).toEqual(['PostToolUse', 'PreToolUse', 'SessionEnd', 'SessionStart', 'Stop', 'SubagentStop', 'UserPromptSubmit']);
    for (const name of ['UserPromptSubmit', 'PostToolUse', 'Stop', 'SubagentStop', 'SessionEnd']) {
      expect(merged.hooks[name].at(-1).hooks[0].command, name).toBe('flc hook claude');
    }
    const text = fs.readFileSync(path.join(repo, '.claude/settings.json'), 'utf8');
    await flc(['init', '--claude', '--no-guard'], { cwd: repo });
    expect(fs.readFileSync(path.join(repo, '.claude/settings.json'), 'utf8')).toBe(text);

    await flc(['init', '--uninstall'], { cwd: repo });
    expect(settingsOf(repo)).toEqual(mine);
  });

  it('uses the project\'s dev dependency when there is one, settings.local.json with --local, and a wait-aware timeout', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, 'node_modules/.bin'), { recursive: true });
    fs.symlinkSync(FLC, path.join(repo, 'node_modules/.bin/flc'));
    await flc(['config', 'set', 'waitTimeout=2m'], { cwd: repo });
    await flc(['init', '--claude', '--local', '--no-guard'], { cwd: repo });
    const settings = settingsOf(repo, true);
    expect(settings.hooks.PreToolUse[0].hooks[0]).toEqual({ type: 'command', command: 'FLC_HOOK_TIMEOUT=150 "$CLAUDE_PROJECT_DIR"/node_modules/.bin/flc hook claude', timeout: 150 });
    expect(fs.existsSync(path.join(repo, '.claude/settings.json'))).toBe(false);
    // The command works as Claude Code runs it: through a shell, with CLAUDE_PROJECT_DIR set.
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync('sh', ['-c', settings.hooks.PreToolUse[0].hooks[0].command], {
      cwd: repo,
      env: cleanEnv({ CLAUDE_PROJECT_DIR: repo }),
      input: JSON.stringify(edit(repo, 'S', 'a.ts')),
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(readDb(repo).claims.map((c) => c.path)).toEqual(['a.ts']);
  });

  it('tells the user at the session start when the hook command cannot find flc, and doctor spots it', async () => {
    const repo = makeRepo();
    await flc(['init', '--claude', '--no-guard'], { cwd: repo });
    const start = settingsOf(repo).hooks.SessionStart[0].hooks[0].command as string;
    const { spawnSync } = await import('node:child_process');
    const payload = JSON.stringify(event(repo, 'S', 'SessionStart', { source: 'startup' }));
    // flc on PATH: the command runs flc's hook, which prints nothing.
    const bin = makeTempDir();
    fs.symlinkSync(FLC, path.join(bin, 'flc'));
    const withFlc = spawnSync('sh', ['-c', start], { cwd: repo, env: cleanEnv({ PATH: `${bin}:${process.env.PATH}` }), input: payload, encoding: 'utf8' });
    expect(withFlc).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(readEvents(repo).at(-1)).toMatchObject({ event: 'session:started', session: 'S' });
    // flc gone: a systemMessage Claude Code shows the user.
    const nodeDir = path.dirname(process.execPath);
    const without = spawnSync('sh', ['-c', start], { cwd: repo, env: cleanEnv({ PATH: `${nodeDir}:/usr/bin:/bin` }), input: payload, encoding: 'utf8' });
    expect(without.status).toBe(0);
    expect(JSON.parse(without.stdout).systemMessage).toMatch(/^flc: flc is not on PATH.*NOT coordinated/);
    const doctorWith = await flc(['doctor'], { cwd: repo, env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(doctorWith.stdout).toMatch(/ok +claude hook +\.claude\/settings\.json: 7 hook\(s\), command finds flc/);
    const doctor = await flc(['doctor'], { cwd: repo, env: { PATH: `${nodeDir}:/usr/bin:/bin` } });
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toMatch(/FAIL claude hook +\.claude\/settings\.json: the hook command cannot find flc \(flc is not on PATH\)/);
  });

  it('keeps the installed PreToolUse timeout in step with waitTimeout, and doctor reports a mismatch', async () => {
    const repo = makeRepo();
    await flc(['init', '--claude', '--no-guard'], { cwd: repo });
    const set = await flc(['config', 'set', 'waitTimeout=2m'], { cwd: repo });
    expect(set.code).toBe(0);
    expect(set.stderr).toMatch(/updated the Claude Code PreToolUse hook timeout in .*settings\.json/);
    expect(settingsOf(repo).hooks.PreToolUse[0].hooks[0]).toMatchObject({ command: 'FLC_HOOK_TIMEOUT=150 flc hook claude', timeout: 150 });
    expect((await flc(['doctor'], { cwd: repo })).stdout).toMatch(/ok +claude wait +\.claude\/settings\.json: PreToolUse timeout 150 s leaves room for waitTimeout 2m/);
    // A hook installed by hand (or an older flc) with a short timeout.
    const settings = settingsOf(repo);
    settings.hooks.PreToolUse[0].hooks[0] = { type: 'command', command: 'flc hook claude', timeout: 90 };
    fs.writeFileSync(path.join(repo, '.claude/settings.json'), JSON.stringify(settings));
    const doctor = await flc(['doctor'], { cwd: repo });
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toMatch(/FAIL claude wait +\.claude\/settings\.json: the PreToolUse hook does not tell flc its timeout/);
    settings.hooks.PreToolUse[0].hooks[0] = { type: 'command', command: 'FLC_HOOK_TIMEOUT=90 flc hook claude', timeout: 90 };
    fs.writeFileSync(path.join(repo, '.claude/settings.json'), JSON.stringify(settings));
    expect((await flc(['doctor'], { cwd: repo })).stdout).toMatch(/FAIL claude wait +\.claude\/settings\.json: the PreToolUse timeout \(90 s\) cuts waitTimeout 2m to 1m 20s/);
  });

  it('refuses to overwrite a settings file that is not JSON', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, '.claude'));
    fs.writeFileSync(path.join(repo, '.claude/settings.json'), '{ oops');
    const r = await flc(['init', '--claude'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/settings\.json is not a JSON object; flc will not overwrite it/);
    expect(fs.readFileSync(path.join(repo, '.claude/settings.json'), 'utf8')).toBe('{ oops');
  });
});

describe('the Claude Code plugin', () => {
  const pluginRoot = path.join(ROOT, 'templates/claude-plugin');

  it('has valid manifests that point at files that exist', () => {
    const marketplace = JSON.parse(fs.readFileSync(path.join(ROOT, '.claude-plugin/marketplace.json'), 'utf8'));
    expect(marketplace).toMatchObject({ name: 'flc', owner: { name: expect.any(String) } });
    const entry = marketplace.plugins[0];
    expect(path.resolve(ROOT, entry.source)).toBe(pluginRoot);
    const manifest = JSON.parse(fs.readFileSync(path.join(pluginRoot, '.claude-plugin/plugin.json'), 'utf8'));
    expect(manifest.name).toBe(entry.name);
    const hooks = JSON.parse(fs.readFileSync(path.join(pluginRoot, 'hooks/hooks.json'), 'utf8')).hooks;
    const command = '${CLAUDE_PLUGIN_ROOT}/hooks/flc-hook.sh';
    // Same events, matchers and timeouts as `flc init --claude` writes for the default wait.
    const plan = flcHookPlan({ command, sessionStart: `${command} --session-start` }, 60_000);
    expect(hooks).toEqual(Object.fromEntries(Object.entries(plan).map(([event, group]) => [event, [group]])));
    const script = command.replace('${CLAUDE_PLUGIN_ROOT}', pluginRoot);
    expect(fs.statSync(script).mode & 0o111).toBeTruthy();
  });

  it('runs flc through its hook script, and allows with a warning when flc is missing', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, 'node_modules/.bin'), { recursive: true });
    fs.symlinkSync(FLC, path.join(repo, 'node_modules/.bin/flc'));
    const { spawnSync } = await import('node:child_process');
    const script = path.join(pluginRoot, 'hooks/flc-hook.sh');
    const run = (env: Record<string, string>) =>
      spawnSync(script, [], { cwd: repo, env: cleanEnv({ CLAUDE_PLUGIN_ROOT: pluginRoot, ...env }), input: JSON.stringify(edit(repo, 'S', 'a.ts')), encoding: 'utf8' });
    expect(run({ CLAUDE_PROJECT_DIR: repo }).status).toBe(0);
    expect(readDb(repo).claims.map((c) => c.path)).toEqual(['a.ts']);
    const missing = run({ CLAUDE_PROJECT_DIR: makeTempDir(), PATH: '/usr/bin:/bin' });
    expect(missing.status).toBe(0);
    expect(missing.stderr).toMatch(/flc: the flc plugin cannot find flc .* NOT coordinated/);
    // At the session's start the user is told, as a systemMessage Claude Code shows.
    const atStart = spawnSync(script, ['--session-start'], { cwd: repo, env: cleanEnv({ CLAUDE_PLUGIN_ROOT: pluginRoot, CLAUDE_PROJECT_DIR: makeTempDir(), PATH: '/usr/bin:/bin' }), input: '{}', encoding: 'utf8' });
    expect(atStart.status).toBe(0);
    expect(JSON.parse(atStart.stdout).systemMessage).toMatch(/cannot find flc/);
  });
});
