import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsHookTimeoutMs } from '../../src/hooks/settings-timeout.js';
import { forkOrigin, parseClaudePayload } from '../../src/agents/claude.js';
import { HOOK_TIMEOUT_MARGIN_MS, hookWaitLimitMs, installedHookTimeoutMs, preToolUseTimeoutFor } from '../../src/agents/claude-timeouts.js';
import { describeRefusal } from '../../src/agents/refusal.js';
import type { GitIntent } from '../../src/core/shell.js';
import { NO_WORKAROUND, describeGitRefusal } from '../../src/core/shell-refusal.js';
import { asExitRefusal } from '../../src/hooks/claude-worktree.js';
import type { Blocker } from '../../src/core/rules.js';
import { hookSession, resolveSession } from '../../src/identity.js';
import { flcHookPlan, isFlcHook } from '../../src/install/claude-settings.js';

describe('the identity of a hook', () => {
  it('is the payload\'s session_id, whatever the environment says', () => {
    expect(hookSession('abc')).toEqual({ ok: true, session: 'abc' });
    expect(hookSession(undefined)).toMatchObject({ ok: false, problem: 'hook input has no session_id' });
    expect(hookSession('  ')).toMatchObject({ ok: false });
    expect(hookSession('a\nb')).toMatchObject({ ok: false });
    expect(hookSession('x'.repeat(201))).toMatchObject({ ok: false });
  });

  it('leaves the command line its own order', () => {
    expect(resolveSession({ flag: 'f', env: { FLC_SESSION: 'e' } })).toBe('f');
    expect(resolveSession({ env: { FLC_SESSION: 'e', CLAUDE_CODE_SESSION_ID: 'c' } })).toBe('e');
    expect(resolveSession({ env: { CLAUDE_CODE_SESSION_ID: 'c' } })).toBe('c');
  });
});

describe('Claude Code payloads', () => {
  const base = { session_id: 'S', hook_event_name: 'Stop' };
  const parse = (extra: object) => {
    const r = parseClaudePayload(JSON.stringify({ ...base, ...extra }));
    if (!r.ok) throw new Error(r.problem);
    return r.payload;
  };
  it('carry the tool call id that ties a PreToolUse to its PostToolUse (tool_use_id)', () => {
    expect(parse({ hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: 'toolu_01abc', tool_input: { command: 'ls' } })).toMatchObject({ toolName: 'Bash', toolUseId: 'toolu_01abc' });
    expect(parse({ tool_use_id: 7 }).toolUseId).toBeUndefined();
  });

  it('tell from background_tasks which subagents are still in flight (their id is the agent_id)', () => {
    const running = (tasks: unknown) => parse({ background_tasks: tasks }).runningSubagents;
    expect(running([{ id: 'a0df84ea87178d226', type: 'subagent', status: 'running', description: 'd', agent_type: 'general-purpose' }])).toEqual(['a0df84ea87178d226']);
    expect(running([{ id: 'b1', type: 'shell', status: 'running', description: 'npm run dev', command: 'npm run dev' }])).toEqual([]);
    expect(running([])).toEqual([]);
    expect(parse({}).runningSubagents).toBeUndefined();
    expect(running('nonsense')).toBeUndefined();
  });

  it('carry SessionStart source and SessionEnd reason', () => {
    expect(parse({ hook_event_name: 'SessionStart', source: 'clear' }).source).toBe('clear');
    expect(parse({ hook_event_name: 'SessionEnd', reason: 'clear' }).reason).toBe('clear');
  });

  it("say when ExitWorktree will delete the worktree: action remove with discard_changes true, nothing else", () => {
    const discards = (toolInput: unknown, toolName = 'ExitWorktree') => parse({ hook_event_name: 'PreToolUse', tool_name: toolName, tool_input: toolInput }).discardsWorktree;
    expect(discards({ action: 'remove', discard_changes: true })).toBe(true);
    expect(discards({ action: 'remove', discard_changes: 'true' })).toBe(false);
    expect(discards({ action: 'remove' })).toBe(false);
    expect(discards({ action: 'keep', discard_changes: true })).toBe(false);
    expect(discards({ action: 'remove', discard_changes: true }, 'Bash')).toBe(false);
    expect(discards('remove')).toBe(false);
  });
});

