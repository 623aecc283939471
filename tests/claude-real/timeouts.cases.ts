import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { claimsIn, describeReal, expectExit, flcSync, makeClaudeRepo, runClaude, sessionIdOf, startClaude, write } from './harness.js';

let api: FakeAnthropic;

/** Rewrites flc's PreToolUse hook in .claude/settings.json: its `timeout` and the FLC_HOOK_TIMEOUT its command carries. */
function setPreToolUse(repo: string, timeout: number, carried: number): void {
  const file = path.join(repo, '.claude', 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
  const hook = settings.hooks.PreToolUse.flatMap((g: any) => g.hooks).find((h: any) => h.command.includes('flc hook claude'));
  hook.timeout = timeout;
  hook.command = hook.command.replace(/FLC_HOOK_TIMEOUT=\d+/, `FLC_HOOK_TIMEOUT=${carried}`);
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  // Issue 9, point 8: Claude Code cancels a hook at its timeout and then makes the edit, so a
  // wait for a held file must end, refused, before the hook's own timeout, whatever waitTimeout says.
  describeReal('a wait for a held file under a hook timeout shorter than waitTimeout', () => {
    for (const [name, carried] of [
      ['as installed (the command carries the timeout)', 12],
      ['when only the settings `timeout` was lowered by hand', 150],
    ] as const) {
      it(`ends with a refusal before Claude Code's timeout, and the held file is not edited: ${name}`, async () => {
        const repo = makeClaudeRepo();
        flcSync(repo, 'config', 'set', 'waitTimeout=2m');
        expect(fs.readFileSync(path.join(repo, '.claude', 'settings.json'), 'utf8')).toContain('FLC_HOOK_TIMEOUT=150 ');
        setPreToolUse(repo, 12, carried);
        const tag = `timeout-${carried}`;
        const gate = new Gate();
        api.script(`${tag}-a`, [{ tools: [write(path.join(repo, 'x.txt'), 'a\n')] }, { gate, text: 'A done.' }]);
        const a = startClaude({ cwd: repo, api: api.url, prompt: `[script:${tag}-a] write x.txt` });
        const aId = await sessionIdOf(a);
        await gate.reached;

        api.script(`${tag}-b`, [{ tools: [write(path.join(repo, 'x.txt'), 'b\n')] }, { text: 'B done.' }]);
        const b = await runClaude({ cwd: repo, api: api.url, prompt: `[script:${tag}-b] write x.txt`, timeoutMs: 120_000 });
        expectExit(b, 0);
        const [result] = api.toolResults(`${tag}-b`);
        expect(result!.is_error).toBe(true);
        expect(result!.content).toMatch(/x\.txt is being edited by another session, so this edit was not made \(waited \d+(\.\d)?s\)/);
        expect(result!.content).toContain(`Held by session ${aId}`);
        // Claude Code did not cut the hook (it would then have made the edit).
        expect(b.events.some((e) => e.hook_no_verdict?.timed_out)).toBe(false);
        expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('a\n');
        expect(claimsIn(repo)).toMatchObject([{ path: 'x.txt', session: aId }]);
        gate.open();
        expectExit(await a.done, 0);
      });
    }
  });
}
