import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { sleep } from '../helpers.js';
import { bash, busyFor, claimsIn, describeReal, flcRun, installLoggingHook, killGroup, makeClaudeRepo, readHookLog, sessionIdOf, startClaude, tempDir, write, waitUntil } from './harness.js';

let api: FakeAnthropic;

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('a real Claude Code turn longer than the TTL', () => {
    // Issue 9, point 4: only edit hooks renew claims, so a long Bash step loses them to the TTL.
    it('keeps its claim while Claude is alive, and loses it after the TTL once Claude is gone', async () => {
      const repo = makeClaudeRepo({ config: ['ttl=3s'] });
      const log = path.join(tempDir('hook-log-'), 'hooks.jsonl');
      installLoggingHook(repo, log, ['PreToolUse']);
      api.script('long', [{ tools: [write(path.join(repo, 'a.txt'), 'a\n')] }, { tools: [bash(busyFor(120_000))] }, { text: 'never' }]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:long] write, then run the tests' });
      const id = await sessionIdOf(session);
      await waitUntil("the Bash step's PreToolUse", () => readHookLog(log).some((e) => e.payload.tool_name === 'Bash'));

      // Well past the 3 s TTL, in the middle of the Bash step: another session is still refused.
      await sleep(6000);
      const intruder = await flcRun(repo, ['claim', 'a.txt', '--session', 'intruder']);
      expect(intruder.code).toBe(1);
      expect(claimsIn(repo)).toMatchObject([{ path: 'a.txt', session: id }]);

      // Claude dies without a hook: the claim goes with the TTL, but what it wrote stays its own.
      killGroup(session.child, 'SIGKILL');
      await session.done;
      const after = await flcRun(repo, ['claim', 'a.txt', '--session', 'intruder', '--wait', '--timeout', '30s']);
      expect(after.code).toBe(1);
      expect(claimsIn(repo).filter((c) => c.session === id)).toEqual([]);
      expect(after.stderr).toContain(`a.txt holds uncommitted changes owned by ${id}`);
    });
  });
}
