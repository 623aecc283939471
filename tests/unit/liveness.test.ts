import { describe, expect, it } from 'vitest';
import { earlierSessionsOfProcess, renewLiveSessions, sameProcess, sessionsDueForRenewal, transferSession } from '../../src/core/liveness.js';
import { type DbData, emptyDb } from '../../src/core/types.js';
import { NOW, claim } from './factories.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('renewing the claims of live sessions', () => {
  it('is due only once half the TTL is used up (so an idle transaction writes nothing)', () => {
    const fresh = claim('a.ts', 'A', 'write', { expiresAt: iso(NOW + 100_000), ttlMs: 120_000 });
    const half = claim('b.ts', 'B', 'write', { expiresAt: iso(NOW + 59_000), ttlMs: 120_000 });
    const expired = claim('c.ts', 'C', 'write', { expiresAt: iso(NOW - 1), ttlMs: 120_000 });
    const forever = claim('d.ts', 'D', 'write', { expiresAt: null, ttlMs: null });
    expect([...sessionsDueForRenewal([fresh, half, expired, forever], NOW)].sort()).toEqual(['B', 'C']);
  });

  it('renews the due claims of live sessions only, even expired ones, to a full TTL', () => {
    const live = claim('a.ts', 'L', 'write', { expiresAt: iso(NOW - 5_000), ttlMs: 60_000 });
    const dead = claim('b.ts', 'D', 'write', { expiresAt: iso(NOW - 5_000), ttlMs: 60_000 });
    const renewed = renewLiveSessions([live, dead], new Set(['L']), NOW);
    expect(renewed).toEqual([live]);
    expect(live.expiresAt).toBe(iso(NOW + 60_000));
    expect(live.renewedAt).toBe(iso(NOW));
    expect(dead.expiresAt).toBe(iso(NOW - 5_000));
  });
});

describe('the same agent process', () => {
  const p = { pid: 42, host: 'box', start: '1000' };
  it('matches pid, host and (when both know it) start time', () => {
    expect(sameProcess(p, { ...p })).toBe(true);
    expect(sameProcess(p, { ...p, start: '2000' })).toBe(false); // the pid was reused
    expect(sameProcess(p, { pid: 42, host: 'box' })).toBe(true);
    expect(sameProcess(p, { ...p, host: 'other' })).toBe(false);
    expect(sameProcess(p, undefined)).toBe(false);
  });

  it('finds the earlier session ids of a process (after /clear), not the session itself', () => {
    const sessions = [
      { id: 'old', firstSeen: iso(NOW), lastSeen: iso(NOW), process: p },
      { id: 'new', firstSeen: iso(NOW), lastSeen: iso(NOW), process: p },
      { id: 'elsewhere', firstSeen: iso(NOW), lastSeen: iso(NOW), process: { ...p, pid: 7 } },
      { id: 'cli', firstSeen: iso(NOW), lastSeen: iso(NOW) },
    ];
    expect(earlierSessionsOfProcess(sessions, p, 'new')).toEqual(['old']);
  });
});

describe('handing a session over', () => {
  it('moves the claims to the new id, merges twins keeping the stronger kind, and unbinds the old record', () => {
    const db: DbData = emptyDb();
    db.claims = [
      claim('a.ts', 'old', 'write'),
      claim('b.ts', 'old', 'exclusive', { agent: 'x' }),
      claim('b.ts', 'new', 'read', { agent: 'x' }),
      claim('c.ts', 'bystander'),
    ];
    db.sessions = [{ id: 'old', firstSeen: iso(NOW), lastSeen: iso(NOW), process: { pid: 1, host: 'h' } }];
    const moved = transferSession(db, 'old', 'new', NOW);
    expect(moved.map((c) => c.path)).toEqual(['a.ts', 'b.ts']);
    expect(db.claims.map((c) => `${c.path}:${c.session}:${c.kind}`).sort()).toEqual(['a.ts:new:write', 'b.ts:new:exclusive', 'c.ts:bystander:write']);
    expect(db.sessions[0]!.process).toBeUndefined();
  });
});
