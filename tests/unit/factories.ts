import type { Claim, ClaimKind } from '../../src/core/types.js';

/** A fixed "now" for rule tests. */
export const NOW = Date.parse('2026-01-01T00:00:00Z');

let ids = 0;

/** A live claim held for a minute already, expiring in a minute, unless `extra` says otherwise. */
export function claim(path: string, session: string, kind: ClaimKind = 'write', extra: Partial<Claim> = {}): Claim {
  return {
    id: `c-${(ids++).toString(16).padStart(8, '0')}`,
    path,
    kind,
    session,
    worktree: '/repo',
    acquiredAt: new Date(NOW - 60_000).toISOString(),
    renewedAt: new Date(NOW - 60_000).toISOString(),
    expiresAt: new Date(NOW + 60_000).toISOString(),
    ttlMs: 120_000,
    ...extra,
  };
}
