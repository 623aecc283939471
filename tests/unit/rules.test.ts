import { describe, expect, it } from 'vitest';
import { findWaitCycle } from '../../src/core/deadlock.js';
import { kindsConflict, parseKind, sameHolder } from '../../src/core/kinds.js';
import { findBlockers, grantClaims, pruneExpired, renewSession } from '../../src/core/rules.js';
import { type Claim, type ClaimKind, type DbData, type Waiter, emptyDb } from '../../src/core/types.js';
import { NOW, claim } from './factories.js';

function waiter(paths: string[], session: string, seq: number, kind: ClaimKind = 'write', agent?: string): Waiter {
  return {
    id: `w-${seq}`,
    session,
    ...(agent ? { agent } : {}),
    paths,
    kind,
    worktree: '/repo',
    ttlMs: 60_000,
    enqueuedAt: new Date(NOW - 500).toISOString(),
    seq,
    deadline: new Date(NOW + 30_000).toISOString(),
    pid: 1,
    host: 'h',
  };
}

function db(claims: Claim[], waiters: Waiter[] = []): DbData {
  return { ...emptyDb(), claims, waiters };
}

describe('the conflict table', () => {
  const table: Array<[ClaimKind, ClaimKind, boolean]> = [
    ['read', 'read', false],
    ['read', 'write', false],
    ['read', 'exclusive', true],
    ['write', 'read', false],
    ['write', 'write', true],
    ['write', 'exclusive', true],
    ['exclusive', 'read', true],
    ['exclusive', 'write', true],
    ['exclusive', 'exclusive', true],
  ];
  it.each(table)('held %s, wanted %s: conflict=%s', (held, wanted, conflict) => {
    expect(kindsConflict(held, wanted)).toBe(conflict);
    const blockers = findBlockers({ session: 'B', paths: ['a.ts'], kind: wanted }, db([claim('a.ts', 'A', held)]), NOW);
    expect(blockers.length > 0).toBe(conflict);
  });

  it('parses kinds and rejects others', () => {
    expect(parseKind(' Write ')).toBe('write');
    expect(() => parseKind('lock')).toThrow(/unknown claim kind/);
  });
});

describe('holders', () => {
  it('never conflict with themselves, even exclusively', () => {
    expect(findBlockers({ session: 'A', paths: ['a.ts'], kind: 'exclusive' }, db([claim('a.ts', 'A', 'exclusive')]), NOW)).toEqual([]);
  });

  it('treat two subagents of one session as different holders, but not the main agent', () => {
    expect(sameHolder({ session: 'S', agent: 'x' }, { session: 'S', agent: 'y' })).toBe(false);
    expect(sameHolder({ session: 'S', agent: 'x' }, { session: 'S' })).toBe(true);
    expect(sameHolder({ session: 'S' }, { session: 'T' })).toBe(false);
    const held = db([claim('a.ts', 'S', 'write', { agent: 'x' })]);
    expect(findBlockers({ session: 'S', agent: 'y', paths: ['a.ts'], kind: 'write' }, held, NOW)).toHaveLength(1);
    expect(findBlockers({ session: 'S', paths: ['a.ts'], kind: 'write' }, held, NOW)).toHaveLength(0);
  });
});

describe('expiry and renewal', () => {
  it('ignores expired claims and prunes them', () => {
    const old = claim('a.ts', 'A', 'write', { expiresAt: new Date(NOW - 1).toISOString() });
    const data = db([old, claim('b.ts', 'A')]);
    expect(findBlockers({ session: 'B', paths: ['a.ts'], kind: 'write' }, data, NOW)).toEqual([]);
    expect(pruneExpired(data, NOW).map((c) => c.path)).toEqual(['a.ts']);
    expect(data.claims.map((c) => c.path)).toEqual(['b.ts']);
  });

  it('never expires a claim without ttl', () => {
    const forever = claim('a.ts', 'A', 'write', { expiresAt: null, ttlMs: null });
    expect(findBlockers({ session: 'B', paths: ['a.ts'], kind: 'write' }, db([forever]), NOW + 1e12)).toHaveLength(1);
  });

  it('renews all live claims of a session by their own ttl', () => {
    const data = db([claim('a.ts', 'A'), claim('b.ts', 'A', 'write', { agent: 'sub' }), claim('c.ts', 'B')]);
    expect(renewSession(data, 'A', NOW + 30_000)).toBe(2);
    expect(data.claims[0]!.expiresAt).toBe(new Date(NOW + 30_000 + 120_000).toISOString()); // renewed at +30s by its ttl of 2m
    expect(data.claims[2]!.expiresAt).toBe(new Date(NOW + 60_000).toISOString());
  });
});

