import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { git } from '../helpers.js';
import { bash, claimsIn, describeReal, installLoggingHook, makeClaudeRepo, readHookLog, startClaude, tempDir, write, expectExit } from './harness.js';

let api: FakeAnthropic;

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('/clear in a real Claude Code session', () => {
    it('gives the session a new id; nothing lingers under the old one, and Bash commits as the new one', async () => {
      const repo = makeClaudeRepo();
      const log = path.join(tempDir('hook-log-'), 'hooks.jsonl');
      installLoggingHook(repo, log, ['SessionStart', 'SessionEnd']);
      const afterClear = new Gate();
      api.script('before-clear', [{ tools: [write(path.join(repo, 'c1.txt'), '1\n')] }, { text: 'First done.' }]);
      api.script('after-clear', [
        { tools: [write(path.join(repo, 'c2.txt'), '2\n')] },
        { gate: afterClear, tools: [bash('echo "FLC_SESSION=$FLC_SESSION"; git add c1.txt c2.txt && git commit -q -m "both"')] },
        { text: 'Second done.' },
      ]);
      const session = startClaude({ cwd: repo, api: api.url, input: ['[script:before-clear] write c1.txt'], keepOpen: true });
      await session.waitForEvent((e) => e.type === 'result' && e.result === 'First done.');
      session.send('/clear');
      session.send('[script:after-clear] write c2.txt and commit');

      await afterClear.reached;
      const hooks = readHookLog(log).map((e) => e.payload);
      const oldId = hooks[0]!.session_id;
      const started = hooks.filter((p) => p.hook_event_name === 'SessionStart');
      expect(started.map((p) => p.source)).toEqual(['startup', 'clear']);
      expect(hooks.find((p) => p.hook_event_name === 'SessionEnd')).toMatchObject({ reason: 'clear', session_id: oldId });
      const newId = started[1]!.session_id;
      const pids = readHookLog(log).filter((e) => e.payload.hook_event_name === 'SessionStart').map((e) => e.env.CLAUDE_PID);
      expect(pids[1]).toBe(pids[0]); // the same Claude process: what links the new id to the old one
      expect(newId).not.toBe(oldId);
      expect(claimsIn(repo).filter((c) => c.session === oldId)).toEqual([]);
      expect(claimsIn(repo)).toMatchObject([{ path: 'c2.txt', session: newId }]);
      // Issue 10: the uncommitted change the old id made (its claim released at its Stop) follows the new id.
      const owners = JSON.parse(fs.readFileSync(path.join(repo, '.git', 'flc', 'db.json'), 'utf8')).changes.filter((r: any) => r.since).map((r: any) => [r.path, r.session]);
      expect(owners).toContainEqual(['c1.txt', newId]);
      expect(owners.filter(([, s]: string[]) => s === oldId)).toEqual([]);
      afterClear.open();

      await session.waitForEvent((e) => e.type === 'result' && e.result === 'Second done.');
      session.endInput();
      expectExit(await session.done, 0);
      const commit = api.toolResults('after-clear')[1]!;
      expect(commit.content).toContain(`FLC_SESSION=${newId}`);
      expect(commit.content).toContain('EXIT=0');
      expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe('both');
    });

    // Issue 9, point 6: with claims that outlive a turn (release=session), /clear must hand them to the new id.
    it('with release=session, what the old id held follows the new id', async () => {
      const repo = makeClaudeRepo({ config: ['release=session'] });
      const log = path.join(tempDir('hook-log-'), 'hooks.jsonl');
      installLoggingHook(repo, log, ['SessionStart']);
      const afterClear = new Gate();
      api.script('held-before-clear', [{ tools: [write(path.join(repo, 'kept.txt'), '1\n')] }, { text: 'First done.' }]);
      api.script('held-after-clear', [{ gate: afterClear, text: 'Second done.' }]);
      const session = startClaude({ cwd: repo, api: api.url, input: ['[script:held-before-clear] write kept.txt'], keepOpen: true });
      await session.waitForEvent((e) => e.type === 'result' && e.result === 'First done.');
      const oldId = readHookLog(log)[0]!.payload.session_id;
      expect(claimsIn(repo)).toMatchObject([{ path: 'kept.txt', session: oldId }]);
      session.send('/clear');
      session.send('[script:held-after-clear] go on');
      await afterClear.reached;
      const newId = readHookLog(log).at(-1)!.payload.session_id;
      expect(newId).not.toBe(oldId);
      expect(claimsIn(repo)).toMatchObject([{ path: 'kept.txt', session: newId }]);
      afterClear.open();
      await session.waitForEvent((e) => e.type === 'result' && e.result === 'Second done.');
      session.endInput();
      await session.done;
    });
  });
}
