import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { git } from '../helpers.js';
import { bash, claimsIn, describeReal, makeClaudeRepo, runClaude, sessionIdOf, startClaude, waitersIn, write, expectExit, waitUntil } from './harness.js';

let api: FakeAnthropic;

/** Session A writes `file` and stays in its turn until the returned gate opens. */
async function holder(name: string, repo: string, file: string, env: Record<string, string> = {}) {
  const gate = new Gate();
  api.script(name, [{ tools: [write(path.join(repo, file), `${name}\n`)] }, { gate, text: 'Holder done.' }]);
  const session = startClaude({ cwd: repo, api: api.url, prompt: `[script:${name}] write ${file}`, env });
  const id = await sessionIdOf(session);
  await gate.reached;
  return { session, id, gate };
}

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('two real Claude Code sessions on one file', () => {
    it('refuses the second one, naming the holder in the tool result Claude Code sends the model', async () => {
      const repo = makeClaudeRepo({ config: ['waitTimeout=2s'] });
      const a = await holder('refuse-a', repo, 'x.txt');
      expect(claimsIn(repo)).toMatchObject([{ path: 'x.txt', session: a.id }]);

      api.script('refuse-b', [{ tools: [write(path.join(repo, 'x.txt'), 'b\n')] }, { text: 'B done.' }]);
      const b = await runClaude({ cwd: repo, api: api.url, prompt: '[script:refuse-b] write x.txt' });
      const [result] = api.toolResults('refuse-b');
      expect(result!.is_error).toBe(true);
      expect(result!.content).toMatch(/x\.txt is being edited by another session, so this edit was not made/);
      expect(result!.content).toContain(`Held by session ${a.id}`);
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('refuse-a\n');
      expectExit(b, 0);

      a.gate.open();
      await a.session.done;
      expect(claimsIn(repo)).toEqual([]);
    });

    it('makes the second one wait, and grants it when the holder commits its work and its turn ends', async () => {
      const repo = makeClaudeRepo();
      const gate = new Gate();
      api.script('wait-a', [{ tools: [write(path.join(repo, 'x.txt'), 'wait-a\n')] }, { gate, tools: [bash('git add x.txt && git commit -q -m "a\'s work"')] }, { text: 'A done.' }]);
      const a = startClaude({ cwd: repo, api: api.url, prompt: '[script:wait-a] write and commit x.txt' });
      await gate.reached;
      api.script('wait-b', [{ tools: [write(path.join(repo, 'x.txt'), 'b\n')] }, { text: 'B done.' }]);
      const b = startClaude({ cwd: repo, api: api.url, prompt: '[script:wait-b] write x.txt' });
      const bId = await sessionIdOf(b);
      await waitUntil('the second session waiting', () => waitersIn(repo).length === 1);

      gate.open();
      expectExit(await a.done, 0);
      expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe("a's work");
      const run = await b.done;
      expectExit(run, 0);
      const [result] = api.toolResults('wait-b');
      expect(result!.is_error).toBe(false);
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('b\n');
      expect(claimsIn(repo).filter((c) => c.session !== bId)).toEqual([]);
    });

    // Issue 10: what the holder changed stays its work after its turn, until it is committed.
    it('refuses the waiting one once the holder\'s turn ends with its work uncommitted, and B\'s sweeping commit leaves nothing staged', async () => {
      const repo = makeClaudeRepo();
      const a = await holder('owned-a', repo, 'x.txt');
      api.script('owned-b', [
        { tools: [write(path.join(repo, 'x.txt'), 'b\n')] },
        { tools: [write(path.join(repo, 'y.txt'), 'y\n')] },
        { tools: [bash('git add -A && git commit -q -m "sweep"')] },
        { text: 'B done.' },
      ]);
      const b = startClaude({ cwd: repo, api: api.url, prompt: '[script:owned-b] write x.txt' });
      await waitUntil('the second session waiting', () => waitersIn(repo).length === 1);

      a.gate.open();
      expectExit(await a.session.done, 0);
      expectExit(await b.done, 0);
      const [refused, wrote, committed] = api.toolResults('owned-b');
      expect(refused!.is_error).toBe(true);
      expect(refused!.content).toContain(`x.txt holds uncommitted changes of session ${a.id}`);
      expect(wrote!.is_error).toBe(false);
      expect(committed!.content).toMatch(/EXIT=1/);
      expect(committed!.content).toContain(`uncommitted changes of ${a.id}`);
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('owned-a\n');
      expect(git(repo, 'log', '-1', '--format=%s').trim()).not.toBe('sweep');
      expect(git(repo, 'diff', '--cached', '--name-only')).not.toContain('x.txt'); // A's file is not left staged
    });

    it('refuses a Bash `git commit` of the held file through the guard, naming the holder', async () => {
      const repo = makeClaudeRepo();
      const a = await holder('commit-a', repo, 'x.txt');
      api.script('commit-b', [{ tools: [bash('git add x.txt && git commit -q -m "take x"')] }, { text: 'B done.' }]);
      await runClaude({ cwd: repo, api: api.url, prompt: '[script:commit-b] commit x.txt' });
      const [result] = api.toolResults('commit-b');
      expect(result!.content).toContain('x.txt');
      expect(result!.content).toContain(a.id);
      expect(result!.content).toMatch(/EXIT=1/);
      expect(git(repo, 'log', '-1', '--format=%s').trim()).not.toBe('take x');
      a.gate.open();
      await a.session.done;
    });

    // Issue 9, point 1: the payload's session_id comes before an inherited FLC_SESSION.
    it('still conflicts when both were started from a shell that exported FLC_SESSION', async () => {
      const repo = makeClaudeRepo({ config: ['waitTimeout=2s'] });
      const shell = { FLC_SESSION: 'shell-of-the-user' };
      const a = await holder('shell-a', repo, 'x.txt', shell);
      expect(claimsIn(repo)).toMatchObject([{ path: 'x.txt', session: a.id }]);
      api.script('shell-b', [{ tools: [write(path.join(repo, 'x.txt'), 'b\n')] }, { text: 'B done.' }]);
      await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-b] write x.txt', env: shell });
      a.gate.open();
      await a.session.done;
      const [result] = api.toolResults('shell-b');
      expect(result!.is_error).toBe(true);
      expect(result!.content).toContain(`Held by session ${a.id}`);
    });
  });
}
