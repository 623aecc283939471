import path from 'node:path';
import {
  type ChangesClaimPolicy,
  type OwnedBlocker,
  type OwnedChange,
  type OwnedFinding,
  evaluateOwned,
  findOwnedBlockers,
  isOwned,
  ownedChanges,
  removeRecord,
  settle,
  observe,
  ownerState,
  ownFoundChange,
  type OwnerState,
  transfer,
  watchFile,
  watchedBy,
} from '../core/changes.js';
import { type StagedChange, touchedPaths } from '../core/guard.js';
import { FlcError } from '../core/errors.js';
import { patternsOverlap } from '../core/overlap.js';
import { escapeLiteral, patternType, unescapeLiteral } from '../core/paths.js';
import { type Blocker, isLive } from '../core/rules.js';
import type { Claim, ClaimKind, DbData, Holder } from '../core/types.js';
import { changedFiles } from '../git/changes.js';
import { dirtyPaths, runGit } from '../git/dirty.js';
import { fingerprint, modifiedAt } from '../git/fingerprint.js';
import type { RepoInfo } from '../git/repo.js';
import type { Store, Tx } from '../store/store.js';

export interface HandOverInput {
  session: string;
  /** Files (or directories/globs covering them) whose owned changes to hand over; none with `all`. */
  paths: string[];
  all?: boolean;
  /** Give them to this session instead of leaving them unowned. */
  to?: string | undefined;
  /** Hand over another session's changes (journaled with who did it). */
  force?: boolean;
}

export interface AdoptInput {
  session: string;
  /** Files (or directories/globs) to adopt; none with `from`. */
  paths: string[];
  /** Adopt everything this session owns. */
  from?: string | undefined;
}

/** An owned change as `flc status` shows it. */
export interface OwnedStatus extends OwnedChange {
  since: string;
  /** Is the owner still around: live, inactive (not seen for a TTL, no live claim: crashed?) or ended. */
  owner: OwnerState;
  ownerLastSeen: string | null;
}

export interface ChangesMoved {
  records: OwnedChange[];
  /** Requested paths that matched no owned change. */
  notFound: string[];
}

/**
 * The owned-changes service of the coordinator: records, inside the coordinator's store
 * transactions, when a holder's file starts being watched and when it became owned; clears
 * ownership lazily with git (off the agent hook path); hands over, adopts and transfers.
 */
export class ChangesService {
  constructor(
    private readonly repo: RepoInfo,
    private readonly store: Store,
  ) {}

  /** A granted write/exclusive claim of a file: keep the file's state at claim start. */
  onGranted(db: DbData, tx: Tx, holder: Holder, kind: ClaimKind, claims: Claim[]): void {
    if (kind === 'read') return;
    for (const claim of claims) {
      if (patternType(claim.path) !== 'file' || path.isAbsolute(claim.path)) continue;
      const changes = (db.changes ??= []);
      const existing = changes.find((c) => c.path === unescapeLiteral(claim.path) && c.worktree === claim.worktree);
      if (existing) {
        if (existing.session === holder.session) this.look(tx, existing);
        continue;
      }
      watchFile(changes, holder, { path: claim.path, worktree: claim.worktree, fingerprint: fingerprint(path.join(claim.worktree, unescapeLiteral(claim.path))) }, tx.now);
    }
    if (db.changes && !db.changes.length) delete db.changes;
  }

  /**
   * The changed files (git status) of the worktrees where `session` holds directory or glob
   * write claims, for onReleased; null, without running git, when it holds none. Read before
   * the transaction that ends those claims: git does not run under the store lock.
   */
  async areaChanges(session: string): Promise<AreaChanges | null> {
    if (!this.store.exists()) return null;
    const areas = this.store.read().claims.filter((c) => c.session === session && isAreaClaim(c));
    if (!areas.length) return null;
    const found: AreaChanges = new Map();
    for (const worktree of new Set(areas.map((c) => c.worktree))) {
      try {
        const { tracked, untracked } = await changedFiles(worktree);
        found.set(worktree, [...tracked.map((p) => ({ path: p, tracked: true })), ...untracked.map((p) => ({ path: p, tracked: false }))]);
      } catch {
        // a worktree that is gone: nothing to record there
      }
    }
    return found;
  }

