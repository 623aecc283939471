import { age, timeLeft } from '../cli/describe.js';
import type { ClaimResult } from '../coordinator.js';
import { formatDuration } from '../core/duration.js';
import type { Blocker } from '../core/rules.js';
import type { Holder } from '../core/types.js';

/**
 * The refusal an agent reads: which file, who holds it and how, and what to do instead.
 * `requester` (who asked) lets it say when the holder is a sibling subagent of the same
 * session rather than another session.
 */
export function describeRefusal(file: string, result: Pick<Extract<ClaimResult, { granted: false }>, 'cause' | 'conflicts' | 'waited' | 'cycle'>, requester?: Holder): string {
  const now = Date.now();
  const who = (b: Blocker) => describeHolder(b, requester);
  const lines: string[] = [];
  if (result.cause === 'deadlock') {
    lines.push(`flc: editing ${file} now would deadlock, so the edit was not made: ${result.cycle?.join(' -> ')} (each waits for the next).`);
    const first = result.conflicts[0];
    if (first) lines.push(`${file} is held by ${who(first)}.`);
    lines.push('What to do: work on something else, or finish this turn so your own claims are released; then try this file again.');
    return lines.join('\n');
  }
  const owned = result.conflicts.find((b) => b.changes);
  if (owned) {
    lines.push(`flc: ${file} holds uncommitted changes of ${who(owned)} (${owned.heldPath}), so this edit was not made: they stay theirs until they are committed.`);
    lines.push(`They are freed when that session commits them or hands them over (flc release --changes ${owned.heldPath}), or when the user adopts them (flc adopt ${owned.heldPath}).`);
    lines.push('What to do: do not retry this file now, and do not work around this through the shell. Work on other files, or ask the user to decide.');
    return lines.join('\n');
  }
  const holders = dedupe(result.conflicts);
  const siblings = holders.filter((b) => requester !== undefined && b.session === requester.session);
  const sibling = `a sibling subagent of this same session (${siblings.map((b) => `agent ${b.agent}`).filter(unique).join(', ')})`;
  const byWhom = !siblings.length ? 'another session' : siblings.length === holders.length ? sibling : `another session and ${sibling}`;
  lines.push(`flc: ${file} is being edited by ${byWhom}, so this edit was not made${result.waited ? ` (waited ${formatDuration(result.waited * 1000)})` : ''}.`);
  for (const blocker of holders) {
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

/** "session X", "session X (subagent Y)", or, seen from inside X, "a sibling subagent (agent Y) of this same session X". */
function describeHolder(b: Blocker, requester: Holder | undefined): string {
  if (requester && b.session === requester.session) {
    return b.agent ? `a sibling subagent (agent ${b.agent}) of this same session ${b.session}` : `the main agent of this same session ${b.session}`;
  }
  return b.agent ? `session ${b.session} (subagent ${b.agent})` : `session ${b.session}`;
}

function unique<T>(value: T, index: number, all: T[]): boolean {
  return all.indexOf(value) === index;
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

