import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { claimsIn, describeReal, makeClaudeRepo, sessionIdOf, startClaude, write, expectExit } from './harness.js';

let api: FakeAnthropic;

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('a real Claude Code session editing a second repository (--add-dir)', () => {
    // Issue 9, point 5: Stop and SessionEnd only looked at cwd's repository.
    it('claims the file in the other repository and releases it at Stop', async () => {
      const repo = makeClaudeRepo();
      const other = makeClaudeRepo();
      const file = path.join(other, 'lib', 'b.ts');
      const midTurn = new Gate();
      api.script('add-dir', [{ tools: [write(file, 'export {};\n')] }, { gate: midTurn, text: 'Done.' }]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:add-dir] edit the other repo', args: ['--add-dir', other] });
      const id = await sessionIdOf(session);
      await midTurn.reached;
      expect(claimsIn(other)).toMatchObject([{ path: 'lib/b.ts', session: id }]);
      expect(claimsIn(repo)).toEqual([]);
      midTurn.open();
      expectExit(await session.done, 0);
      expect(fs.readFileSync(file, 'utf8')).toBe('export {};\n');
      expect(claimsIn(other)).toEqual([]);
    });
  });
}
