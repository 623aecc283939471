import { age, timeLeft } from '../cli/describe.js';
import type { ClaimResult } from '../coordinator.js';
import { formatDuration } from '../core/duration.js';
import type { Blocker } from '../core/rules.js';

/** The refusal an agent reads: which file, who holds it and how, and what to do instead. */
export function describeRefusal(file: string, result: Pick<Extract<ClaimResult, { granted: false }>, 'cause' | 'conflicts' | 'waited' | 'cycle'>): string {
  const now = Date.now();
  const lines: string[] = [];
  if (result.cause === 'deadlock') {
    lines.push(`flc: editing ${file} now would deadlock, so the edit was not made: ${result.cycle?.join(' -> ')} (each waits for the next).`);
    const first = result.conflicts[0];
    if (first) lines.push(`${file} is held by ${who(first)}.`);
    lines.push('What to do: work on something else, or finish this turn so your own claims are released; then try this file again.');
    return lines.join('\n');
  }
  lines.push(`flc: ${file} is being edited by another session, so this edit was not made${result.waited ? ` (waited ${formatDuration(result.waited * 1000)})` : ''}.`);
  for (const blocker of dedupe(result.conflicts)) {
    if (blocker.queued) {
      lines.push(`${who(blocker)} is queued for it first (${blocker.kind}, waiting ${age(blocker.acquiredAt, now)}).`);
      continue;
    }
    const expiry = blocker.expiresAt === null ? 'it does not expire' : `it expires in ${timeLeft(blocker.expiresAt, now)} unless renewed`;
    const via = blocker.heldPath === blocker.path ? '' : ` through its claim on ${blocker.heldPath}`;
    lines.push(`Held by ${who(blocker)}${via}: ${blocker.kind} claim for ${age(blocker.acquiredAt, now)}, ${expiry}${blocker.reason ? `, reason: "${blocker.reason}"` : ''}.`);
  }
  lines.push(`What to do: do not retry ${file} right away. Work on other files and come back to it later, or ask the user to coordinate. \`flc status ${file}\` shows who holds it.`);
  return lines.join('\n');
}

function who(b: Blocker): string {
  return b.agent ? `session ${b.session} (subagent ${b.agent})` : `session ${b.session}`;
}

function dedupe(blockers: Blocker[]): Blocker[] {
  const seen = new Set<string>();
  return blockers.filter((b) => {
    const key = `${b.claimId ?? b.waiterId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