  /**
   * Claims that end (released, expired, session over): a watched file that changed becomes
   * owned, one that did not is forgotten. For a directory or glob claim, `area` (from
   * areaChanges) names the changed files: those below it modified while it was held become owned.
   */
  onReleased(db: DbData, tx: Tx, claims: Claim[], cause: string, area?: AreaChanges | null): void {
    if (area) this.ownAreaChanges(db, tx, claims, cause, area);
    if (!db.changes?.length) return;
    for (const claim of claims) {
      for (const record of watchedBy(db.changes, claim, [claim.path])) {
        if (record.worktree !== claim.worktree) continue;
        const file = path.join(record.worktree, record.path);
        if (cause === 'expired' && changedAfter(file, claim.expiresAt)) {
          removeRecord(db.changes, record); // someone changed it after the claim ran out: not the holder's work
          continue;
        }
        const outcome = settle(db.changes, record, fingerprint(file), tx.now);
        if (outcome === 'owned') emitOwned(tx, record, cause);
      }
    }
    if (!db.changes.length) delete db.changes;
  }

  private ownAreaChanges(db: DbData, tx: Tx, claims: Claim[], cause: string, area: AreaChanges): void {
    for (const claim of claims.filter(isAreaClaim)) {
      const since = Date.parse(claim.acquiredAt);
      for (const file of area.get(claim.worktree) ?? []) {
        if (!patternsOverlap(claim.path, escapeLiteral(file.path))) continue;
        const full = path.join(claim.worktree, file.path);
        const modified = modifiedAt(full);
        // A deletion leaves no time behind: flc cannot tell when it happened, so it is not claimed as this holder's.
        if (modified === null || modified < since) continue;
        if (cause === 'expired' && changedAfter(full, claim.expiresAt)) continue;
        const record = ownFoundChange((db.changes ??= []), claim, { ...file, worktree: claim.worktree, fingerprint: fingerprint(full) }, claim.acquiredAt, tx.now);
        if (record) emitOwned(tx, record, cause);
      }
    }
    if (db.changes && !db.changes.length) delete db.changes;
  }

  /** The session acted (a hook event, a renew): its watched files that changed become owned now. */
  onActivity(db: DbData, tx: Tx, session: string): void {
    for (const record of db.changes ?? []) {
      if (record.session === session && !isOwned(record)) this.look(tx, record);
    }
  }

  private look(tx: Tx, record: OwnedChange): void {
    if (observe(record, fingerprint(path.join(record.worktree, record.path)), tx.now) === 'owned') emitOwned(tx, record, 'changed');
  }

  /**
   * Watched files whose claim has expired but that no transaction has settled yet (the holder
   * crashed, nobody wrote since): settled now, so a commit cannot slip between a TTL and the
   * next write. Read-only unless there are such records.
   */
  async settleOrphans(): Promise<void> {
    if (!this.store.exists()) return;
    const now = Date.now();
    const orphaned = (db: DbData) =>
      (db.changes ?? []).filter((r) => !isOwned(r) && !db.claims.some((c) => unescapeLiteral(c.path) === r.path && c.session === r.session && (c.agent ?? '') === (r.agent ?? '') && isLive(c, now)));
    if (!orphaned(this.store.read()).length) return;
    await this.store.transaction((db, tx) => {
      for (const record of orphaned(db)) {
        const file = path.join(record.worktree, record.path);
        const claim = db.claims.find((c) => unescapeLiteral(c.path) === record.path && c.session === record.session && (c.agent ?? '') === (record.agent ?? ''));
        if (claim && changedAfter(file, claim.expiresAt)) {
          removeRecord(db.changes!, record);
          continue;
        }
        if (settle(db.changes!, record, fingerprint(file), tx.now) === 'owned') emitOwned(tx, record, 'expired');
      }
      if (db.changes && !db.changes.length) delete db.changes;
    });
  }

