import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { git } from '../helpers.js';
import { claimsIn, describeReal, expectExit, flcRun, makeClaudeRepo, sessionIdOf, startClaude, write } from './harness.js';

let api: FakeAnthropic;

/** Registered by all-cases.ts. Claude Code's own worktrees: EnterWorktree makes one, ExitWorktree can delete it. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal("a real Claude Code session's worktree (EnterWorktree, ExitWorktree)", () => {
    it("claims edits made in the worktree EnterWorktree made, and refuses ExitWorktree's remove with discard_changes while another session edits a file there, naming it; the worktree and the file stay", async () => {
      const repo = makeClaudeRepo();
      fs.writeFileSync(path.join(repo, 'x.txt'), 'original\n');
      git(repo, 'add', 'x.txt');
      git(repo, 'commit', '-q', '-m', 'x');
      const inWorktree = new Gate();
      const worktree = path.join(repo, '.claude', 'worktrees', 'wt1');
      // Both tools are deferred: ToolSearch loads them first.
      api.script('worktree-exit', [
        { tools: [{ name: 'ToolSearch', input: { query: 'select:EnterWorktree,ExitWorktree' } }] },
        { tools: [{ name: 'EnterWorktree', input: { name: 'wt1' } }] },
        { tools: [write(path.join(worktree, 'y.txt'), 'made in the worktree\n')] },
        { gate: inWorktree, tools: [{ name: 'ExitWorktree', input: { action: 'remove', discard_changes: true } }] },
        { text: 'Done.' },
      ]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:worktree-exit] work in a worktree' });
      const id = await sessionIdOf(session);
      await inWorktree.reached;
      expect(fs.existsSync(path.join(worktree, 'x.txt'))).toBe(true);
      // The worktree shares the repository's store: its edits are coordinated like any other.
      expect(claimsIn(repo)).toMatchObject([{ path: 'y.txt', session: id, worktree }]);
      // Another session (a person at a terminal) works in that worktree meanwhile.
      const claim = await flcRun(worktree, ['claim', 'x.txt'], { FLC_SESSION: 'other' });
      expect(claim.code, claim.stderr).toBe(0);
      fs.writeFileSync(path.join(worktree, 'x.txt'), 'work of other\n');
      inWorktree.open();
      expectExit(await session.done, 0);
      const exit = api.toolResults('worktree-exit')[3]!;
      expect(exit.is_error).toBe(true);
      expect(exit.content).toContain('flc: refused ExitWorktree (action "remove", discard_changes)');
      expect(exit.content).toContain('x.txt: being edited by session other');
      expect(fs.readFileSync(path.join(worktree, 'x.txt'), 'utf8')).toBe('work of other\n');
    });
  });
}
