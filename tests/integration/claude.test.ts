import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flcHookPlan } from '../../src/install/claude-settings.js';
import { FLC, ROOT, cleanEnv, flc, makeRepo, makeTempDir, readDb, readEvents, sleep, until } from '../helpers.js';

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
    expect(other.stderr).toMatch(/Held by session S \(subagent agent-1\)/);
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
    await hook(event(repo, 'S', 'UserPromptSubmit', { prompt: 'go on' }), { cwd: repo });
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
      { matcher: 'Edit|Write|MultiEdit|NotebookEdit', hooks: [{ type: 'command', command: 'flc hook claude', timeout: 90 }] },
    ]);
    expect(merged.hooks.Stop[0]).toEqual(mine.hooks.Stop[0]);
    for (const name of ['SessionStart', 'PostToolUse', 'Stop', 'SubagentStop', 'SessionEnd']) {
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
    expect(settings.hooks.PreToolUse[0].hooks[0]).toEqual({ type: 'command', command: '"$CLAUDE_PROJECT_DIR"/node_modules/.bin/flc hook claude', timeout: 150 });
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
    expect(hooks).toEqual(Object.fromEntries(Object.entries(flcHookPlan(command, 60_000)).map(([event, group]) => [event, [group]])));
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
    expect(missing.stderr).toMatch(/flc: not installed/);
  });
});