  /** Other sessions' owned changes in the way of a request, as claim blockers. */
  blockers(db: DbData, request: Holder & { paths: string[]; kind: ClaimKind }, worktree: string, policy: ChangesClaimPolicy): Blocker[] {
    return findOwnedBlockers(request, db.changes, worktree, policy).map(toBlocker);
  }

  /**
   * Clears ownership of files that match HEAD again (committed, reverted, checked out), asking
   * git, which knows about filters and line endings. Only records passing `which` are checked.
   * Journals `changes:cleared`. Returns what was cleared.
   */
  async clearClean(which: (record: OwnedChange) => boolean = () => true): Promise<OwnedChange[]> {
    if (!this.store.exists()) return [];
    const candidates = ownedChanges(this.store.read().changes).filter(which);
    if (!candidates.length) return [];
    const clean = await this.cleanRecords(candidates);
    if (!clean.length) return [];
    return this.store.transaction((db, tx) => {
      const cleared: OwnedChange[] = [];
      for (const gone of clean) {
        const record = db.changes?.find((c) => c.path === gone.path && c.worktree === gone.worktree && c.session === gone.session && isOwned(c));
        if (!record) continue;
        removeRecord(db.changes!, record);
        cleared.push(record);
        tx.emit({ event: 'changes:cleared', session: record.session, agent: record.agent, path: record.path, cause: 'clean', detail: 'the file matches HEAD again' });
      }
      if (db.changes && !db.changes.length) delete db.changes;
      return cleared;
    });
  }

  /** Of these records, those whose file matches HEAD (per worktree, one git call each). Read-only. */
  async cleanRecords(records: OwnedChange[]): Promise<OwnedChange[]> {
    const byWorktree = new Map<string, OwnedChange[]>();
    for (const record of records) {
      const list = byWorktree.get(record.worktree);
      if (list) list.push(record);
      else byWorktree.set(record.worktree, [record]);
    }
    const clean: OwnedChange[] = [];
    for (const [worktree, list] of byWorktree) {
      let dirty: Set<string>;
      try {
        dirty = await dirtyPaths(worktree, list.map((r) => r.path), { sameWorktree: worktree === this.repo.root });
      } catch {
        continue; // a worktree that is gone or broken: keep its records (doctor shows them)
      }
      for (const record of list) if (!dirty.has(record.path)) clean.push(record);
    }
    return clean;
  }

  /** Clears the records of other sessions that would block `paths` once their files are clean (only when some exist: git runs only then). */
  async clearCleanBlocking(request: Holder & { paths: string[]; kind: ClaimKind }, worktree: string, policy: ChangesClaimPolicy): Promise<void> {
    if (!this.store.exists()) return;
    const blocking = findOwnedBlockers(request, this.store.read().changes, worktree, policy);
    if (!blocking.length) return;
    const records = new Set(blocking.map((b) => b.record));
    await this.clearClean((r) => [...records].some((b) => b.path === r.path && b.worktree === r.worktree && b.session === r.session));
  }

  /** `flc release --changes`: the owner gives up its owned changes (unowned, or to `to`). */
  async handOver(input: HandOverInput, patterns: string[]): Promise<ChangesMoved> {
    if (!patterns.length && !input.all) throw new FlcError('USAGE', 'no changes named to hand over', 'name the files, or use --all');
    return this.store.transaction((db, tx) => {
      const found = select(db, patterns, (r) => r.session === input.session || Boolean(input.force), input.all ? input.session : undefined);
      const others = found.records.filter((r) => r.session !== input.session);
      if (!input.force) {
        const theirs = ownedChanges(db.changes).find((r) => r.session !== input.session && patterns.some((p) => patternsOverlap(p, escapeLiteral(r.path))));
        if (theirs && !found.records.length) {
          throw new FlcError('REFUSED', `${theirs.path} holds uncommitted changes of ${theirs.session}, not of ${input.session}`, `only its owner hands it over; to take it yourself: flc adopt ${theirs.path}`);
        }
      }
      for (const record of found.records) {
        const from = record.session;
        if (input.to) transfer([record], { session: input.to });
        else removeRecord(db.changes!, record);
        tx.emit({
          event: 'changes:handed-over',
          session: from,
          agent: record.agent,
          path: record.path,
          detail: input.to ? `to ${input.to}` : 'now unowned',
          ...(others.includes(record) ? { by: input.session, cause: 'forced' } : {}),
        });
      }
      if (db.changes && !db.changes.length) delete db.changes;
      return found;
    });
  }

