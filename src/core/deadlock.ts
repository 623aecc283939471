import { sameHolder } from './kinds.js';
import { findBlockers } from './rules.js';
import type { DbData, Holder } from './types.js';

/**
 * Would `requester`, waiting on `blockers`, close a wait-for cycle? Follows the queue: each
 * blocker that is itself waiting waits on its own blockers, and so on. Returns the cycle as a
 * list of holders starting and ending with the requester, or null.
 */
export function findWaitCycle(requester: Holder, blockers: Holder[], db: Pick<DbData, 'claims' | 'waiters'>, now: number): Holder[] | null {
  const key = (h: Holder) => `${h.session}\u0000${h.agent ?? ''}`;
  const seen = new Set<string>();
  const queue: Holder[][] = blockers.map((b) => [requester, { session: b.session, agent: b.agent }]);
  while (queue.length) {
    const chain = queue.shift()!;
    const node = chain[chain.length - 1]!;
    if (sameHolder(node, requester)) return chain;
    if (seen.has(key(node))) continue;
    seen.add(key(node));
    for (const waiter of db.waiters) {
      if (!sameHolder(waiter, node) || sameHolder(waiter, requester)) continue;
      for (const next of findBlockers(waiter, db, now, waiter.seq)) {
        queue.push([...chain, { session: next.session, agent: next.agent }]);
      }
    }
  }
  return null;
}
