import { kindsConflict } from './kinds.js';
import { patternsOverlap } from './overlap.js';
import { escapeLiteral, patternType, unescapeLiteral } from './paths.js';
import type { ClaimKind, Holder } from './types.js';

/**
 * Owned changes, the second half of flc's model: a claim says who may edit a file now; an
 * ownership record says whose uncommitted changes a file holds. A record starts when a session
 * is granted a write or exclusive claim on a file ("watched": the file's state at claim start
 * is kept); it becomes ownership once the file is seen to differ from that state, and then
 * outlives the claim, the turn and the TTL, until the file matches HEAD again, the owner hands
 * it over, or another session adopts it. Pure: fingerprints are computed by the caller.
 */
export interface OwnedChange extends Holder {
  /** Repo-relative POSIX path of one file, as git names it (not a claim key: no glob escapes). */
  path: string;
  /** Absolute path of the worktree the changes are in. */
  worktree: string;
  /** When the claim began and the file's start state was taken. */
  watchedAt: string;
  /** Fingerprint of the file at claim start; null when it did not exist. */
  base: string | null;
  /** Fingerprint last seen when the holder acted. */
  seen: string | null;
  /** When the session became the owner (the file first differed from `base`); absent while only watched. */
  since?: string | undefined;
}

/** Does another session's owned change on a file block a write/exclusive claim of it? */
export const CHANGES_CLAIM_POLICIES = ['block', 'allow'] as const;
export type ChangesClaimPolicy = (typeof CHANGES_CLAIM_POLICIES)[number];

export function isOwned(record: OwnedChange): boolean {
  return record.since !== undefined;
}

/** The owned records (not the merely watched ones). */
export function ownedChanges(changes: readonly OwnedChange[] | undefined): OwnedChange[] {
  return (changes ?? []).filter(isOwned);
}

/**
 * Starts watching `path` for `holder` at claim start, unless a record already exists: an owner
 * keeps its record (and its original base) across claims, and a file owned by someone else
 * stays theirs (under `changes.claims = allow`, the new holder's edits join their changes).
 * Returns the new record, or null when none was added.
 */
export function watchFile(
  changes: OwnedChange[],
  holder: Holder,
  file: { path: string; worktree: string; fingerprint: string | null },
  now: number,
): OwnedChange | null {
  if (patternType(file.path) !== 'file') return null;
  const name = unescapeLiteral(file.path);
  if (changes.some((c) => c.path === name && c.worktree === file.worktree)) return null;
  const record: OwnedChange = {
    path: name,
    session: holder.session,
    ...(holder.agent ? { agent: holder.agent } : {}),
    worktree: file.worktree,
    watchedAt: new Date(now).toISOString(),
    base: file.fingerprint,
    seen: file.fingerprint,
  };
  changes.push(record);
  return record;
}

/**
 * A file found changed below a directory or glob claim when that claim ended: owned at once.
 * No start state was kept for it (a directory claim cannot fingerprint every file below it),
 * so `base` says only whether git tracks the file. A file that already has a record (its
 * own, or another session's) is left as it is. Returns the new record, or null.
 */
export function ownFoundChange(
  changes: OwnedChange[],
  holder: Holder,
  file: { path: string; worktree: string; tracked: boolean; fingerprint: string | null },
  watchedAt: string,
  now: number,
): OwnedChange | null {
  if (changes.some((c) => c.path === file.path && c.worktree === file.worktree)) return null;
  const record: OwnedChange = {
    path: file.path,
    session: holder.session,
    ...(holder.agent ? { agent: holder.agent } : {}),
    worktree: file.worktree,
    watchedAt,
    base: file.tracked ? 'tracked' : null,
    seen: file.fingerprint,
    since: new Date(now).toISOString(),
  };
  changes.push(record);
  return record;
}

export type Observation = 'owned' | 'unchanged' | 'already-owned';

/** Records what the file looks like now; a watched file that differs from its base becomes owned. */
export function observe(record: OwnedChange, fingerprint: string | null, now: number): Observation {
  record.seen = fingerprint;
  if (isOwned(record)) return 'already-owned';
  if (fingerprint === record.base) return 'unchanged';
  record.since = new Date(now).toISOString();
  return 'owned';
}

/**
 * The holder let go of the file (release, expiry, end of session): compare one last time. A
 * changed file stays owned; a file that never changed stops being watched. Returns the outcome
 * and whether the record is kept.
 */
