import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { describeReal, expectExit, flcRun, makeClaudeRepo, runClaude, write } from './harness.js';

let api: FakeAnthropic;

/** The SessionStart hook outputs Claude Code reported in its stream-json output. */
function sessionStartOutputs(events: any[]): string[] {
  return events.filter((e) => e.type === 'system' && e.subtype === 'hook_response' && e.hook_event === 'SessionStart').map((e) => String(e.output ?? e.stdout ?? ''));
}

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  // Issue 9, point 9: when the hook command cannot be found, every hook fails and edits go through
  // uncoordinated; the user must learn it at session start, and `flc doctor` must spot it.
  describeReal('a real Claude Code session whose flc hooks cannot find flc', () => {
    it('flc not on PATH: the session start tells the user (systemMessage), and flc doctor spots it', async () => {
      const repo = makeClaudeRepo(); // installed with `flc` on PATH (the test's shim)
      expect(fs.readFileSync(path.join(repo, '.claude', 'settings.json'), 'utf8')).toContain('"flc hook claude"');
      api.script('no-flc', [{ tools: [write(path.join(repo, 'm.txt'), 'm\n')] }, { text: 'Done.' }]);
      const run = await runClaude({ cwd: repo, api: api.url, prompt: '[script:no-flc] write m.txt', noShim: true }); // PATH without flc
      expectExit(run, 0);
      const [output] = sessionStartOutputs(run.events);
      expect(JSON.parse(output!)).toEqual({ systemMessage: expect.stringMatching(/^flc: flc is not on PATH: npm install -g file-lock-coordinator\. Until then, edits in this session are NOT coordinated/) });
      expect(fs.readFileSync(path.join(repo, 'm.txt'), 'utf8')).toBe('m\n'); // uncoordinated, as the message says

      const doctor = await flcRun(repo, ['doctor']);
      expect(doctor.code).not.toBe(0);
      expect(doctor.stdout + doctor.stderr).toMatch(/\.claude\/settings\.json: the hook command cannot find flc \(flc is not on PATH\)/);
    });

    it('flc a dev dependency whose node_modules/.bin/flc is gone: the session start says to run npm install, and flc doctor spots it', async () => {
      const repo = makeClaudeRepo({ devDependency: true });
      expect(fs.readFileSync(path.join(repo, '.claude', 'settings.json'), 'utf8')).toContain('node_modules/.bin/flc hook claude');
      fs.rmSync(path.join(repo, 'node_modules'), { recursive: true });
      api.script('no-bin', [{ tools: [write(path.join(repo, 'm.txt'), 'm\n')] }, { text: 'Done.' }]);
      const run = await runClaude({ cwd: repo, api: api.url, prompt: '[script:no-bin] write m.txt', noShim: true });
      expectExit(run, 0);
      const [output] = sessionStartOutputs(run.events);
      expect(JSON.parse(output!).systemMessage).toMatch(/^flc: node_modules\/\.bin\/flc is missing: run npm install\. Until then, edits in this session are NOT coordinated/);

      const doctor = await flcRun(repo, ['doctor']);
      expect(doctor.code).not.toBe(0);
      expect(doctor.stdout + doctor.stderr).toMatch(/the hook command cannot find flc \(node_modules\/\.bin\/flc does not exist\)/);
    });
  });
}
