import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { git, readEvents } from '../helpers.js';
import { bash, claimsIn, describeReal, edit, makeClaudeRepo, sessionIdOf, startClaude, write, expectExit } from './harness.js';

let api: FakeAnthropic;

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('a real Claude Code session', () => {
    it('claims on Write and Edit, keeps the claim through the turn, commits its own file through the guard, and releases at Stop', async () => {
      const repo = makeClaudeRepo();
      const file = path.join(repo, 'src', 'app.ts');
      const midTurn = new Gate();
      api.script('one', [
        { tools: [write(file, 'export const a = 1;\n')] },
        { tools: [edit(file, 'a = 1', 'a = 2')] },
        { gate: midTurn, tools: [bash('git add src/app.ts && git commit -q -m "own work" && echo COMMITTED')] },
        { text: 'Done.' },
      ]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: 'edit src/app.ts [script:one]' });
      const id = await sessionIdOf(session);

      await midTurn.reached;
      expect(claimsIn(repo)).toMatchObject([{ path: 'src/app.ts', kind: 'write', session: id }]);
      expect(claimsIn(repo)[0]!.agent).toBeUndefined();
      midTurn.open();

      const run = await session.done;
      expectExit(run, 0);
      expect(run.result?.is_error).toBe(false);
      expect(fs.readFileSync(file, 'utf8')).toBe('export const a = 2;\n');
      const results = api.toolResults('one');
      expect(results.slice(0, 2).every((r) => !r.is_error)).toBe(true);
      expect(results[2]!.content).toContain('COMMITTED');
      expect(results[2]!.content).toContain('EXIT=0');
      expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe('own work');
      expect(claimsIn(repo)).toEqual([]);
      const journal = readEvents(repo).filter((e) => e.session === id);
      expect(journal.map((e) => e.event)).toEqual(expect.arrayContaining(['claim:acquired', 'claim:released']));
    });
  });
}
