import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { bash, busyFor, claimsIn, describeReal, installLoggingHook, makeClaudeRepo, readHookLog, sessionIdOf, startClaude, tempDir, write, expectExit, waitUntil } from './harness.js';

let api: FakeAnthropic;

/** The stream-json control message the SDK (and Esc in the TUI) uses to interrupt a turn. */
const INTERRUPT = JSON.stringify({ type: 'control_request', request_id: 'interrupt-1', request: { subtype: 'interrupt' } }) + '\n';

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('real Claude Code turns that end without Stop', () => {
    // Issue 9, point 3: a turn that fails on an API error fires StopFailure, not Stop.
    it('an API error (StopFailure): the turn\'s claims are gone by the time the next prompt runs', async () => {
      const repo = makeClaudeRepo();
      const log = path.join(tempDir('hook-log-'), 'hooks.jsonl');
      installLoggingHook(repo, log, ['StopFailure', 'Stop']);
      const nextTurn = new Gate();
      api.script('api-error', [{ tools: [write(path.join(repo, 'e.txt'), 'e\n')] }, { error: { status: 500, type: 'api_error', message: 'boom' } }]);
      api.script('after-error', [{ gate: nextTurn, text: 'Next turn done.' }]);
      const session = startClaude({ cwd: repo, api: api.url, input: ['[script:api-error] write e.txt'], keepOpen: true });
      const id = await sessionIdOf(session);
      const failed = await session.waitForEvent((e) => e.type === 'result');
      expect(failed).toMatchObject({ is_error: true, terminal_reason: 'api_error', api_error_status: 500 });
      await waitUntil('StopFailure', () => readHookLog(log).some((e) => e.payload.hook_event_name === 'StopFailure'));
      expect(readHookLog(log).map((e) => e.payload.hook_event_name)).toEqual(['StopFailure']);

      session.send('[script:after-error] carry on');
      await nextTurn.reached;
      expect(claimsIn(repo).filter((c) => c.session === id)).toEqual([]);
      nextTurn.open();
      await session.waitForEvent((e) => e.type === 'result' && e.result === 'Next turn done.');
      session.endInput();
      expectExit(await session.done, 0);
    });

    // Issue 9, point 3: an interrupted turn fires no hook at all.
    it('an interrupted turn: its claims are gone by the time the next prompt runs', async () => {
      const repo = makeClaudeRepo();
      const log = path.join(tempDir('hook-log-'), 'hooks.jsonl');
      installLoggingHook(repo, log, ['PreToolUse', 'Stop', 'StopFailure']);
      const nextTurn = new Gate();
      api.script('interrupted', [{ tools: [write(path.join(repo, 'i.txt'), 'i\n')] }, { tools: [bash(busyFor(60_000))] }, { text: 'never' }]);
      api.script('after-interrupt', [{ gate: nextTurn, text: 'Next turn done.' }]);
      const session = startClaude({ cwd: repo, api: api.url, input: ['[script:interrupted] write then run'], keepOpen: true });
      const id = await sessionIdOf(session);
      await waitUntil("the Bash step's PreToolUse", () => readHookLog(log).some((e) => e.payload.tool_name === 'Bash'));
      expect(claimsIn(repo)).toMatchObject([{ path: 'i.txt', session: id }]);

      session.child.stdin!.write(INTERRUPT);
      await session.waitForEvent((e) => e.type === 'result');
      session.send('[script:after-interrupt] carry on');
      await nextTurn.reached;
      expect(readHookLog(log).filter((e) => /Stop/.test(e.payload.hook_event_name))).toEqual([]);
      expect(claimsIn(repo).filter((c) => c.session === id)).toEqual([]);
      nextTurn.open();
      await session.waitForEvent((e) => e.type === 'result' && e.result === 'Next turn done.');
      session.endInput();
      await session.done;
    });

    it('SIGINT to `claude -p` mid-turn: the process ends with SessionEnd, which releases the claims', async () => {
      const repo = makeClaudeRepo();
      const log = path.join(tempDir('hook-log-'), 'hooks.jsonl');
      installLoggingHook(repo, log, ['PreToolUse', 'SessionEnd']);
      api.script('sigint', [{ tools: [write(path.join(repo, 's.txt'), 's\n')] }, { tools: [bash(busyFor(60_000))] }, { text: 'never' }]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:sigint] write then run' });
      const id = await sessionIdOf(session);
      await waitUntil("the Bash step's PreToolUse", () => readHookLog(log).some((e) => e.payload.tool_name === 'Bash'));
      expect(claimsIn(repo)).toMatchObject([{ path: 's.txt', session: id }]);
      session.child.kill('SIGINT');
      await session.done;
      expect(readHookLog(log).at(-1)!.payload).toMatchObject({ hook_event_name: 'SessionEnd', reason: 'other' });
      expect(claimsIn(repo)).toEqual([]);
    });
  });
}
