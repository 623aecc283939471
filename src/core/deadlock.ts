import { sameHolder } from './kinds.js';
import { findBlockers } from './rules.js';
import type { DbData, Holder, Waiter } from './types.js';

/**
 * Would `requester`, waiting on `blockers`, close a wait-for cycle? Follows the queue: each
 * blocker that is itself waiting waits on its own blockers, and so on. Returns the cycle as a
 * list of holders starting and ending with the requester, or null.
 */
export function findWaitCycle(requester: Holder, blockers: Holder[], db: Pick<DbData, 'claims' | 'waiters'>, now: number): Holder[] | null {
  // Only a session that holds or queues something can be waited for: most requesters cannot close a cycle.
  const ofRequester = (h: Holder) => h.session === requester.session;
  if (!db.claims.some(ofRequester) && !db.waiters.some(ofRequester)) return null;
  const key = (h: Holder) => `${h.session}\u0000${h.agent ?? ''}`;
  const waitersBySession = new Map<string, Waiter[]>();
  for (const waiter of db.waiters) {
    const list = waitersBySession.get(waiter.session);
    if (list) list.push(waiter);
    else waitersBySession.set(waiter.session, [waiter]);
  }
  // Breadth first, each step linked to the one it came from (the chain is rebuilt at the end).
  const start: Step = { holder: requester, from: null };
  const queue: Step[] = blockers.map((b) => ({ holder: { session: b.session, agent: b.agent }, from: start }));
  const seen = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const step = queue[i]!;
    const node = step.holder;
    if (sameHolder(node, requester)) return chainOf(step);
    if (seen.has(key(node))) continue;
    seen.add(key(node));
    for (const waiter of waitersBySession.get(node.session) ?? []) {
      if (!sameHolder(waiter, node) || sameHolder(waiter, requester)) continue;
      for (const next of findBlockers(waiter, db, now, waiter.seq)) {
        const holder = { session: next.session, agent: next.agent };
        if (seen.has(key(holder)) && !sameHolder(holder, requester)) continue;
        queue.push({ holder, from: step });
      }
    }
  }
  return null;
}

/** One hop of the search: a holder, and the step that led to it. */
interface Step {
  holder: Holder;
  from: Step | null;
}

function chainOf(step: Step | null): Holder[] {
  const chain: Holder[] = [];
  for (let s = step; s; s = s.from) chain.unshift(s.holder);
  return chain;
}
