import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic, textOf } from '../fixtures/fake-anthropic.js';
import { git } from '../helpers.js';
import { bash, describeReal, expectExit, flcRun, makeClaudeRepo, runClaude, sessionIdOf, startClaude, waitUntil, write } from './harness.js';

let api: FakeAnthropic;

/** Owned changes in a repository's store: path -> owner. */
function owners(repo: string): Record<string, string> {
  const db = JSON.parse(fs.readFileSync(path.join(repo, '.git', 'flc', 'db.json'), 'utf8'));
  return Object.fromEntries((db.changes ?? []).filter((c: { since?: string }) => c.since).map((c: { path: string; session: string }) => [c.path, c.session]));
}

/**
 * Everything but the model's own turns in a script's last request: tool results, and the
 * messages Claude Code adds next to them (2.1.330 sends a PostToolUse hook's additionalContext
 * as a `system` message right after the tool result: "PostToolUse:Bash hook additional context: ...").
 */
function sentToModel(name: string): string {
  const last = api.requestsOf(name).at(-1);
  return (last?.body?.messages ?? [])
    .filter((m: { role: string }) => m.role !== 'assistant')
    .map((m: { content: unknown }) => textOf(m.content))
    .join('\n');
}

/** Registered by all-cases.ts. Issue 11, after a command runs: what an agent's Bash changes is its session's. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('shell commands of real Claude Code sessions (after they run)', () => {
    it("a file created by Bash (echo, python3 -c) is owned by its session and another session's sweeping commit is refused", async () => {
      const repo = makeClaudeRepo();
      api.script('shell-create-b', [
        { tools: [bash(`echo hi > new.txt && python3 -c "open('py.txt','w').write('py')"`)] },
        { text: 'B done.' },
      ]);
      const b = await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-create-b] create files' });
      expectExit(b, 0);
      expect(owners(repo)).toEqual({ 'new.txt': b.sessionId, 'py.txt': b.sessionId });

      api.script('shell-create-c', [{ tools: [bash('git add -A && git commit -q -m sweep')] }, { text: 'C done.' }]);
      const c = await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-create-c] commit everything' });
      expectExit(c, 0);
      const [committed] = api.toolResults('shell-create-c');
      expect(committed!.content).toMatch(/EXIT=1/);
      expect(committed!.content).toContain('new.txt');
      expect(committed!.content).toContain(`uncommitted changes of ${b.sessionId}`);
      expect(git(repo, 'log', '-1', '--format=%s').trim()).not.toBe('sweep');
      expect(git(repo, 'status', '--porcelain')).toContain('?? new.txt'); // nothing of B's left staged
    });

    // Claude Code 2.1.330 sends no PostToolUse for a Bash call that exits non-zero (checked with a
    // logging hook: PreToolUse, then Stop): the next Bash call, or the turn's end, closes its window.
    it('a failing command\'s files are attributed at the next Bash call, or at the end of the turn (no PostToolUse comes for it)', async () => {
      const repo = makeClaudeRepo();
      const gate = new Gate();
      const fail = (file: string) => ({ name: 'Bash', input: { command: `echo x > ${file} && exit 3`, description: 'fail' } });
      api.script('shell-fail-b', [{ tools: [fail('failed.txt')] }, { tools: [bash('true')] }, { gate, tools: [fail('failed-last.txt')] }, { text: 'B done.' }]);
      const run = startClaude({ cwd: repo, api: api.url, prompt: '[script:shell-fail-b] fail' });
      const id = await sessionIdOf(run);
      await gate.reached;
      expect(owners(repo)).toEqual({ 'failed.txt': id }); // closed by the next Bash call's PreToolUse
      gate.open();
      const b = await run.done;
      expectExit(b, 0);
      expect(api.toolResults('shell-fail-b').map((r) => r.is_error)).toEqual([true, false, true]);
      expect(owners(repo)).toEqual({ 'failed.txt': b.sessionId, 'failed-last.txt': b.sessionId }); // closed at Stop
      expect(fs.readdirSync(path.join(repo, '.git', 'flc', 'shell')).map((f) => JSON.parse(fs.readFileSync(path.join(repo, '.git', 'flc', 'shell', f), 'utf8')).endedAt)).not.toContain(undefined);
    });

    it("a file written while another session's command runs is nobody's new work: ambiguous for both, journaled, and the model is told", async () => {
      const repo = makeClaudeRepo();
      // A's command runs until the file `go` appears.
      const waitForGo = `"${process.execPath}" -e "const t = setInterval(() => { if (require('fs').existsSync('go')) clearInterval(t) }, 50)"`;
      api.script('shell-race-a', [{ tools: [bash(waitForGo)] }, { text: 'A done.' }]);
      const a = startClaude({ cwd: repo, api: api.url, prompt: '[script:shell-race-a] wait' });
      const aId = await sessionIdOf(a);
      const shellDir = path.join(repo, '.git', 'flc', 'shell');
      await waitUntil("A's command running", () => fs.existsSync(shellDir) && fs.readdirSync(shellDir).some((f) => f.startsWith(aId)));
      // Writes the shell gate cannot see (an `echo > x.txt` would be claimed by B first, and so be B's).
      api.script('shell-race-b', [{ tools: [bash(`python3 -c "open('x.txt', 'w').write('b'); open('go', 'w').close()"`)] }, { text: 'B done.' }]);
      const b = await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-race-b] write' });
      expectExit(b, 0);
      expectExit(await a.done, 0);
      expect(owners(repo)).toEqual({});
      expect(sentToModel('shell-race-b')).toContain(`x.txt changed while your command ran, but a command of ${aId} was running when it changed`);
      const log = (await flcRun(repo, ['log', '--json'])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const ambiguous = log.filter((e) => e.event === 'changes:ambiguous' && e.path === 'x.txt').map((e) => e.session);
      expect(ambiguous.sort()).toEqual([aId, b.sessionId].sort());
    });

    // Not sed -i: the shell gate refuses that before it runs (shell.cases.ts). A python write it cannot read is found after.
    it("a python3 -c write to another session's owned file is reported to the model and the user, and `flc restore` brings that session's version back", async () => {
      const repo = makeClaudeRepo();
      api.script('shell-owner-a', [{ tools: [write(path.join(repo, 'a.txt'), 'A wrote this\n')] }, { text: 'A done.' }]);
      const a = await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-owner-a] write a.txt' });
      expectExit(a, 0);
      expect(owners(repo)).toEqual({ 'a.txt': a.sessionId });

      const rewrite = `python3 -c "import pathlib; p = pathlib.Path('a.txt'); p.write_text(p.read_text().replace('A wrote', 'B rewrote'))"`;
      api.script('shell-sed-b', [{ tools: [bash(rewrite)] }, { text: 'B done.' }]);
      const b = await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-sed-b] edit a.txt' });
      expectExit(b, 0);
      expect(fs.readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('B rewrote this\n');
      expect(owners(repo)).toEqual({ 'a.txt': a.sessionId }); // still A's work: not taken by B
      // The model reads it next to the tool result; the user sees a system message.
      const told = sentToModel('shell-sed-b');
      expect(told).toContain(`a.txt held uncommitted changes of session ${a.sessionId}; your command changed it`);
      expect(told).toContain(`flc restore a.txt --from ${a.sessionId}`);
      const userNote = b.events.find((e) => JSON.stringify(e).includes("flc: a shell command changed other sessions' files"));
      expect(userNote, JSON.stringify(b.events.map((e) => e.type + ':' + (e.subtype ?? '')))).toBeDefined();
      expect(JSON.stringify(userNote)).toContain(`a.txt (owned by ${a.sessionId}; flc restore a.txt --from ${a.sessionId})`);

      const restored = await flcRun(repo, ['restore', 'a.txt', '--from', a.sessionId!]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(fs.readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('A wrote this\n');
      const log = await flcRun(repo, ['log', '--json']);
      expect(log.stdout).toContain('changes:overwritten');
      expect(log.stdout).toContain('changes:restored');
    });
  });
}
