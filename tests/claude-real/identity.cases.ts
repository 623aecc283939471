import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { git, readEvents } from '../helpers.js';
import { bash, claimsIn, describeReal, expectExit, makeClaudeRepo, makeHome, runClaude, startClaude, write } from './harness.js';

let api: FakeAnthropic;

/** Who owns which file's uncommitted changes, from the store. */
function ownersIn(repo: string): Record<string, string> {
  const db = JSON.parse(fs.readFileSync(path.join(repo, '.git', 'flc', 'db.json'), 'utf8'));
  return Object.fromEntries((db.changes ?? []).filter((r: any) => r.since).map((r: any) => [r.path, r.session]));
}

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  // Issue 10 (identity changes) and issue 9, point 6: the same work goes on across --resume and a
  // fork of an ended session; a new session is new work and inherits nothing unless adopted.
  describeReal('owned changes across real Claude Code session identities', () => {
    it('--resume keeps them (the same id), a new session inherits nothing, and its `flc adopt --from` takes everything', async () => {
      const repo = makeClaudeRepo();
      const home = makeHome();
      api.script('id-first', [{ tools: [write(path.join(repo, 'r1.txt'), 'first\n')] }, { tools: [write(path.join(repo, 'r2.txt'), 'first\n')] }, { text: 'First done.' }]);
      const first = await runClaude({ cwd: repo, api: api.url, home, prompt: '[script:id-first] write' });
      expectExit(first, 0);
      const oldId = first.sessionId!;
      expect(claimsIn(repo)).toEqual([]); // its turn and session are over
      expect(ownersIn(repo)).toEqual({ 'r1.txt': oldId, 'r2.txt': oldId });

      // --resume: the same id in a new process goes on with its work.
      api.script('id-resume', [{ tools: [write(path.join(repo, 'r1.txt'), 'resumed\n')] }, { text: 'Resumed.' }]);
      const resumed = await runClaude({ cwd: repo, api: api.url, home, prompt: '[script:id-resume] edit again', args: ['--resume', oldId] });
      expect(resumed.sessionId).toBe(oldId);
      expect(api.toolResults('id-resume').at(-1)!.is_error).toBe(false); // (a resumed conversation also carries the earlier results)
      expect(ownersIn(repo)).toEqual({ 'r1.txt': oldId, 'r2.txt': oldId });

      // A new session: refused, then adopts everything the old one left, then may edit and commit it.
      api.script('id-new', [
        { tools: [write(path.join(repo, 'r1.txt'), 'new\n')] },
        { tools: [bash(`flc adopt --from ${oldId}`)] },
        { tools: [write(path.join(repo, 'r1.txt'), 'new\n')] },
        { tools: [bash('git add -A && git commit -q -m "adopted work"')] },
        { text: 'New done.' },
      ]);
      const fresh = await runClaude({ cwd: repo, api: api.url, home, prompt: '[script:id-new] take over' });
      expectExit(fresh, 0);
      expect(fresh.sessionId).not.toBe(oldId);
      const [refused, adopted, wrote, committed] = api.toolResults('id-new');
      expect(refused!.is_error).toBe(true);
      expect(refused!.content).toContain(`r1.txt holds uncommitted changes of session ${oldId}`);
      expect(adopted!.content).toMatch(/adopted r1\.txt[\s\S]*adopted r2\.txt[\s\S]*EXIT=0/);
      expect(wrote!.is_error).toBe(false);
      expect(committed!.content).toContain('EXIT=0');
      expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe('adopted work');
      expect(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual(['r1.txt', 'r2.txt']);
      expect(readEvents(repo).filter((e) => e.event === 'changes:adopted' && e.detail === `from ${oldId}`).map((e) => [e.path, e.session])).toEqual([
        ['r1.txt', fresh.sessionId],
        ['r2.txt', fresh.sessionId],
      ]);
    });

    it('a fork (--resume <id> --fork-session) of an ended session takes over its owned changes; it may edit and commit them', async () => {
      const repo = makeClaudeRepo();
      const home = makeHome();
      api.script('fork-origin', [{ tools: [write(path.join(repo, 'f.txt'), 'origin\n')] }, { text: 'Origin done.' }]);
      const origin = await runClaude({ cwd: repo, api: api.url, home, prompt: '[script:fork-origin] write' });
      expectExit(origin, 0);
      const originId = origin.sessionId!;
      expect(ownersIn(repo)).toEqual({ 'f.txt': originId });

      api.script('fork-ended', [{ tools: [write(path.join(repo, 'f.txt'), 'fork\n')] }, { tools: [bash('git add f.txt && git commit -q -m "fork commits"')] }, { text: 'Fork done.' }]);
      const fork = await runClaude({ cwd: repo, api: api.url, home, prompt: '[script:fork-ended] go on', args: ['--resume', originId, '--fork-session'] });
      expectExit(fork, 0);
      expect(fork.sessionId).not.toBe(originId);
      const [wrote, committed] = api.toolResults('fork-ended').slice(-2); // after the origin's, which the fork's conversation carries
      expect(wrote!.is_error, wrote!.content).toBe(false);
      expect(committed!.content).toContain('EXIT=0');
      expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe('fork commits');
      expect(readEvents(repo)).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'changes:adopted', path: 'f.txt', session: fork.sessionId, detail: `from ${originId}`, cause: 'fork' })]));
    });

    it('a fork of a session still running takes nothing, and the user is told how to take it over', async () => {
      const repo = makeClaudeRepo();
      const home = makeHome();
      api.script('live-origin', [{ tools: [write(path.join(repo, 'l.txt'), 'origin\n')] }, { text: 'Origin turn done.' }]);
      const origin = startClaude({ cwd: repo, api: api.url, home, input: ['[script:live-origin] write'], keepOpen: true });
      await origin.waitForEvent((e) => e.type === 'result' && e.result === 'Origin turn done.');
      const originId = origin.events.find((e) => e.type === 'system' && e.subtype === 'init').session_id;
      expect(ownersIn(repo)).toEqual({ 'l.txt': originId });

      api.script('live-fork', [{ tools: [write(path.join(repo, 'l.txt'), 'fork\n')] }, { text: 'Fork done.' }]);
      const fork = await runClaude({ cwd: repo, api: api.url, home, prompt: '[script:live-fork] go on', args: ['--resume', originId, '--fork-session'] });
      expectExit(fork, 0);
      const told = fork.events.filter((e) => e.type === 'system' && e.subtype === 'hook_response' && e.hook_event === 'SessionStart').map((e) => String(e.output));
      expect(told.join('\n')).toContain(`this fork starts with nothing of session ${originId}, which is still running`);
      expect(told.join('\n')).toContain(`flc adopt --from ${originId}`);
      const refused = api.toolResults('live-fork').at(-1);
      expect(refused!.is_error).toBe(true);
      expect(refused!.content).toContain(`l.txt holds uncommitted changes of session ${originId}`);
      expect(fs.readFileSync(path.join(repo, 'l.txt'), 'utf8')).toBe('origin\n');
      expect(ownersIn(repo)).toEqual({ 'l.txt': originId });
      origin.endInput();
      expectExit(await origin.done, 0);
    });
  });
}
