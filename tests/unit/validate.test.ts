import { describe, expect, it } from 'vitest';
import { repairDb, validateDb } from '../../src/core/validate.js';
import { NOW, claim } from './factories.js';

const at = new Date(NOW).toISOString();
const waiter = { id: 'w-1', session: 'bob', paths: ['a.ts'], kind: 'write', worktree: '/r', ttlMs: null, enqueuedAt: at, seq: 1, deadline: at, pid: 10, host: 'h' };
const session = { id: 'bob', firstSeen: at, lastSeen: at };

function store(extra: Record<string, unknown> = {}) {
  return { version: 1, claims: [claim('a.ts', 'alice')], waiters: [waiter], sessions: [session], nextSeq: 2, ...extra };
}

describe('validateDb', () => {
  it('accepts a valid store, with unknown fields and top-level lists', () => {
    expect(validateDb(store())).toEqual({ fatal: null, problems: [] });
    const extended = store({ snapshots: [{ anything: true }], sessions: [{ ...session, pid: 5, host: 'h', worktree: '/r' }], claims: [{ ...claim('a.ts', 'a'), newField: 1 }] });
    expect(validateDb(extended).problems).toEqual([]);
    expect(validateDb(store({ nextSeq: undefined })).problems).toEqual([]);
  });

  it('names every bad entry', () => {
    const bad = store({
      claims: [claim('a.ts', 'alice'), { ...claim('b.ts', 'x'), kind: 'WRITE' }, { ...claim('c.ts', 'x'), acquiredAt: 'yesterday' }, { ...claim('d.ts', 'x'), expiresAt: 5 }],
      waiters: [null, { ...waiter, paths: [] }, { ...waiter, pid: 'x' }],
      sessions: [42, { id: 'y' }, [session]],
    });
    expect(validateDb(bad).problems.map((p) => p.where)).toEqual(['claims[1]', 'claims[2]', 'claims[3]', 'waiters[0]', 'waiters[1]', 'waiters[2]', 'sessions[0]', 'sessions[1]', 'sessions[2]']);
    expect(validateDb(bad).problems[0]!.why).toMatch(/kind is "WRITE", not one of read, write, exclusive/);
    expect(validateDb(bad).problems[3]!.why).toBe('is null');
  });

  it('finds lists that are not lists, and what is not a store at all', () => {
    expect(validateDb(store({ waiters: {} })).problems).toEqual([{ where: 'waiters', why: 'is not a list' }]);
    expect(validateDb(store({ nextSeq: 'x' })).problems.map((p) => p.where)).toEqual(['nextSeq']);
    expect(validateDb(null).fatal).toBe('not a JSON object');
    expect(validateDb([]).fatal).toBe('not a JSON object');
    expect(validateDb({ version: 2 }).fatal).toBe('unknown version 2');
  });
});

describe('repairDb', () => {
  it('keeps every valid entry and unknown top-level keys, drops only the bad ones', () => {
    const good = claim('a.ts', 'alice');
    const { db, dropped } = repairDb(store({ claims: [good, null, { ...good, kind: 'WRITE' }], waiters: 'nope', snapshots: [1], sessions: [session, 7] }));
    expect(db.claims).toEqual([good]);
    expect(db.waiters).toEqual([]);
    expect(db.sessions).toEqual([session]);
    expect((db as unknown as { snapshots: unknown }).snapshots).toEqual([1]);
    expect(dropped.map((p) => p.where)).toEqual(['claims[1]', 'claims[2]', 'waiters', 'sessions[1]']);
    expect(validateDb(db).problems).toEqual([]);
  });
});

describe('owned changes in the store', () => {
  const change = { path: 'a.ts', session: 'alice', worktree: '/r', watchedAt: at, base: null, seen: 'abc' };

  it('may be absent, and bad records are named and dropped by repair like any other list', () => {
    expect(validateDb(store()).problems).toEqual([]);
    const withChanges = store({ changes: [change, { ...change, session: 5 }, 'x'] });
    expect(validateDb(withChanges).problems.map((p) => p.where)).toEqual(['changes[1]', 'changes[2]']);
    const { db } = repairDb(withChanges);
    expect((db as unknown as { changes: unknown }).changes).toEqual([change]);
    expect(validateDb(store({ changes: {} })).problems).toEqual([{ where: 'changes', why: 'is not a list' }]);
  });
});
