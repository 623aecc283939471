import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { git } from '../helpers.js';
import { bash, describeReal, expectExit, flcRun, makeClaudeRepo, runClaude, write } from './harness.js';

let api: FakeAnthropic;

const monitor = (command: string) => ({ name: 'Monitor', input: { command, description: 'watch', timeout_ms: 5000 } });

/** A repository with a committed `x.txt`, in which session A (a real Claude Code run) changed x.txt and created new.txt and ended its turn. */
async function ownedByA(name: string): Promise<{ repo: string; a: string }> {
  const repo = makeClaudeRepo();
  fs.writeFileSync(path.join(repo, 'x.txt'), 'original\n');
  git(repo, 'add', 'x.txt');
  git(repo, 'commit', '-q', '-m', 'x');
  api.script(name, [{ tools: [write(path.join(repo, 'x.txt'), 'work of A\n')] }, { tools: [write(path.join(repo, 'new.txt'), 'new work of A\n')] }, { text: 'A done.' }]);
  const run = await runClaude({ cwd: repo, api: api.url, prompt: `[script:${name}] work` });
  expectExit(run, 0);
  const status = JSON.parse((await flcRun(repo, ['status', '--json'])).stdout);
  const owners = status.changes.map((c: { path: string; session: string }) => `${c.path}:${c.session}`).sort();
  const a = status.changes[0]?.session as string;
  expect(owners).toEqual([`new.txt:${a}`, `x.txt:${a}`]);
  return { repo, a };
}

/** Registered by all-cases.ts. Issue 11: a session's Bash cannot destroy another session's uncommitted work. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('shell commands of a real Claude Code session', () => {
    it("refuses git stash, checkout -- ., reset --hard, clean -fd, sed -i and echo > f on another session's owned files, naming the owner", async () => {
      const { repo, a } = await ownedByA('shell-owner');
      const commands = ['git stash', 'git checkout -- .', 'git reset --hard', 'git clean -fd', "sed -i 's/A/B/' x.txt", 'echo overwritten > x.txt', 'git stash -u'];
      api.script('shell-other', [...commands.map((c) => ({ tools: [bash(c)] })), { text: 'B done.' }]);
      const run = await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-other] clean up' });
      expectExit(run, 0);
      const results = api.toolResults('shell-other');
      expect(results).toHaveLength(commands.length);
      results.forEach((result, i) => {
        expect(result.is_error, commands[i]).toBe(true);
        expect(result.content, commands[i]).toMatch(/flc: refused/);
        expect(result.content, commands[i]).toContain(a);
        expect(result.content, commands[i]).not.toMatch(/EXIT=\d/); // the command never ran
      });
      expect(results[0]!.content).toContain('x.txt: uncommitted changes of session');
      expect(results[3]!.content).toContain('new.txt');
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('work of A\n');
      expect(fs.readFileSync(path.join(repo, 'new.txt'), 'utf8')).toBe('new work of A\n');
      expect(git(repo, 'stash', 'list')).toBe('');
      const log = (await flcRun(repo, ['log', '--json'])).stdout;
      expect(log).toContain('shell:refused');
    });

    it("reads Monitor's command as it reads Bash's: refuses git stash -u and echo > f on another session's owned files before they run", async () => {
      const { repo, a } = await ownedByA('monitor-owner');
      // Monitor (a deferred tool: ToolSearch loads it) runs a shell command in the background.
      const commands = ['git stash -u; echo stashed', 'echo overwritten > x.txt; echo written'];
      api.script('monitor-other', [{ tools: [{ name: 'ToolSearch', input: { query: 'select:Monitor' } }] }, ...commands.map((command) => ({ tools: [monitor(command)] })), { text: 'B done.' }]);
      const run = await runClaude({ cwd: repo, api: api.url, prompt: '[script:monitor-other] clean up' });
      expectExit(run, 0);
      const results = api.toolResults('monitor-other').slice(1);
      expect(results).toHaveLength(commands.length);
      results.forEach((result, i) => {
        expect(result.is_error, commands[i]).toBe(true);
        expect(result.content, commands[i]).toMatch(/flc: refused/);
        expect(result.content, commands[i]).toContain(a);
      });
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('work of A\n');
      expect(fs.readFileSync(path.join(repo, 'new.txt'), 'utf8')).toBe('new work of A\n');
      expect(git(repo, 'stash', 'list')).toBe('');
    });

    it("lets a session discard its own work with git checkout -- . after a snapshot, and flc undo brings it back", async () => {
      const repo = makeClaudeRepo();
      fs.writeFileSync(path.join(repo, 'mine.txt'), 'original\n');
      git(repo, 'add', 'mine.txt');
      git(repo, 'commit', '-q', '-m', 'mine');
      api.script('shell-own-checkout', [{ tools: [write(path.join(repo, 'mine.txt'), 'my work\n')] }, { tools: [bash('git checkout -- .')] }, { text: 'done.' }]);
      expectExit(await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-own-checkout] go' }), 0);
      const [, checkout] = api.toolResults('shell-own-checkout');
      expect(checkout!.content).toMatch(/EXIT=0/);
      expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('original\n');
      const snapshots = JSON.parse((await flcRun(repo, ['snapshots', '--json'])).stdout).snapshots;
      expect(snapshots).toHaveLength(1);
      expect(snapshots[0].command).toContain('git checkout -- .');
      const undo = await flcRun(repo, ['undo']);
      expect(undo.code, undo.stderr).toBe(0);
      expect(undo.stdout).toContain('restored mine.txt');
      expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('my work\n');
    });

    it('lets a session git stash its own work after a snapshot, and flc undo brings it back', async () => {
      const repo = makeClaudeRepo();
      fs.writeFileSync(path.join(repo, 'mine.txt'), 'original\n');
      git(repo, 'add', 'mine.txt');
      git(repo, 'commit', '-q', '-m', 'mine');
      api.script('shell-own-stash', [{ tools: [write(path.join(repo, 'mine.txt'), 'my work\n')] }, { tools: [bash('git stash')] }, { text: 'done.' }]);
      expectExit(await runClaude({ cwd: repo, api: api.url, prompt: '[script:shell-own-stash] go' }), 0);
      const [, stash] = api.toolResults('shell-own-stash');
      expect(stash!.content).toMatch(/EXIT=0/);
      expect(git(repo, 'stash', 'list')).toContain('stash@{0}');
      expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('original\n');
      const undo = await flcRun(repo, ['undo']);
      expect(undo.code, undo.stderr).toBe(0);
      expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('my work\n');
      const log = (await flcRun(repo, ['log', '--json'])).stdout;
      expect(log).toContain('snapshot:saved');
      expect(log).toContain('snapshot:restored');
    });
  });
}