  /** `flc adopt`: take other sessions' owned changes explicitly (journaled with from whom). */
  async adopt(input: AdoptInput, patterns: string[]): Promise<ChangesMoved> {
    if (!patterns.length && !input.from) throw new FlcError('USAGE', 'nothing named to adopt', 'name files, or a session with --from <session>');
    return this.store.transaction((db, tx) => {
      const found = select(db, patterns, (r) => r.session !== input.session && (!input.from || r.session === input.from), input.from);
      for (const record of found.records) {
        const from = record.session;
        transfer([record], { session: input.session });
        tx.emit({ event: 'changes:adopted', session: input.session, path: record.path, detail: `from ${from}`, cause: 'adopted' });
      }
      return found;
    });
  }

  /** Inside a transaction: ownership follows a session that goes on under a new id. */
  follow(db: DbData, tx: Tx, from: string, to: string, cause = 'same session, new id'): void {
    const moved = (db.changes ?? []).filter((r) => r.session === from);
    for (const record of moved) record.session = to; // a subagent's records stay its own, like its claims
    for (const record of moved.filter(isOwned)) {
      tx.emit({ event: 'changes:adopted', session: to, path: record.path, detail: `from ${from}`, cause });
    }
  }

  /** Ownership follows an identity change of one session (e.g. Claude Code's /clear): everything of `from` becomes `to`'s. */
  async transferSession(from: string, to: string): Promise<OwnedChange[]> {
    if (from === to || !this.store.exists()) return [];
    return this.store.transaction((db, tx) => {
      const moved = (db.changes ?? []).filter((r) => r.session === from);
      this.follow(db, tx, from, to);
      return moved;
    });
  }

  /**
   * The guard's owned-changes check of a commit's staged changes: staged paths holding other
   * sessions' owned changes in this worktree, once git confirms the changes are still there.
   */
  async guardFindings(staged: StagedChange[], session: string): Promise<OwnedFinding[]> {
    await this.settleOrphans();
    const findings = evaluateOwned(touchedPaths(staged), this.store.read().changes, session, this.repo.root);
    if (!findings.length) return [];
    const cleared = await this.clearClean((r) => findings.some((f) => f.record.path === r.path && f.record.session === r.session && f.record.worktree === r.worktree));
    return findings.filter((f) => !cleared.some((c) => c.path === f.record.path && c.worktree === f.record.worktree));
  }

  /** Journals refused commits of owned changes (`guard:blocked`, cause `owned`). */
  async journalBlocked(findings: OwnedFinding[], session: string, where: string): Promise<void> {
    await this.store.record(
      findings.map((f) => ({ event: 'guard:blocked' as const, session, path: f.path, cause: 'owned', detail: `${where}: ${f.change}; uncommitted changes of ${f.record.session}` })),
    );
  }

  /**
   * Unstages paths from the index being committed (the caller's GIT_INDEX_FILE, during a
   * hook): their index entries go back to HEAD's, new files leave the index; the working tree
   * is not touched. Returns the paths unstaged; fails soft (a guard must not break on it).
   */
  async unstage(paths: string[]): Promise<string[]> {
    const unique = [...new Set(paths)];
    if (!unique.length) return [];
    try {
      const hasHead = await runGit(this.repo.root, ['rev-parse', '-q', '--verify', 'HEAD']).then(
        () => true,
        () => false,
      );
      const args = hasHead ? ['reset', '-q', '--', ...unique] : ['rm', '--cached', '-q', '-r', '--ignore-unmatch', '--', ...unique];
      await runGit(this.repo.root, ['--literal-pathspecs', ...args]);
      return unique;
    } catch {
      return [];
    }
  }

