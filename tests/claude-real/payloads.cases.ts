import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { bash, describeReal, edit, installLoggingHook, makeClaudeRepo, makeHome, readHookLog, runClaude, startClaude, tempDir, write, expectExit, waitUntil } from './harness.js';

/**
 * Re-checks, against the pinned Claude Code, the hook payload fields PAYLOADS.md records and
 * flc relies on. If Claude Code changes them, this test says which.
 */

let api: FakeAnthropic;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AGENT_ID = /^a[0-9a-f]{16}$/;

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('Claude Code hook payloads (PAYLOADS.md)', () => {
    it('carry the fields flc relies on, in every event of a session, its subagents, an API error, a resume and a fork', async () => {
      const repo = makeClaudeRepo();
      const log = path.join(tempDir('hook-log-'), 'hooks.jsonl');
      installLoggingHook(repo, log);
      const file = path.join(repo, 'p.txt');
      const bgGo = new Gate();
      api.script('p1', [
        { tools: [write(file, 'one\n')] },
        { tools: [edit(file, 'one', 'two')] },
        { tools: [bash('echo "SID=$CLAUDE_CODE_SESSION_ID FLC=$FLC_SESSION PID=$CLAUDE_PID"')] },
        { tools: [{ name: 'Agent', input: { description: 'fg', prompt: '[script:p-fg] write', subagent_type: 'general-purpose', run_in_background: false } }] },
        { tools: [{ name: 'Agent', input: { description: 'bg', prompt: '[script:p-bg] write', subagent_type: 'general-purpose', run_in_background: true } }] },
        { text: 'Main turn done.' },
        { text: 'Notified.' },
      ]);
      api.script('p-fg', [{ tools: [write(path.join(repo, 'fg.txt'), 'fg\n')] }, { text: 'fg done' }]);
      api.script('p-bg', [{ gate: bgGo, tools: [write(path.join(repo, 'bg.txt'), 'bg\n')] }, { text: 'bg done' }]);
      api.script('p2', [{ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } }]);
      api.script('p3', [{ text: 'Resumed.' }]);
      api.script('p4', [{ text: 'Forked.' }]);

      const home = makeHome();
      const session = startClaude({ cwd: repo, api: api.url, home, input: ['[script:p1] go'], keepOpen: true });
      const events = () => readHookLog(log);
      await waitUntil("the main agent's first Stop", () => events().some((e) => e.payload.hook_event_name === 'Stop'));
      bgGo.open();
      await session.waitForEvent((e) => e.type === 'result' && e.result === 'Notified.', 90_000);
      session.send('[script:p2] fail');
      await session.waitForEvent((e) => e.type === 'result' && e.is_error, 60_000);
      await waitUntil('StopFailure', () => events().some((e) => e.payload.hook_event_name === 'StopFailure'));
      session.endInput();
      const run = await session.done;
      expectExit(run, 1); // its last turn ended on the API error
      const id = run.sessionId!;
      expect(id).toMatch(UUID);

      const all = events();
      const of = (name: string) => all.filter((e) => e.payload.hook_event_name === name);
      // Every event: the session id, cwd, and the same id and Claude's pid in the environment.
      for (const e of all) {
        expect(e.payload).toMatchObject({ session_id: id, cwd: repo, transcript_path: expect.stringContaining(id) });
        expect(e.env).toMatchObject({ CLAUDE_CODE_SESSION_ID: id, CLAUDE_PID: String(session.child.pid), CLAUDE_PROJECT_DIR: repo });
        if (e.payload.hook_event_name === 'SessionStart') expect(e.env.CLAUDE_ENV_FILE).toMatch(new RegExp(`/session-env/${id}/sessionstart-hook-\\d+\\.sh$`));
        else expect(e.env.CLAUDE_ENV_FILE).toBeUndefined();
      }
      expect(of('SessionStart').map((e) => e.payload.source)).toEqual(['startup']);
      expect(of('UserPromptSubmit')[0]!.payload).toMatchObject({ prompt: '[script:p1] go', prompt_id: expect.stringMatching(UUID) });

      // Tool events: absolute file_path; subagent events carry agent_id and agent_type, the main agent's none.
      const pre = of('PreToolUse');
      expect(pre.map((e) => `${e.payload.tool_name}${e.payload.agent_id ? '@sub' : ''}`)).toEqual(['Write', 'Edit', 'Bash', 'Agent', 'Write@sub', 'Agent', 'Write@sub']);
      expect(pre[0]!.payload).toMatchObject({ tool_input: { file_path: file, content: 'one\n' }, tool_use_id: expect.any(String) });
      expect(pre[1]!.payload.tool_input).toEqual({ file_path: file, old_string: 'one', new_string: 'two', replace_all: false });
      expect(pre[0]!.payload.agent_id).toBeUndefined();
      const [fgStart, bgStart] = of('SubagentStart').map((e) => e.payload);
      expect(fgStart).toMatchObject({ agent_id: expect.stringMatching(AGENT_ID), agent_type: 'general-purpose' });
      expect(pre[4]!.payload).toMatchObject({ agent_id: fgStart!.agent_id, agent_type: 'general-purpose' });
      expect(pre[6]!.payload).toMatchObject({ agent_id: bgStart!.agent_id });
      expect(of('PostToolUse').find((e) => e.payload.tool_name === 'Edit')!.payload).toMatchObject({ tool_response: expect.anything(), duration_ms: expect.any(Number) });
      expect(of('SubagentStop').map((e) => e.payload.agent_id)).toEqual([fgStart!.agent_id, bgStart!.agent_id]);

      // The Bash tool carries the session id, Claude's pid, and what flc's SessionStart exported.
      expect(api.toolResults('p1')[2]!.content).toContain(`SID=${id} FLC=${id} PID=${session.child.pid}`);

      // Stop: the first lists the background subagent still running; the one after its notification, none.
      const stops = of('Stop').map((e) => e.payload);
      expect(stops[0]).toMatchObject({ stop_hook_active: false, last_assistant_message: 'Main turn done.', background_tasks: [{ id: bgStart!.agent_id, type: 'subagent', status: 'running', agent_type: 'general-purpose' }] });
      expect(stops.at(-1)).toMatchObject({ last_assistant_message: 'Notified.', background_tasks: [] });
      expect(of('UserPromptSubmit')[1]!.payload.prompt).toMatch(/^<task-notification>/);

      // An API error: StopFailure, no Stop, then SessionEnd.
      const names = all.map((e) => e.payload.hook_event_name);
      expect(names.slice(names.lastIndexOf('UserPromptSubmit'))).toEqual(['UserPromptSubmit', 'StopFailure', 'SessionEnd']);
      expect(of('StopFailure')[0]!.payload).toMatchObject({ error: 'server_error', last_assistant_message: expect.stringContaining('529') });
      expect(of('SessionEnd')[0]!.payload).toMatchObject({ reason: 'other' });

      // --resume keeps the id (source resume); --fork-session starts a new one (source fork) that does not name its origin.
      const resumed = await runClaude({ cwd: repo, api: api.url, home, prompt: '[script:p3] again', args: ['--resume', id] });
      expect(resumed.sessionId).toBe(id);
      const forked = await runClaude({ cwd: repo, api: api.url, home, prompt: '[script:p4] fork', args: ['--resume', id, '--fork-session'] });
      expect(forked.sessionId).not.toBe(id);
      const starts = of('SessionStart').length;
      const later = readHookLog(log).filter((e) => e.payload.hook_event_name === 'SessionStart').slice(starts).map((e) => e.payload);
      expect(later).toMatchObject([{ source: 'resume', session_id: id }, { source: 'fork', session_id: forked.sessionId }]);
      expect(JSON.stringify(later[1])).not.toContain(id);
    }, 240_000);
  });
}