export function settle(changes: OwnedChange[], record: OwnedChange, fingerprint: string | null, now: number): Observation {
  const outcome = observe(record, fingerprint, now);
  if (outcome === 'unchanged') removeRecord(changes, record);
  return outcome;
}

export function removeRecord(changes: OwnedChange[], record: OwnedChange): void {
  const at = changes.indexOf(record);
  if (at !== -1) changes.splice(at, 1);
}

/** Records watched (not yet owned) by exactly this holder for these claim keys. */
export function watchedBy(changes: readonly OwnedChange[], holder: Holder, keys: readonly string[]): OwnedChange[] {
  const set = new Set(keys.map(unescapeLiteral));
  return changes.filter((c) => !isOwned(c) && c.session === holder.session && (c.agent ?? '') === (holder.agent ?? '') && set.has(c.path));
}

/** What stops a claim: another session's owned changes on a file the request overlaps. */
export interface OwnedBlocker {
  /** The requested pattern. */
  path: string;
  record: OwnedChange;
}

/**
 * Other sessions' owned changes that block a write or exclusive request in `worktree` (read
 * claims never are: reading does not disturb them). A session's subagents share its ownership.
 */
export function findOwnedBlockers(
  request: Holder & { paths: readonly string[]; kind: ClaimKind },
  changes: readonly OwnedChange[] | undefined,
  worktree: string,
  policy: ChangesClaimPolicy,
): OwnedBlocker[] {
  if (policy === 'allow' || !kindsConflict('write', request.kind)) return [];
  const blockers: OwnedBlocker[] = [];
  for (const record of ownedChanges(changes)) {
    if (record.session === request.session || record.worktree !== worktree) continue;
    for (const path of request.paths) if (patternsOverlap(path, escapeLiteral(record.path))) blockers.push({ path, record });
  }
  return blockers;
}

/** A path a commit (or stash) would take that holds another session's owned changes. */
export interface OwnedFinding {
  path: string;
  /** What the commit does to it ("modified", "renamed to x"...). */
  change: string;
  record: OwnedChange;
}

/**
 * The guard's rule for owned changes, pure: of the touched paths, those holding another
 * session's owned changes in this worktree. A session's own (and its subagents') pass.
 */
export function evaluateOwned(
  touched: ReadonlyArray<{ path: string; change: string }>,
  changes: readonly OwnedChange[] | undefined,
  session: string,
  worktree: string,
): OwnedFinding[] {
  const byPath = new Map<string, OwnedChange>();
  for (const record of ownedChanges(changes)) {
    if (record.session !== session && record.worktree === worktree) byPath.set(record.path, record);
  }
  if (!byPath.size) return [];
  const findings: OwnedFinding[] = [];
  for (const { path, change } of touched) {
    const record = byPath.get(path);
    if (record) findings.push({ path, change, record });
  }
  return findings;
}

/** Owned records of `session` (optionally only under `patterns`). */
export function ownedBy(changes: readonly OwnedChange[] | undefined, session: string, patterns?: readonly string[] | null): OwnedChange[] {
  return ownedChanges(changes).filter((c) => c.session === session && (!patterns || patterns.some((p) => patternsOverlap(p, escapeLiteral(c.path)))));
}

/** Moves records to another holder (adoption, hand-over to a named session, identity change). */
export function transfer(records: readonly OwnedChange[], to: Holder): void {
  for (const record of records) {
    record.session = to.session;
    if (to.agent) record.agent = to.agent;
    else delete record.agent;
  }
}

export type OwnerState = 'live' | 'inactive' | 'ended';

/**
 * Whether the owner of changes is still around: `ended` (its end was recorded), `inactive` (no
 * live claim and not seen for `staleMs`: crashed, or gone without a word), else `live`.
 */
export function ownerState(
  session: string,
  sessions: ReadonlyArray<{ id: string; lastSeen: string; endedAt?: string | undefined }>,
  liveClaimHolders: ReadonlySet<string>,
  now: number,
  staleMs: number | null,
): { state: OwnerState; lastSeen: string | null } {
  const record = sessions.find((s) => s.id === session);
  const lastSeen = record?.lastSeen ?? null;
  if (record?.endedAt && Date.parse(record.endedAt) >= Date.parse(record.lastSeen)) return { state: 'ended', lastSeen };
  if (liveClaimHolders.has(session)) return { state: 'live', lastSeen };
  if (!lastSeen || (staleMs !== null && Date.parse(lastSeen) + staleMs < now)) return { state: 'inactive', lastSeen };
  return { state: 'live', lastSeen };
}