  /** What `flc commit` may take in this worktree: the session's owned files, and the files other sessions own (never). */
  commitScope(db: DbData, session: string): { owned: Set<string>; others: Map<string, string> } {
    const owned = new Set<string>();
    const others = new Map<string, string>(); // path -> owner
    for (const record of ownedChanges(db.changes)) {
      if (record.worktree !== this.repo.root) continue;
      if (record.session === session) owned.add(record.path);
      else others.set(record.path, record.session);
    }
    return { owned, others };
  }

  /** The owned changes of `db` with their owners' state, oldest first. */
  describe(db: DbData, now: number): OwnedStatus[] {
    const holders = new Set(db.claims.filter((c) => c.expiresAt === null || Date.parse(c.expiresAt) > now).map((c) => c.session));
    const staleMs = this.store.config().ttl;
    return ownedChanges(db.changes)
      .map((record) => {
        const { state, lastSeen } = ownerState(record.session, db.sessions, holders, now, staleMs);
        return { ...record, since: record.since!, owner: state, ownerLastSeen: lastSeen };
      })
      .sort((a, b) => a.since.localeCompare(b.since) || a.path.localeCompare(b.path));
  }

  /** Owned records (optionally of one session), read-only. */
  list(session?: string): OwnedChange[] {
    if (!this.store.exists()) return [];
    return ownedChanges(this.store.read().changes).filter((r) => !session || r.session === session);
  }

  get worktree(): string {
    return this.repo.root;
  }
}

function select(db: DbData, patterns: string[], allowed: (r: OwnedChange) => boolean, everythingOf?: string): ChangesMoved {
  const owned = ownedChanges(db.changes);
  const records = new Set<OwnedChange>();
  const notFound: string[] = [];
  if (everythingOf !== undefined && !patterns.length) for (const r of owned) if (r.session === everythingOf && allowed(r)) records.add(r);
  for (const pattern of patterns) {
    const matching = owned.filter((r) => patternsOverlap(pattern, escapeLiteral(r.path)) && allowed(r));
    if (!matching.length) notFound.push(pattern);
    for (const r of matching) records.add(r);
  }
  return { records: [...records], notFound };
}

function emitOwned(tx: Tx, record: OwnedChange, cause: string): void {
  const what = record.base === null ? 'created' : record.seen === null ? 'deleted' : 'modified';
  tx.emit({ event: 'changes:owned', session: record.session, agent: record.agent, path: record.path, cause, detail: what });
}

function toBlocker(b: OwnedBlocker): Blocker {
  return {
    path: b.path,
    heldPath: b.record.path,
    session: b.record.session,
    kind: 'write',
    queued: false,
    acquiredAt: b.record.since ?? b.record.watchedAt,
    expiresAt: null,
    reason: 'uncommitted changes',
    changes: true,
  };
}

/**
 * Was the file last modified after the claim ran out? Expiry is noticed lazily, by the next
 * transaction; a change made between the TTL and then is not the holder's work.
 */
function changedAfter(file: string, expiresAt: string | null): boolean {
  if (!expiresAt) return false;
  const modified = modifiedAt(file);
  return modified !== null && modified > Date.parse(expiresAt);
}

/** Changed files per worktree, as areaChanges found them. */
export type AreaChanges = Map<string, { path: string; tracked: boolean }[]>;

/** A write or exclusive claim of a directory or glob in the repository: it keeps no per-file start state. */
function isAreaClaim(claim: Claim): boolean {
  return claim.kind !== 'read' && patternType(claim.path) !== 'file' && !path.isAbsolute(claim.path);
}