describe('granting', () => {
  it('updates a re-claim in place (kind, renewal) and adds new paths', () => {
    const data = db([claim('a.ts', 'A', 'read')]);
    let n = 0;
    const granted = grantClaims(data, { session: 'A', paths: ['a.ts', 'b.ts', 'b.ts'], kind: 'exclusive' }, { now: NOW, ttlMs: 1000, worktree: '/repo', newId: () => `c-new${n++}` });
    expect(granted.map((c) => [c.path, c.kind])).toEqual([
      ['a.ts', 'exclusive'],
      ['b.ts', 'exclusive'],
    ]);
    expect(data.claims).toHaveLength(2);
    expect(data.claims[0]!.expiresAt).toBe(new Date(NOW + 1000).toISOString());
  });
});

describe('the queue', () => {
  it('puts an unqueued request behind a conflicting waiter', () => {
    const blockers = findBlockers({ session: 'C', paths: ['a.ts'], kind: 'write' }, db([], [waiter(['a.ts'], 'B', 1)]), NOW);
    expect(blockers).toMatchObject([{ session: 'B', queued: true }]);
  });

  it('lets a waiter pass later waiters but not earlier ones', () => {
    const data = db([], [waiter(['a.ts'], 'B', 1), waiter(['a.ts'], 'C', 2)]);
    expect(findBlockers({ session: 'B', paths: ['a.ts'], kind: 'write' }, data, NOW, 1)).toEqual([]);
    expect(findBlockers({ session: 'C', paths: ['a.ts'], kind: 'write' }, data, NOW, 2)).toHaveLength(1);
  });

  it('does not hold back a holder re-claiming its own file', () => {
    const data = db([claim('a.ts', 'A')], [waiter(['a.ts'], 'B', 1)]);
    expect(findBlockers({ session: 'A', paths: ['a.ts'], kind: 'write' }, data, NOW)).toEqual([]);
  });

  it('lets readers queue alongside readers', () => {
    const data = db([], [waiter(['a.ts'], 'B', 1, 'read')]);
    expect(findBlockers({ session: 'C', paths: ['a.ts'], kind: 'read' }, data, NOW)).toEqual([]);
  });
});

describe('deadlock detection', () => {
  it('finds a two-session cycle and names it', () => {
    // A holds a.ts and waits for b.ts; B holds b.ts and now asks for a.ts.
    const data = db([claim('a.ts', 'A'), claim('b.ts', 'B')], [waiter(['b.ts'], 'A', 1)]);
    const request = { session: 'B', paths: ['a.ts'], kind: 'write' as const };
    const blockers = findBlockers(request, data, NOW);
    expect(findWaitCycle(request, blockers, data, NOW)?.map((h) => h.session)).toEqual(['B', 'A', 'B']);
  });

  it('finds a three-session cycle', () => {
    const data = db([claim('a', 'A'), claim('b', 'B'), claim('c', 'C')], [waiter(['b'], 'A', 1), waiter(['c'], 'B', 2)]);
    const request = { session: 'C', paths: ['a'], kind: 'write' as const };
    expect(findWaitCycle(request, findBlockers(request, data, NOW), data, NOW)?.map((h) => h.session)).toEqual(['C', 'A', 'B', 'C']);
  });

  it('does not see a cycle in a plain chain', () => {
    const data = db([claim('a', 'A'), claim('b', 'B')], [waiter(['b'], 'A', 1)]);
    const request = { session: 'C', paths: ['a'], kind: 'write' as const };
    expect(findWaitCycle(request, findBlockers(request, data, NOW), data, NOW)).toBeNull();
  });

  it('follows queue edges: waiting behind an earlier request counts', () => {
    // A waits for x (held by C) and y (held by B); B asks for x: queued behind A, which waits for B.
    const data = db([claim('x', 'C'), claim('y', 'B')], [waiter(['x', 'y'], 'A', 1)]);
    const request = { session: 'B', paths: ['x'], kind: 'write' as const };
    const cycle = findWaitCycle(request, findBlockers(request, data, NOW), data, NOW);
    expect(cycle?.map((h) => h.session)).toEqual(['B', 'A', 'B']);
  });
});
