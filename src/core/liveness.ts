import type { AgentProcess, Claim, ClaimKind, DbData, SessionRecord } from './types.js';

const KIND_STRENGTH: Record<ClaimKind, number> = { read: 0, write: 1, exclusive: 2 };

/**
 * Claims of a session whose agent process is still running do not lapse: a live Claude Code
 * session may spend longer than the TTL in one tool call (a long test run) without any hook
 * firing. Pure: which processes are alive is the caller's question to the OS.
 */

/**
 * Sessions with a claim that has used up at least half of its TTL (or all of it): the only
 * ones worth asking the OS about. Renewing only then keeps a transaction that otherwise changes
 * nothing from writing db.json (every write wakes every waiter).
 */
export function sessionsDueForRenewal(claims: readonly Claim[], now: number): Set<string> {
  const due = new Set<string>();
  for (const claim of claims) if (isDue(claim, now)) due.add(claim.session);
  return due;
}

/** Renews (in place) the due claims of the sessions in `live`. Returns the claims renewed. */
export function renewLiveSessions(claims: Claim[], live: ReadonlySet<string>, now: number): Claim[] {
  const renewed: Claim[] = [];
  for (const claim of claims) {
    if (!live.has(claim.session) || !isDue(claim, now)) continue;
    claim.renewedAt = new Date(now).toISOString();
    claim.expiresAt = new Date(now + claim.ttlMs!).toISOString();
    renewed.push(claim);
  }
  return renewed;
}

function isDue(claim: Claim, now: number): boolean {
  if (claim.expiresAt === null || claim.ttlMs === null) return false;
  return Date.parse(claim.expiresAt) - now < claim.ttlMs / 2;
}

export function sameProcess(a: AgentProcess | undefined, b: AgentProcess | undefined): boolean {
  if (!a || !b) return false;
  return a.pid === b.pid && a.host === b.host && (a.start === undefined || b.start === undefined || a.start === b.start);
}

/** Other sessions recorded in the same agent process: after `/clear` or `/resume` the process goes on under a new id. */
export function earlierSessionsOfProcess(sessions: readonly SessionRecord[], process: AgentProcess, self: string): string[] {
  return sessions.filter((s) => s.id !== self && sameProcess(s.process, process)).map((s) => s.id);
}

/**
 * Hands everything `from` holds over to `to` (in place): its claims now. Owned changes, when
 * they exist, move here too. The old session's record no longer names the process, so it is
 * never taken over twice. Returns the claims that moved.
 */
export function transferSession(db: DbData, from: string, to: string, now: number): Claim[] {
  const moved = db.claims.filter((c) => c.session === from);
  const nowIso = new Date(now).toISOString();
  for (const claim of moved) {
    const twin = db.claims.find((c) => c.session === to && c.path === claim.path && c.agent === claim.agent);
    if (twin) {
      // One holder, one claim per path: keep the stronger kind.
      if (KIND_STRENGTH[claim.kind] > KIND_STRENGTH[twin.kind]) twin.kind = claim.kind;
      db.claims = db.claims.filter((c) => c !== claim);
      continue;
    }
    claim.session = to;
    claim.renewedAt = nowIso;
    if (claim.ttlMs !== null) claim.expiresAt = new Date(now + claim.ttlMs).toISOString();
  }
  const old = db.sessions.find((s) => s.id === from);
  if (old) delete old.process;
  return moved;
}
