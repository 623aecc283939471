import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { readEvents } from '../helpers.js';
import { CLAUDE_BIN, bash, claimsIn, describeReal, expectExit, makeClaudeRepo, sessionIdOf, startClaude, write } from './harness.js';

let api: FakeAnthropic;

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  // Issue 9, point 1: a `claude -p` run from a session's Bash tool inherits the parent's
  // CLAUDE_CODE_SESSION_ID and FLC_SESSION, and runs the same hooks.
  describeReal('a `claude -p` run from a real session\'s Bash tool', () => {
    it('claims as its own session (its payload\'s id), and its Stop does not release the parent\'s claims mid-turn', async () => {
      const repo = makeClaudeRepo({ config: ['waitTimeout=1s'] });
      const parentFile = path.join(repo, 'parent.txt');
      const afterNested = new Gate();
      const inner = `"${CLAUDE_BIN}" -p "[script:nested-child] write" --output-format json --dangerously-skip-permissions`;
      api.script('nested-parent', [
        { tools: [write(parentFile, 'parent\n')] },
        { tools: [bash(`echo "PARENT=$FLC_SESSION"; ${inner} > child.json`)] },
        { gate: afterNested, text: 'Parent done.' },
      ]);
      api.script('nested-child', [
        { tools: [write(path.join(repo, 'child.txt'), 'child\n')] },
        { tools: [write(parentFile, 'child\n')] },
        { text: 'Child done.' },
      ]);
      const parent = startClaude({ cwd: repo, api: api.url, prompt: '[script:nested-parent] go' });
      const parentId = await sessionIdOf(parent);

      await afterNested.reached; // the nested run has ended (its Stop and SessionEnd ran); the parent's turn goes on
      const ran = api.toolResults('nested-parent')[1]!;
      expect(ran.content).toContain(`PARENT=${parentId}`);
      expect(ran.content).toContain('EXIT=0');
      const acquired = readEvents(repo).filter((e) => e.event === 'claim:acquired' && e.path === 'child.txt');
      expect(acquired).toHaveLength(1);
      const childId = acquired[0]!.session as string;
      expect(childId).not.toBe(parentId);
      // The nested session is another session: the parent's file is refused to it.
      const [wrote, refused] = api.toolResults('nested-child');
      expect(wrote!.is_error).toBe(false);
      expect(refused!.is_error).toBe(true);
      expect(refused!.content).toContain(`parent.txt is being edited by another session`);
      expect(refused!.content).toContain(`Held by session ${parentId}`);
      // Its Stop released its own claim, not the parent's.
      // (the parent's Bash command also claimed its own redirect target, child.json)
      expect(claimsIn(repo).filter((c) => c.path === 'parent.txt')).toMatchObject([{ path: 'parent.txt', session: parentId }]);
      expect(claimsIn(repo).filter((c) => c.session !== parentId)).toEqual([]);
      expect(readEvents(repo).filter((e) => e.event === 'claim:released').map((e) => [e.path, e.session])).toEqual([['child.txt', childId]]);
      afterNested.open();
      expectExit(await parent.done, 0);
      expect(claimsIn(repo)).toEqual([]);
    });
  });
}