describe("ExitWorktree's refusal", () => {
  const command = "git worktree remove --force '/r/.claude/worktrees/wt 1'";
  const intent: GitIntent = { verb: 'worktree', effect: 'discard', paths: [], untracked: true, ignored: false };
  it("names ExitWorktree and offers keep instead of the git command's alternative", () => {
    const gate = describeGitRefusal(command, intent, [{ path: 'x.txt', session: 'other', what: 'held', since: new Date(0).toISOString(), command }], [], Date.now());
    const text = asExitRefusal(`${gate}\n${NO_WORKAROUND}`, command, '/r/.claude/worktrees/wt 1');
    expect(text.split('\n')).toEqual([
      'flc: refused ExitWorktree (action "remove", discard_changes) of /r/.claude/worktrees/wt 1: it would discard work of other sessions:',
      expect.stringMatching(/^ {2}x\.txt: being edited by session other \(write claim for /),
      'Allowed instead: ExitWorktree with action "keep" (the worktree stays, with every file in it).',
      NO_WORKAROUND,
    ]);
  });

  it('passes a refusal of another shape on as it is', () => {
    expect(asExitRefusal('flc: something else', command, '/r')).toBe('flc: something else');
  });
});

describe('the session a fork continues', () => {
  it('is the --resume value of a command line with --fork-session, and nothing otherwise', () => {
    expect(forkOrigin(['claude', '-p', 'x', '--resume', 'abc-1', '--fork-session'])).toBe('abc-1');
    expect(forkOrigin(['claude', '--fork-session', '-r', 'abc-2'])).toBe('abc-2');
    expect(forkOrigin(['claude', '--resume=abc-3', '--fork-session'])).toBe('abc-3');
    expect(forkOrigin(['claude', '--resume', 'abc-1'])).toBeUndefined(); // a plain resume keeps its id
    expect(forkOrigin(['claude', '--continue', '--fork-session'])).toBeUndefined();
    expect(forkOrigin(['claude', '--resume', '--fork-session'])).toBeUndefined();
  });
});

describe('hook timeouts', () => {
  it('cap the wait below the timeout the hook was installed with', () => {
    expect(installedHookTimeoutMs({ FLC_HOOK_TIMEOUT: '90' })).toBe(90_000);
    expect(installedHookTimeoutMs({ FLC_HOOK_TIMEOUT: 'x' })).toBeNull();
    expect(installedHookTimeoutMs({ FLC_HOOK_TIMEOUT: '0' })).toBeNull();
    expect(installedHookTimeoutMs({})).toBeNull();
    expect(hookWaitLimitMs(60_000, 90_000)).toBe(60_000);
    expect(hookWaitLimitMs(120_000, 90_000)).toBe(90_000 - HOOK_TIMEOUT_MARGIN_MS);
    expect(hookWaitLimitMs(120_000, 5_000)).toBe(1_000);
    expect(hookWaitLimitMs(120_000, null)).toBe(120_000);
  });

  it('are read from the settings files too: the shortest timeout of flc\'s PreToolUse hooks there', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flc-settings-'));
    try {
      const project = path.join(dir, 'project');
      const config = path.join(dir, 'config');
      fs.mkdirSync(path.join(project, '.claude'), { recursive: true });
      fs.mkdirSync(config);
      const env = { CLAUDE_PROJECT_DIR: project, CLAUDE_CONFIG_DIR: config };
      expect(settingsHookTimeoutMs(env, undefined)).toBeNull();
      const hooks = (timeout?: number) => ({ hooks: { PreToolUse: [{ matcher: 'Edit', hooks: [{ type: 'command', command: 'FLC_HOOK_TIMEOUT=150 flc hook claude', ...(timeout ? { timeout } : {}) }] }], Stop: [{ hooks: [{ type: 'command', command: 'flc hook claude', timeout: 5 }] }] } });
      fs.writeFileSync(path.join(project, '.claude', 'settings.json'), JSON.stringify(hooks(40)));
      expect(settingsHookTimeoutMs(env, undefined)).toBe(40_000);
      fs.writeFileSync(path.join(project, '.claude', 'settings.local.json'), JSON.stringify(hooks(12)));
      fs.writeFileSync(path.join(config, 'settings.json'), '{ not json');
      expect(settingsHookTimeoutMs(env, undefined)).toBe(12_000);
      fs.writeFileSync(path.join(project, '.claude', 'settings.local.json'), JSON.stringify(hooks()));
      expect(settingsHookTimeoutMs(env, undefined)).toBe(40_000); // no timeout: Claude Code's default 600 s
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are installed with room for the whole wait, and the command carries it', () => {
    for (const wait of [1_000, 60_000, 120_000, 3_600_000]) {
      const timeout = preToolUseTimeoutFor(wait);
      expect(hookWaitLimitMs(wait, timeout * 1000)).toBe(wait);
      const plan = flcHookPlan('flc hook claude', wait);
      expect(plan.PreToolUse!.hooks[0]).toEqual({ type: 'command', command: `FLC_HOOK_TIMEOUT=${timeout} flc hook claude`, timeout });
    }
  });

  it('installs only events every Claude Code version knows (an unknown one voids the settings file on 2.0.x)', () => {
    expect(Object.keys(flcHookPlan('flc hook claude', 60_000)).sort()).toEqual(['PostToolUse', 'PreToolUse', 'SessionEnd', 'SessionStart', 'Stop', 'SubagentStop', 'UserPromptSubmit']);
  });

  it('hooks Bash before and after it runs (shell attribution), next to the edit tools', () => {
    const plan = flcHookPlan('flc hook claude', 60_000);
    expect(plan.PreToolUse!.matcher).toBe('Edit|Write|MultiEdit|NotebookEdit|Bash|ExitWorktree');
    expect(plan.PostToolUse!.matcher).toBe('Edit|Write|MultiEdit|NotebookEdit|Bash');
  });

  it('recognise flc\'s entries in every form flc has written', () => {
    for (const command of ['flc hook claude', '"$CLAUDE_PROJECT_DIR"/node_modules/.bin/flc hook claude', 'FLC_HOOK_TIMEOUT=90 flc hook claude', "command -v flc >/dev/null 2>&1 && exec flc hook claude; echo '{}'"]) {
      expect(isFlcHook({ type: 'command', command }), command).toBe(true);
    }
    expect(isFlcHook({ type: 'command', command: 'say done' })).toBe(false);
  });
});

describe('the refusal an agent reads', () => {
  const blocker = (session: string, agent?: string): Blocker => ({
    path: 'a.ts',
    heldPath: 'a.ts',
    session,
    agent,
    kind: 'write',
    queued: false,
    claimId: `c-${session}${agent ?? ''}`,
    acquiredAt: new Date().toISOString(),
    expiresAt: null,
  });
  const refusal = (conflicts: Blocker[], requester?: { session: string; agent?: string }) => describeRefusal('a.ts', { cause: 'timeout', conflicts, waited: 1 }, requester);

  it('names a sibling subagent of the same session as such', () => {
    const text = refusal([blocker('S', 'agent-1')], { session: 'S', agent: 'agent-2' });
    expect(text).toMatch(/^flc: a\.ts is being edited by a sibling subagent of this same session \(agent agent-1\)/);
    expect(text).toMatch(/Held by a sibling subagent \(agent agent-1\) of this same session S:/);
    expect(text).not.toMatch(/another session/);
  });

  it('names another session (and its subagent) as another session', () => {
    const text = refusal([blocker('T', 'agent-9')], { session: 'S', agent: 'agent-2' });
    expect(text).toMatch(/^flc: a\.ts is being edited by another session,/);
    expect(text).toMatch(/Held by session T \(subagent agent-9\):/);
    expect(refusal([blocker('T'), blocker('S', 'agent-1')], { session: 'S', agent: 'agent-2' })).toMatch(/edited by another session and a sibling subagent of this same session \(agent agent-1\)/);
  });
});
