import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { git, until } from '../helpers.js';
import { bash, claimsIn, describeReal, makeClaudeRepo, runClaude, sessionIdOf, startClaude, waitersIn, write } from './harness.js';

let api: FakeAnthropic;
beforeAll(async () => void (api = await startFakeAnthropic()));
afterAll(() => api?.close());

/** Session A writes `file` and stays in its turn until the returned gate opens. */
async function holder(name: string, repo: string, file: string, env: Record<string, string> = {}) {
  const gate = new Gate();
  api.script(name, [{ tools: [write(path.join(repo, file), `${name}\n`)] }, { gate, text: 'Holder done.' }]);
  const session = startClaude({ cwd: repo, api: api.url, prompt: `[script:${name}] write ${file}`, env });
  const id = await sessionIdOf(session);
  await gate.reached;
  return { session, id, gate };
}

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
    expect(b.code).toBe(0);

    a.gate.open();
    await a.session.done;
    expect(claimsIn(repo)).toEqual([]);
  });

  it('makes the second one wait, and grants it when the holder\'s turn ends', async () => {
    const repo = makeClaudeRepo();
    const a = await holder('wait-a', repo, 'x.txt');
    api.script('wait-b', [{ tools: [write(path.join(repo, 'x.txt'), 'b\n')] }, { text: 'B done.' }]);
    const b = startClaude({ cwd: repo, api: api.url, prompt: '[script:wait-b] write x.txt' });
    const bId = await sessionIdOf(b);
    await until(() => waitersIn(repo).length === 1, 60_000);

    a.gate.open();
    await a.session.done;
    const run = await b.done;
    expect(run.code).toBe(0);
    const [result] = api.toolResults('wait-b');
    expect(result!.is_error).toBe(false);
    expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('b\n');
    expect(claimsIn(repo).filter((c) => c.session !== bId)).toEqual([]);
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
