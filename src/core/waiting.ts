import { sameHolder } from './kinds.js';
import { type Blocker, findBlockers } from './rules.js';
import type { DbData, Holder, Waiter } from './types.js';

/**
 * How long a queued request may leave its paths untaken once it is at the front and they are
 * free. A live waiter takes them within milliseconds; one whose process is stopped (Ctrl-Z),
 * frozen or suspended would keep a free file from everyone until its timeout. Past this it
 * loses its place: the next transaction drops it, and if it resumes it queues again at the back.
 */
export const STALL_MS = 10_000;

/** A waiter that was grantable for STALL_MS and did not take its grant. */
export function isStalledWaiter(waiter: Waiter, now: number): boolean {
  return waiter.readyAt !== undefined && Date.parse(waiter.readyAt) + STALL_MS <= now;
}

/** What stands in front of each queued request (claims, and conflicting requests queued ahead), by waiter id. */
export function queueBlockers(db: Pick<DbData, 'claims' | 'waiters'>, now: number): Map<string, Blocker[]> {
  const blockers = new Map<string, Blocker[]>();
  for (const waiter of db.waiters) blockers.set(waiter.id, findBlockers(waiter, db, now, waiter.seq));
  return blockers;
}

/**
 * Marks when each waiter became grantable (`readyAt`, the first transaction that saw it so) and
 * clears the mark of one that is blocked again. Returns whether anything changed.
 */
export function stampReadyWaiters(db: Pick<DbData, 'claims' | 'waiters'>, now: number, blockers = queueBlockers(db, now)): boolean {
  let changed = false;
  for (const waiter of db.waiters) {
    const ready = blockers.get(waiter.id)?.length === 0;
    if (ready && waiter.readyAt === undefined) {
      waiter.readyAt = new Date(now).toISOString();
      changed = true;
    } else if (!ready && waiter.readyAt !== undefined) {
      delete waiter.readyAt;
      changed = true;
    }
  }
  return changed;
}

/**
 * Sessions that may be on a wait-for cycle: the strongly connected parts of the graph "session
 * waits for session" (a session's subagents waiting for each other count as a loop). A cheap,
 * conservative filter: only requests of these sessions need the exact cycle search.
 */
export function sessionsOnCycles(db: Pick<DbData, 'waiters'>, blockers: Map<string, Blocker[]>): Set<string> {
  const edges = new Map<string, Set<string>>();
  const onCycle = new Set<string>();
  for (const waiter of db.waiters) {
    for (const blocker of blockers.get(waiter.id) ?? []) {
      if (blocker.session === waiter.session) onCycle.add(waiter.session);
      else {
        let next = edges.get(waiter.session);
        if (!next) edges.set(waiter.session, (next = new Set()));
        next.add(blocker.session);
      }
    }
  }
  // Tarjan's algorithm, iteratively.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; targets: string[]; i: number }> = [];
    const open = (node: string) => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, targets: [...(edges.get(node) ?? [])], i: 0 });
    };
    open(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      if (frame.i < frame.targets.length) {
        const target = frame.targets[frame.i++]!;
        if (!index.has(target)) open(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1) for (const session of component) onCycle.add(session);
      }
    }
  }
  return onCycle;
}

/** Of the waiters in a cycle, the most recent one gives way, so only one is refused. */
export function isYoungestInCycle(self: Waiter, cycle: Holder[], waiters: Waiter[]): boolean {
  const inCycle = waiters.filter((w) => cycle.some((h) => sameHolder(w, h)));
  return inCycle.every((w) => w.seq <= self.seq);
}
