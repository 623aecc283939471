import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { claimsIn, describeReal, installLoggingHook, makeClaudeRepo, readHookLog, sessionIdOf, startClaude, tempDir, write, expectExit, flcRun, waitUntil } from './harness.js';

let api: FakeAnthropic;

const agent = (name: string, prompt: string, background: boolean) => ({
  name: 'Agent',
  input: { description: name, prompt, subagent_type: 'general-purpose', run_in_background: background },
});

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('real Claude Code subagents', () => {
    it('a foreground subagent claims as itself (agent id) and its SubagentStop releases its file', async () => {
      const repo = makeClaudeRepo();
      const file = path.join(repo, 'fg.txt');
      const inSubagent = new Gate();
      const backInMain = new Gate();
      api.script('fg-main', [{ tools: [agent('fg edit', '[script:fg-sub] write fg.txt', false)] }, { gate: backInMain, text: 'Main done.' }]);
      api.script('fg-sub', [{ tools: [write(file, 'fg\n')] }, { gate: inSubagent, text: 'Subagent done.' }]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:fg-main] delegate' });
      const id = await sessionIdOf(session);

      await inSubagent.reached;
      const [claim] = claimsIn(repo);
      expect(claim).toMatchObject({ path: 'fg.txt', session: id });
      expect(claim!.agent).toMatch(/^a[0-9a-f]{16}$/);
      inSubagent.open();

      await backInMain.reached;
      expect(claimsIn(repo)).toEqual([]);
      backInMain.open();
      expectExit(await session.done, 0);
      expect(fs.readFileSync(file, 'utf8')).toBe('fg\n');
    });

    // Issue 9, point 2: the main agent's Stop must not release a running background subagent's claims.
    it('a background subagent keeps its claim through the main agent\'s Stop, until its own SubagentStop', async () => {
      const repo = makeClaudeRepo();
      const log = path.join(tempDir('hook-log-'), 'hooks.jsonl');
      installLoggingHook(repo, log, ['Stop', 'SubagentStop']);
      const file = path.join(repo, 'bg.txt');
      const subagentWrote = new Gate();
      const subagentFinish = new Gate();
      api.script('bg-main', [
        { tools: [agent('bg edit', '[script:bg-sub] write bg.txt', true)] },
        { gate: subagentWrote, text: 'Main turn done; the subagent works on.' },
        { text: 'Subagent reported.' },
      ]);
      api.script('bg-sub', [{ tools: [write(file, 'bg\n')] }, { gate: subagentFinish, text: 'Subagent done.' }]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:bg-main] delegate in the background' });
      const id = await sessionIdOf(session);

      await subagentWrote.reached;
      await waitUntil("the background subagent's claim", () => claimsIn(repo).length === 1);
      const [claim] = claimsIn(repo);
      expect(claim).toMatchObject({ path: 'bg.txt', session: id });
      subagentWrote.open();

      // The main agent's turn ends while the subagent is still running.
      await waitUntil("the main agent's Stop", () => readHookLog(log).some((e) => e.payload.hook_event_name === 'Stop'));
      const stop = readHookLog(log).find((e) => e.payload.hook_event_name === 'Stop')!;
      expect(stop.payload.background_tasks).toMatchObject([{ id: claim!.agent, type: 'subagent', status: 'running' }]);
      await new Promise((r) => setTimeout(r, 1000)); // flc's own Stop hook runs next to the logging one
      expect(claimsIn(repo)).toMatchObject([{ path: 'bg.txt', session: id, agent: claim!.agent }]);

      subagentFinish.open();
      expectExit(await session.done, 0);
      expect(claimsIn(repo)).toEqual([]);
    });
    // Issue 9, point 10: the refusal names a sibling subagent of the same session as such.
    it('refuses a subagent the file its sibling subagent of the same session holds, saying it is a sibling, not another session', async () => {
      const repo = makeClaudeRepo({ config: ['waitTimeout=2s'] });
      const file = path.join(repo, 'shared.txt');
      const oneHolds = new Gate();
      const twoGo = new Gate();
      api.script('sib-main', [
        { tools: [agent('sib one', '[script:sib-1] write shared.txt', true), agent('sib two', '[script:sib-2] write shared.txt', true)] },
        { text: 'Main turn done.' },
      ]);
      api.script('sib-1', [{ tools: [write(file, 'one\n')] }, { gate: oneHolds, text: 'One done.' }]);
      api.script('sib-2', [{ gate: twoGo, tools: [write(file, 'two\n')] }, { text: 'Two done.' }]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:sib-main] two subagents on one file' });
      const id = await sessionIdOf(session);

      await oneHolds.reached;
      await waitUntil("the first subagent's claim", () => claimsIn(repo).length === 1);
      const [held] = claimsIn(repo);
      expect(held).toMatchObject({ path: 'shared.txt', session: id, agent: expect.stringMatching(/^a[0-9a-f]{16}$/) });
      twoGo.open();
      await waitUntil("the second subagent's tool result", () => api.toolResults('sib-2').length === 1);
      const [refused] = api.toolResults('sib-2');
      expect(refused!.is_error).toBe(true);
      expect(refused!.content).toContain(`flc: shared.txt is being edited by a sibling subagent of this same session (agent ${held!.agent}), so this edit was not made`);
      expect(refused!.content).toContain(`Held by a sibling subagent (agent ${held!.agent}) of this same session ${id}`);
      expect(refused!.content).not.toContain('another session');
      expect(fs.readFileSync(file, 'utf8')).toBe('one\n');
      oneHolds.open();
      expectExit(await session.done, 0);
      expect(claimsIn(repo)).toEqual([]);
    });

    it("a Workflow's agents go through the hooks as subagents: one's edit of a file another session holds is refused, naming the holder", async () => {
      const repo = makeClaudeRepo({ config: ['waitTimeout=2s'] });
      const file = path.join(repo, 'notes.txt');
      await flcRun(repo, ['claim', 'notes.txt'], { FLC_SESSION: 'holder' });
      // A workflow script runs its agents in the background; `claude -p` waits for them.
      const script = "export const meta = { name: 'notes', description: 'write notes' }\nreturn await agent('[script:wf-agent] write notes', { label: 'writer' })";
      api.script('wf-main', [{ tools: [{ name: 'Workflow', input: { script } }] }, { text: 'Workflow started.' }, { text: 'All done.' }]);
      api.script('wf-agent', [{ tools: [write(file, 'from the workflow\n')] }, { text: 'Agent done.' }]);
      expectExit(await startClaude({ cwd: repo, api: api.url, prompt: '[script:wf-main] run the workflow' }).done, 0);
      const [refused] = api.toolResults('wf-agent');
      expect(refused!.is_error).toBe(true);
      expect(refused!.content).toContain('flc: notes.txt is being edited by another session, so this edit was not made');
      expect(refused!.content).toContain('Held by session holder');
      expect(fs.existsSync(file)).toBe(false);
      const events = (await flcRun(repo, ['log', '--json'])).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
      expect(events.find((e) => e.event === 'claim:conflicted')).toMatchObject({ path: 'notes.txt', agent: expect.stringMatching(/^a[0-9a-f]{16}$/) });
    });
  });
}
