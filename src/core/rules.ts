import { identicalHolder, kindsConflict, sameHolder } from './kinds.js';
import { patternsOverlap } from './overlap.js';
import type { Claim, ClaimKind, DbData, Holder, Waiter } from './types.js';

/** What stands between a request and a grant. */
export interface Blocker {
  /** The requested pattern that is blocked. */
  path: string;
  /** The claim (or queued request) in the way. */
  heldPath: string;
  session: string;
  agent?: string | undefined;
  kind: ClaimKind;
  /** True when the blocker is a request queued ahead of this one, not a held claim. */
  queued: boolean;
  claimId?: string | undefined;
  waiterId?: string | undefined;
  acquiredAt: string;
  expiresAt: string | null;
  reason?: string | undefined;
  /** True when the blocker is another session's uncommitted changes (core/changes), not a claim. */
  changes?: true | undefined;
}

export interface ClaimRequest extends Holder {
  paths: string[];
  kind: ClaimKind;
}

export function isLive(claim: Claim, now: number): boolean {
  return claim.expiresAt === null || Date.parse(claim.expiresAt) > now;
}

/** A waiter whose deadline passed long enough ago that its process cannot still be waiting. */
export function isGhostWaiter(waiter: Waiter, now: number, graceMs = 5000): boolean {
  return deadlineOf(waiter) + graceMs < now;
}

/** The queue rules ask for a waiter's deadline once per pair of waiters: parse it once. */
const deadlines = new WeakMap<Waiter, number>();
function deadlineOf(waiter: Waiter): number {
  let deadline = deadlines.get(waiter);
  if (deadline === undefined) deadlines.set(waiter, (deadline = Date.parse(waiter.deadline)));
  return deadline;
}

/**
 * Everything that blocks `request` now: other holders' live claims that conflict by kind and
 * overlap by path, and (first come, first served) conflicting requests queued ahead of it.
 * `seq` is the request's own queue position; an unqueued request stands behind every waiter.
 * A path the requester already holds is not held back by the queue: a holder re-claiming its
 * own file must never wait behind someone waiting for it.
 */
export function findBlockers(request: ClaimRequest, db: Pick<DbData, 'claims' | 'waiters'>, now: number, seq = Infinity): Blocker[] {
  const blockers: Blocker[] = [];
  for (const path of request.paths) {
    for (const claim of db.claims) {
      if (!isLive(claim, now) || sameHolder(claim, request)) continue;
      if (!kindsConflict(claim.kind, request.kind) || !patternsOverlap(claim.path, path)) continue;
      blockers.push({
        path,
        heldPath: claim.path,
        session: claim.session,
        agent: claim.agent,
        kind: claim.kind,
        queued: false,
        claimId: claim.id,
        acquiredAt: claim.acquiredAt,
        expiresAt: claim.expiresAt,
        reason: claim.reason,
      });
    }
    const alreadyHeld = db.claims.some((c) => c.path === path && identicalHolder(c, request) && isLive(c, now));
    if (alreadyHeld) continue;
    for (const waiter of db.waiters) {
      if (waiter.seq >= seq || sameHolder(waiter, request) || isGhostWaiter(waiter, now, 0)) continue;
      if (!kindsConflict(waiter.kind, request.kind)) continue;
      const heldPath = waiter.paths.find((p) => patternsOverlap(p, path));
      if (heldPath === undefined) continue;
      blockers.push({
        path,
        heldPath,
        session: waiter.session,
        agent: waiter.agent,
        kind: waiter.kind,
        queued: true,
        waiterId: waiter.id,
        acquiredAt: waiter.enqueuedAt,
        expiresAt: waiter.deadline,
        reason: waiter.reason,
      });
    }
  }
  return blockers;
}

export interface GrantOptions {
  now: number;
  ttlMs: number | null;
  worktree: string;
  reason?: string | undefined;
  newId: () => string;
}

/**
 * Records a granted request in `db` (all paths at once): a path this exact holder already
 * claims is updated in place (kind, reason, renewed), others get a new claim.
 * Returns the claims as granted.
 */
export function grantClaims(db: DbData, request: ClaimRequest, options: GrantOptions): Claim[] {
  const nowIso = new Date(options.now).toISOString();
  const expiresAt = options.ttlMs === null ? null : new Date(options.now + options.ttlMs).toISOString();
  const granted: Claim[] = [];
  for (const path of new Set(request.paths)) {
    const existing = db.claims.find((c) => c.path === path && identicalHolder(c, request));
    if (existing) {
      existing.kind = request.kind;
      existing.renewedAt = nowIso;
      existing.expiresAt = expiresAt;
      existing.ttlMs = options.ttlMs;
      existing.worktree = options.worktree;
      if (options.reason !== undefined) existing.reason = options.reason;
      granted.push(existing);
      continue;
    }
    const claim: Claim = {
      id: options.newId(),
      path,
      kind: request.kind,
      session: request.session,
      ...(request.agent ? { agent: request.agent } : {}),
      worktree: options.worktree,
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      acquiredAt: nowIso,
      renewedAt: nowIso,
      expiresAt,
      ttlMs: options.ttlMs,
    };
    db.claims.push(claim);
    granted.push(claim);
  }
  return granted;
}

/** Removes expired claims from `db` and returns them (for `claim:expired` events). */
export function pruneExpired(db: DbData, now: number): Claim[] {
  const expired = db.claims.filter((c) => !isLive(c, now));
  if (expired.length) db.claims = db.claims.filter((c) => isLive(c, now));
  return expired;
}

/** Activity by a session renews every claim it holds (its subagents' too). Returns the count. */
export function renewSession(db: DbData, session: string, now: number): number {
  const nowIso = new Date(now).toISOString();
  let count = 0;
  for (const claim of db.claims) {
    if (claim.session !== session || !isLive(claim, now)) continue;
    claim.renewedAt = nowIso;
    if (claim.ttlMs !== null) claim.expiresAt = new Date(now + claim.ttlMs).toISOString();
    count++;
  }
  return count;
}
