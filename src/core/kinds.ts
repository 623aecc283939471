import { badInput } from './errors.js';
import { CLAIM_KINDS, type ClaimKind, type Holder } from './types.js';

/**
 * The conflict table (held \ wanted): read/read and read/write coexist, everything else
 * conflicts; exclusive conflicts with every kind.
 */
export function kindsConflict(held: ClaimKind, wanted: ClaimKind): boolean {
  if (held === 'exclusive' || wanted === 'exclusive') return true;
  return held === 'write' && wanted === 'write';
}

export function parseKind(input: string): ClaimKind {
  const kind = input.trim().toLowerCase();
  if ((CLAIM_KINDS as readonly string[]).includes(kind)) return kind as ClaimKind;
  throw badInput(`unknown claim kind "${input}"`, `use one of: ${CLAIM_KINDS.join(', ')}`);
}

/**
 * Two holders are the same when they share a session and neither is a different subagent:
 * a session's main agent and its subagents never block one another (the main agent waits for
 * its subagents), but two distinct subagents of one session do conflict.
 */
export function sameHolder(a: Holder, b: Holder): boolean {
  if (a.session !== b.session) return false;
  return !a.agent || !b.agent || a.agent === b.agent;
}

/** Exactly the same holder identity (used to find the claim a re-claim updates). */
export function identicalHolder(a: Holder, b: Holder): boolean {
  return a.session === b.session && (a.agent ?? '') === (b.agent ?? '');
}
