import { describe, expect, it } from 'vitest';
import { findWaitCycle } from '../../src/core/deadlock.js';
import { findBlockers } from '../../src/core/rules.js';
import { type ClaimKind, type DbData, type Waiter, emptyDb } from '../../src/core/types.js';
import { STALL_MS, isStalledWaiter, isYoungestInCycle, queueBlockers, sessionsOnCycles, stampReadyWaiters } from '../../src/core/waiting.js';
import { NOW, claim } from './factories.js';

function waiter(paths: string[], session: string, seq: number, kind: ClaimKind = 'write', extra: Partial<Waiter> = {}): Waiter {
  return {
    id: `w-${seq}`,
    session,
    paths,
    kind,
    worktree: '/repo',
    ttlMs: 60_000,
    enqueuedAt: new Date(NOW - 500).toISOString(),
    seq,
    deadline: new Date(NOW + 30_000).toISOString(),
    pid: 1,
    host: 'h',
    ...extra,
  };
}

function db(claims: DbData['claims'], waiters: Waiter[]): DbData {
  return { ...emptyDb(), claims, waiters };
}

describe('readiness of queued requests', () => {
  it('stamps the waiters that could be granted now, not those behind a queued request or a claim', () => {
    const data = db([claim('held.ts', 'H')], [waiter(['free.ts'], 'A', 1), waiter(['free.ts'], 'B', 2), waiter(['held.ts'], 'C', 3), waiter(['other.ts', 'free.ts'], 'D', 4, 'read')]);
    expect(stampReadyWaiters(data, NOW)).toBe(true);
    expect(data.waiters.map((w) => [w.session, w.readyAt])).toEqual([
      ['A', new Date(NOW).toISOString()],
      ['B', undefined],
      ['C', undefined],
      ['D', new Date(NOW).toISOString()], // a read coexists with the write queued ahead
    ]);
    expect(stampReadyWaiters(data, NOW + 1000)).toBe(false); // the first stamp stays
    expect(data.waiters[0]!.readyAt).toBe(new Date(NOW).toISOString());
  });

  it('clears the stamp of a waiter that is blocked again', () => {
    const data = db([], [waiter(['a.ts'], 'A', 1, 'write', { readyAt: new Date(NOW - 1000).toISOString() })]);
    data.claims.push(claim('a.ts', 'H'));
    expect(stampReadyWaiters(data, NOW)).toBe(true);
    expect(data.waiters[0]!.readyAt).toBeUndefined();
  });

  it('calls a waiter stalled only after STALL_MS of leaving its free paths untaken', () => {
    const stamped = (ago: number) => waiter(['a.ts'], 'A', 1, 'write', { readyAt: new Date(NOW - ago).toISOString() });
    expect(isStalledWaiter(waiter(['a.ts'], 'A', 1), NOW)).toBe(false);
    expect(isStalledWaiter(stamped(STALL_MS - 1), NOW)).toBe(false);
    expect(isStalledWaiter(stamped(STALL_MS), NOW)).toBe(true);
  });

  it('gives each waiter the blockers findBlockers gives it at its place in the queue', () => {
    const data = db([claim('a.ts', 'H')], [waiter(['a.ts'], 'A', 1), waiter(['a.ts'], 'B', 2)]);
    const blockers = queueBlockers(data, NOW);
    expect(blockers.get('w-1')).toEqual(findBlockers(data.waiters[0]!, data, NOW, 1));
    expect(blockers.get('w-2')!.map((b) => b.session)).toEqual(['H', 'A']);
  });
});

describe('the cycle filter', () => {
  it('finds the sessions of a two-session cycle, and none in a plain queue', () => {
    const cycle = db([claim('a', 'A'), claim('b', 'B')], [waiter(['b'], 'A', 1), waiter(['a'], 'B', 2)]);
    expect([...sessionsOnCycles(cycle, queueBlockers(cycle, NOW))].sort()).toEqual(['A', 'B']);
    const chain = db([claim('a', 'H')], Array.from({ length: 50 }, (_, i) => waiter(['a'], `w${i}`, i + 1)));
    expect(sessionsOnCycles(chain, queueBlockers(chain, NOW)).size).toBe(0);
  });

  it('flags every session of a longer cycle, not the ones only waiting on it', () => {
    const data = db([claim('a', 'A'), claim('b', 'B'), claim('c', 'C')], [waiter(['b'], 'A', 1), waiter(['c'], 'B', 2), waiter(['a'], 'C', 3), waiter(['a'], 'D', 4)]);
    expect([...sessionsOnCycles(data, queueBlockers(data, NOW))].sort()).toEqual(['A', 'B', 'C']);
  });

  it('agrees with the exact search, which names the youngest to give way', () => {
    const data = db([claim('a', 'A'), claim('b', 'B')], [waiter(['b'], 'A', 1), waiter(['a'], 'B', 2)]);
    const self = data.waiters[1]!;
    const cycle = findWaitCycle(self, findBlockers(self, data, NOW, self.seq), data, NOW);
    expect(cycle?.map((h) => h.session)).toEqual(['B', 'A', 'B']);
    expect(isYoungestInCycle(self, cycle!, data.waiters)).toBe(true);
    expect(isYoungestInCycle(data.waiters[0]!, cycle!, data.waiters)).toBe(false);
  });

  it('knows at once that a requester holding and queuing nothing closes no cycle', () => {
    const data = db([claim('a', 'H')], Array.from({ length: 300 }, (_, i) => waiter(['a'], `w${i}`, i + 1)));
    const request = { session: 'new', paths: ['a'], kind: 'write' as const };
    expect(findWaitCycle(request, findBlockers(request, data, NOW), data, NOW)).toBeNull();
  });
});
