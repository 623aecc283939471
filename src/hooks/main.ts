import fs from 'node:fs';
import { hookAnswer } from '../agents/claude-mcp-hook.js';
import { runClaudeHook, warnAndJournal } from './claude-hook.js';
import { readStdin } from './stdin.js';

const MAX_INPUT = 4 * 1024 * 1024;
const INPUT_TIMEOUT_MS = 2000;

/**
 * The fast entry for `flc hook claude`: no command-line framework, stdin read straight off
 * the descriptor, stderr written synchronously, and an explicit exit (a stdin read that timed
 * out must not keep the process alive).
 */
export async function hookMain(): Promise<never> {
  const input = await readStdin(MAX_INPUT, INPUT_TIMEOUT_MS);
  const outcome = input.problem ? await warnAndJournal(`${input.problem}; allowed`, process.env) : await runClaudeHook(input.text, process.env);
  const answer = hookAnswer(outcome);
  if (answer) {
    try {
      fs.writeSync(1, `${JSON.stringify(answer)}\n`);
    } catch {
      // stdout closed: the journal still has what happened
    }
  }
  for (const line of outcome.stderr) {
    try {
      fs.writeSync(2, `${line}\n`);
    } catch {
      // stderr closed: nothing more to say
    }
  }
  process.exit(outcome.exitCode);
}
