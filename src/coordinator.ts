import fs from 'node:fs';
import os from 'node:os';
import { findWaitCycle } from './core/deadlock.js';
import { evaluateGuard, type GuardFinding, type GuardMode } from './core/guard.js';
import { checkTtl } from './core/duration.js';
import { randomHex } from './core/random.js';
import { FlcError } from './core/errors.js';
import { patternsOverlap } from './core/overlap.js';
import { type Blocker, findBlockers, grantClaims, isGhostWaiter, isLive, pruneExpired, renewSession } from './core/rules.js';
import { type AgentProcess, type Claim, type ClaimKind, type DbData, type Holder, type SessionRecord, type Waiter, holderLabel } from './core/types.js';
import { parseKind } from './core/kinds.js';
import { ChangesService } from './coordinator/changes.js';
import { ShellService } from './coordinator/shell.js';
import { SnapshotService } from './coordinator/snapshots.js';
import type { OwnedFinding } from './core/changes.js';
import type { OwnedStatus } from './coordinator/changes.js';
import { type RefGuardInput, type RefGuardReport, guardRefUpdates } from './coordinator/ref-guard.js';
import { changedFiles, gitAt, stagedChanges } from './git/changes.js';
import { type ClaimKeyOptions, claimKeys, nestedRepoOf, stagedLinkTargets } from './coordinator/paths.js';
import { escapeLiteral } from './core/paths.js';
import { stagedLinkChanges } from './git/links.js';
import { findRepo, type RepoInfo } from './git/repo.js';
import { pidAlive, pidVisible, processScope } from './store/mutex.js';
import { Store, type Tx } from './store/store.js';
import { isStalledWaiter, isYoungestInCycle, stampReadyWaiters } from './core/waiting.js';
import { WaitMember, WaitRoom } from './coordinator/waiting.js';
import { claimsWithLiveSessionsRenewed, processAlive, renewClaimsOfLiveSessions } from './coordinator/sessions.js';
import { earlierSessionsOfProcess, transferSession } from './core/liveness.js';

export interface ClaimInput extends Holder {
  paths: string[];
  kind?: ClaimKind;
  /** Time to live in ms; null never expires; undefined uses the config's `ttl`. */
  ttlMs?: number | null;
  reason?: string;
  /** Queue and wait for the paths instead of refusing at once. */
  wait?: boolean;
  /** How long to wait (ms); defaults to the config's `waitTimeout`. */
  timeoutMs?: number;
  /** Aborting stops the wait and removes the queued request. */
  signal?: AbortSignal;
  /** Directory relative paths are resolved from (defaults to the coordinator's cwd). */
  cwd?: string;
  /** Called once when the request is queued behind `blockers`. */
  onQueued?: (blockers: Blocker[]) => void;
  /** Keep paths outside the repository as absolute names instead of refusing them (HTTP API). */
  external?: boolean;
  /** The paths are file names, never globs (an agent's file_path): see coordinator/paths. */
  literal?: boolean;
}

export type RefusalCause = 'conflict' | 'timeout' | 'deadlock' | 'aborted';

export type ClaimResult =
  | { granted: true; waited: number; claims: Claim[] }
  | {
      granted: false;
      waited: number;
      /** The first blocker's holder, as in the seed HTTP API. */
      holder: string;
      error: string;
      cause: RefusalCause;
      conflicts: Blocker[];
      /** For a deadlock: the holders in the wait-for cycle, first and last the requester. */
      cycle?: string[];
    };

export interface ReleaseInput extends Holder {
  /** Paths or claim ids. */
  targets?: string[];
  /** Every claim of this holder (of the whole session when `agent` is not given). */
  all?: boolean;
  /** Allow releasing other sessions' claims. */
  force?: boolean;
  cwd?: string;
  /** Paths outside the repository name external claims (see ClaimInput.external). */
  external?: boolean;
  /** The paths are file names, never globs (see ClaimInput.literal). */
  literal?: boolean;
}

export interface ReleaseResult {
  released: Claim[];
  /** Targets that matched no live claim. */
  notFound: string[];
}

export interface CheckInput extends Holder {
  paths: string[];
  kind?: ClaimKind;
  cwd?: string;
  /** The paths are file names, never globs (see ClaimInput.literal). */
  literal?: boolean;
}

export interface CheckResult {
  ok: boolean;
  paths: string[];
  conflicts: Blocker[];
}

export interface GuardInput {
  session: string;
  /** Overrides the config's `guard.mode` for this run (FLC_GUARD). */
  mode?: GuardMode;
  /** On refusal, unstage the other sessions' files the commit would have taken (the pre-commit hook). */
  unstage?: boolean;
}

export interface GuardReport {
  mode: GuardMode;
  session: string;
  /** How many staged changes were checked. */
  checked: number;
  blocked: GuardFinding[];
  warnings: GuardFinding[];
  /** Staged files holding other sessions' uncommitted (owned) changes; they block in `block` mode. */
  owned: OwnedFinding[];
  /** Files unstaged from the refused commit (with `unstage`), their working-tree content untouched. */
  unstaged: string[];
}

export interface CommitInput {
  session: string;
  message: string;
  /** A subset of the held files to commit (paths, directories or globs); default all of them. */
  paths?: string[];
  /** Release the claims that covered the committed files afterwards. */
  release?: boolean;
  cwd?: string;
}

export interface CommitResult {
  commit: string;
  files: string[];
  released: Claim[];
  /** Changed files the session holds that were left out: they hold another session's owned changes. */
  leftOut: { path: string; owner: string }[];
}

export interface StatusInput {
  paths?: string[];
  session?: string;
  cwd?: string;
}

export interface StatusResult {
  claims: Claim[];
  waiters: Waiter[];
  sessions: SessionRecord[];
  /** Owned (uncommitted) changes, with whether their owner is still around. */
  changes: OwnedStatus[];
}

type Refusal = Omit<Extract<ClaimResult, { granted: false }>, 'waited'>;

/** One transaction's outcome while claiming. */
type Attempt =
  | { type: 'granted'; claims: Claim[] }
  | { type: 'refused'; refusal: Refusal }
  | { type: 'queued'; waiter: Waiter; blockers: Blocker[] }
  | { type: 'pending' };

const HOST = os.hostname();
const SESSION_RETENTION_MS = 7 * 86_400_000;

/**
 * The application service every front door calls (CLI, agent hooks, servers, the library).
 * It resolves paths, runs the pure rules of `core/` inside store transactions, and journals
 * what happened.
 */
export class Coordinator {
  readonly store: Store;
  /** Owned changes: who owns which file's uncommitted changes (see core/changes). */
  readonly changes: ChangesService;
  /** The shell gate: agents' commands before they run, snapshots and undo (see coordinator/shell). */
  readonly shell: ShellService;
  /** Working-tree snapshots and undo (see coordinator/snapshots). */
  readonly snapshots: SnapshotService;
  /**
   * The agent process this coordinator acts for (an agent hook sets it from CLAUDE_PID). It is
   * recorded on the session at each write, and keeps the session's claims alive while it runs.
   */
  agentProcess: AgentProcess | undefined;

  constructor(readonly repo: RepoInfo, readonly cwd: string = repo.root) {
    this.store = new Store(repo.commonDir);
    this.changes = new ChangesService(repo, this.store);
    this.shell = new ShellService(this);
    this.snapshots = new SnapshotService(repo, this.store, cwd);
  }

  /** Opens the coordinator of the repository around `cwd`. Throws NOT_A_REPO outside one. */
  static open(cwd: string = process.cwd()): Coordinator {
    return new Coordinator(findRepo(cwd), cwd);
  }

  /** Turns user paths into claim keys (see coordinator/paths). */
  normalizePaths(paths: string[], cwd: string = this.cwd, options: ClaimKeyOptions = {}): string[] {
    return claimKeys(paths, cwd, this.repo.root, options);
  }

  /** The coordinator of the submodule (or nested worktree) whose files `paths` are, if not this repository's. */
  private nestedFor(paths: string[] | undefined, cwd: string = this.cwd, literal?: boolean): Coordinator | null {
    const repo = paths?.length ? nestedRepoOf(paths, cwd, this.repo.root, literal) : null;
    if (!repo) return null;
    const nested = new Coordinator(repo, cwd);
    nested.agentProcess = this.agentProcess;
    return nested;
  }

  /**
   * Remembers, on the session's record in this store, a nested repository it was granted a
   * claim in, so that its turn end, its end and `release --all` here reach that store too.
   */
  private async rememberNested(session: string, root: string): Promise<void> {
    if (this.store.exists() && nestedRootsOf(this.store.read(), session).includes(root)) return;
    await this.store.transaction((db, tx) => {
      touchSession(db, session, tx.now, this.worktree(), this.agentProcess);
      const record = db.sessions.find((s) => s.id === session)!;
      const roots = nestedRootsOf(db, session);
      if (!roots.includes(root)) record.nested = [...roots, root];
    });
  }

  /** Runs `action` in each nested repository of `roots` that still has a store; the results in order. */
  private async inNested<T>(roots: readonly string[], action: (nested: Coordinator) => Promise<T>): Promise<T[]> {
    const results: T[] = [];
    for (const root of roots) {
      if (!fs.existsSync(root)) continue; // the submodule was removed: nothing there to release
      const nested = new Coordinator(findRepo(root), root);
      if (nested.store.dir === this.store.dir || !nested.store.exists()) continue;
      nested.agentProcess = this.agentProcess;
      results.push(await action(nested));
    }
    return results;
  }

  /** A release here, then the same in the nested repositories the session claimed in: one result. */
  private async alsoNested(own: ReleaseResult, roots: readonly string[], action: (nested: Coordinator) => Promise<ReleaseResult>): Promise<ReleaseResult> {
    for (const result of await this.inNested(roots, action)) own.released.push(...result.released);
    return own;
  }

  async claim(input: ClaimInput): Promise<ClaimResult> {
    const nested = this.nestedFor(input.paths, input.cwd, input.literal);
    if (nested) {
      const result = await nested.claim(input);
      if (result.granted) await this.rememberNested(input.session, nested.repo.root);
      return result;
    }
    const started = Date.now();
    const kind = input.kind === undefined ? 'write' : parseKind(input.kind);
    const paths = this.normalizePaths(input.paths, input.cwd, { external: input.external, literal: input.literal });
    const request = { session: input.session, agent: input.agent, paths, kind };
    const config = this.store.config();
    const ttlMs = input.ttlMs === undefined ? config.ttl : checkTtl(input.ttlMs);
    const timeoutMs = input.timeoutMs ?? config.waitTimeout;
    const deadline = started + timeoutMs;
    const grant = { ttlMs, worktree: this.worktree(input.cwd), reason: input.reason, newId: () => newId('c') };
    const waited = () => Math.round((Date.now() - started) / 100) / 10;

    // Waiting starts only once the request is queued (most claims are granted at once); the
    // room looks at the store as soon as it is joined, so a release in between is not missed.
    // Another session's owned changes refuse at once (they last until committed), unless that
    // session is editing the file right now: then the request waits for its claim like any
    // other. Git is asked whether owned changes still exist only when some are in the way.
    await this.changes.clearCleanBlocking(request, grant.worktree, config['changes.claims']);
    const first = await this.store.transaction((db, tx): Attempt => {
      this.housekeep(db, tx);
      const blockers = findBlockers(request, db, tx.now);
      const owned = standingOwned(this.changes.blockers(db, request, grant.worktree, config['changes.claims']), blockers);
      if (owned.length) return { type: 'refused', refusal: this.refuse(tx, request, 'conflict', owned) };
      if (!blockers.length) return { type: 'granted', claims: this.grant(db, tx, request, grant) };
      if (!input.wait) return { type: 'refused', refusal: this.refuse(tx, request, 'conflict', blockers) };
      const cycle = findWaitCycle(request, blockers, db, tx.now);
      if (cycle) return { type: 'refused', refusal: this.refuse(tx, request, 'deadlock', blockers, cycle) };
      const waiter = enqueue(db, tx, request, { ...grant, deadline, reason: input.reason });
      tx.emit({ event: 'claim:waiting', session: request.session, agent: request.agent, path: paths.join(' '), kind, detail: `queued behind ${blockers.map(holderLabel).join(', ')}` });
      return { type: 'queued', waiter, blockers };
    });
    if (first.type === 'granted') return { granted: true, waited: waited(), claims: first.claims };
    if (first.type === 'refused') return { ...first.refusal, waited: waited() };
    if (first.type !== 'queued') throw new Error('unreachable');

    const waiterId = first.waiter.id;
    input.onQueued?.(first.blockers);
    const member = new WaitMember(waiterId);
    const room = WaitRoom.for(this.store, liveView);
    room.join(member);
    try {
      return await this.waitForGrant({ request, grant, deadline, waited, waiterId, member, signal: input.signal, reason: input.reason });
    } catch (error) {
      // A long-lived process (flc serve, the Pi extension) must not leave its request queued.
      await this.store.transaction((db) => void (db.waiters = db.waiters.filter((w) => w.id !== waiterId))).catch(() => undefined);
      throw error;
    } finally {
      room.leave(member);
    }
  }

  /**
   * The wait loop of a queued claim: sleep until the wait room finds something for it to do
   * (see coordinator/waiting), then try in a transaction, until granted or refused.
   */
  private async waitForGrant(queued: {
    request: Holder & { paths: string[]; kind: ClaimKind };
    grant: Omit<Parameters<typeof grantClaims>[2], 'now'>;
    deadline: number;
    waited: () => number;
    waiterId: string;
    member: WaitMember;
    signal: AbortSignal | undefined;
    reason: string | undefined;
  }): Promise<ClaimResult> {
    const { request, grant, deadline, waited, waiterId, member, signal } = queued;
    for (;;) {
      const remaining = deadline - Date.now();
      if (signal?.aborted || remaining <= 0) {
        const cause = signal?.aborted ? 'aborted' : 'timeout';
        const refused = await this.store.transaction((db, tx) => {
          db.waiters = db.waiters.filter((w) => w.id !== waiterId);
          return this.refuse(tx, request, cause, findBlockers(request, db, tx.now));
        });
        return { ...refused, waited: waited() };
      }
      await member.sleep(remaining, signal);
      if (signal?.aborted || Date.now() >= deadline) continue;
      // The holder may have committed its work before letting go: ask git before refusing for it.
      await this.changes.clearCleanBlocking(request, grant.worktree, this.store.config()['changes.claims']);
      const outcome = await this.store.transaction((db, tx): Attempt => {
        this.housekeep(db, tx);
        let waiter = db.waiters.find((w) => w.id === waiterId);
        if (!waiter) {
          // It lost its place (it left free paths untaken while stopped or frozen): back of the queue.
          waiter = enqueue(db, tx, request, { ...grant, deadline, reason: queued.reason, id: waiterId });
          tx.emit({ event: 'claim:waiting', session: request.session, agent: request.agent, path: request.paths.join(' '), kind: request.kind, detail: 'queued again, at the back: it had lost its place' });
        }
        const blockers = findBlockers(request, db, tx.now, waiter.seq);
        const owned = standingOwned(this.changes.blockers(db, request, grant.worktree, this.store.config()['changes.claims']), blockers);
        if (owned.length) {
          db.waiters = db.waiters.filter((w) => w.id !== waiterId);
          return { type: 'refused', refusal: this.refuse(tx, request, 'conflict', owned) };
        }
        if (!blockers.length) {
          db.waiters = db.waiters.filter((w) => w.id !== waiterId);
          return { type: 'granted', claims: this.grant(db, tx, request, grant) };
        }
        const cycle = findWaitCycle(request, blockers, db, tx.now);
        if (cycle && isYoungestInCycle(waiter, cycle, db.waiters)) {
          db.waiters = db.waiters.filter((w) => w.id !== waiterId);
          return { type: 'refused', refusal: this.refuse(tx, request, 'deadlock', blockers, cycle) };
        }
        return { type: 'pending' };
      });
      if (outcome.type === 'granted') return { granted: true, waited: waited(), claims: outcome.claims };
      if (outcome.type === 'refused') return { ...outcome.refusal, waited: waited() };
    }
  }

  /** Releases everything `session` holds, as its end (`session:ended` in the journal). */
  async endSession(session: string, detail?: string): Promise<ReleaseResult> {
    const area = await this.changes.areaChanges(session);
    let nested: string[] = [];
    const own = await this.store.transaction((db, tx) => {
      nested = nestedRootsOf(db, session);
      this.housekeep(db, tx);
      const released = db.claims.filter((c) => c.session === session);
      db.claims = db.claims.filter((c) => c.session !== session);
      for (const claim of released) {
        tx.emit({ event: 'claim:released', session: claim.session, agent: claim.agent, path: claim.path, kind: claim.kind, claimId: claim.id });
      }
      this.changes.onReleased(db, tx, released, 'session ended', area);
      const record = db.sessions.find((s) => s.id === session);
      if (record) record.endedAt = new Date(tx.now).toISOString();
      tx.emit({ event: 'session:ended', session, detail });
      return { released, notFound: [] };
    });
    return this.alsoNested(own, nested, (c) => c.endSession(session, detail));
  }

  /**
   * The end of an agent's turn: releases the main agent's claims (those without `agent`) and
   * its subagents', except those of `keepAgents` (subagents still running in the background,
   * or 'all' when that is not known): they keep theirs until their own SubagentStop.
   */
  async endTurn(session: string, options: { keepAgents: readonly string[] | 'all' }): Promise<ReleaseResult> {
    const area = await this.changes.areaChanges(session);
    let nested: string[] = [];
    const own = await this.store.transaction((db, tx) => {
      nested = nestedRootsOf(db, session);
      this.housekeep(db, tx);
      const kept = (agent: string) => options.keepAgents === 'all' || options.keepAgents.includes(agent);
      const done = (c: Claim) => c.session === session && (!c.agent || !kept(c.agent));
      const released = db.claims.filter(done);
      db.claims = db.claims.filter((c) => !done(c));
      for (const claim of released) {
        tx.emit({ event: 'claim:released', session: claim.session, agent: claim.agent, path: claim.path, kind: claim.kind, claimId: claim.id, cause: 'turn' });
      }
      this.changes.onReleased(db, tx, released, 'turn', area);
      touchSession(db, session, tx.now, this.worktree(), this.agentProcess);
      renewSession(db, session, tx.now);
      return { released, notFound: [] };
    });
    return this.alsoNested(own, nested, (c) => c.endTurn(session, options));
  }

  /**
   * `/clear` and `/resume` go on in the same agent process under a new session id: the new id
   * takes over what earlier ids of this process (`agentProcess`) held. Returns the ids taken over.
   */
  async takeOverEarlierSessions(session: string): Promise<string[]> {
    const process = this.agentProcess;
    if (!process) return [];
    return this.store.transaction((db, tx) => {
      this.housekeep(db, tx);
      const earlier = earlierSessionsOfProcess(db.sessions, process, session);
      for (const from of earlier) {
        const moved = transferSession(db, from, session, tx.now);
        this.changes.follow(db, tx, from, session);
        tx.emit({ event: 'session:ended', session: from, detail: `continued as ${session} in the same process; ${moved.length} claim(s) handed over` });
      }
      touchSession(db, session, tx.now, this.worktree(), process);
      return earlier;
    });
  }

  /**
   * A fork (`claude --resume <origin> --fork-session`) goes on with the origin's work under a new
   * id, in a new process. When the origin's process has ended (or crashed), the fork takes over
   * what it held: its claims and its owned changes. While the origin still runs, it keeps them
   * (the two are then parallel sessions) and the fork takes nothing: `flc adopt --from` can.
   */
  async continueFork(origin: string, session: string): Promise<{ originRunning: boolean; claims: number; changes: number }> {
    return this.store.transaction((db, tx) => {
      this.housekeep(db, tx);
      touchSession(db, session, tx.now, this.worktree(), this.agentProcess);
      const record = db.sessions.find((s) => s.id === origin);
      if (origin === session || !record) return { originRunning: false, claims: 0, changes: 0 };
      if (processAlive(record.process)) return { originRunning: true, claims: 0, changes: 0 };
      const owned = (db.changes ?? []).filter((r) => r.session === origin).length;
      const moved = transferSession(db, origin, session, tx.now);
      this.changes.follow(db, tx, origin, session, 'fork');
      if (moved.length || owned) tx.emit({ event: 'session:ended', session: origin, detail: `continued as ${session} (a fork); ${moved.length} claim(s) handed over` });
      return { originRunning: false, claims: moved.length, changes: owned };
    });
  }

  async release(input: ReleaseInput): Promise<ReleaseResult> {
    const targets = input.targets ?? [];
    if (!targets.length && !input.all) throw new FlcError('USAGE', 'nothing to release', 'name paths or claim ids, or use --all');
    const cwd = input.cwd ?? this.cwd;
    const nested = this.nestedFor(targets.filter((t) => !isClaimId(t)), cwd, input.literal);
    if (nested) return nested.release(input);
    const keys = targets.map((target) => (isClaimId(target) ? { target, id: target } : { target, path: this.normalizePaths([target], cwd, { external: input.external, literal: input.literal })[0]! }));
    const area = await this.changes.areaChanges(input.session);
    let nestedRoots: string[] = [];
    const own = await this.store.transaction((db, tx) => {
      if (input.all) nestedRoots = nestedRootsOf(db, input.session);
      this.housekeep(db, tx);
      const mine = (c: Claim) => c.session === input.session && (!input.agent || c.agent === input.agent);
      const chosen = new Set<Claim>();
      const notFound: string[] = [];
      const othersHeld: Claim[] = [];
      if (input.all) for (const claim of db.claims) if (mine(claim)) chosen.add(claim);
      for (const key of keys) {
        const matching = db.claims.filter((c) => ('id' in key ? c.id === key.id : c.path === key.path));
        if (!matching.length) notFound.push(key.target);
        for (const claim of matching) {
          if (mine(claim) || input.force) chosen.add(claim);
          else if ('id' in key || !matching.some(mine)) othersHeld.push(claim);
        }
      }
      if (othersHeld.length) {
        const first = othersHeld[0]!;
        throw new FlcError(
          'REFUSED',
          `${first.path} is held by ${holderLabel(first)} (${first.kind}), not by ${input.session}`,
          `ask its holder to release it, or take it over with: flc release --force ${first.path}`,
        );
      }
      db.claims = db.claims.filter((c) => !chosen.has(c));
      for (const claim of chosen) {
        const forced = !mine(claim);
        tx.emit({
          event: 'claim:released',
          session: claim.session,
          agent: claim.agent,
          path: claim.path,
          kind: claim.kind,
          claimId: claim.id,
          ...(forced ? { by: holderLabel(input), cause: 'forced' } : {}),
        });
      }
      this.changes.onReleased(db, tx, [...chosen], 'released', area);
      renewSession(db, input.session, tx.now);
      touchSession(db, input.session, tx.now, this.worktree(cwd), this.agentProcess);
      return { released: [...chosen], notFound };
    });
    return this.alsoNested(own, nestedRoots, (c) => c.release({ session: input.session, agent: input.agent, all: true }));
  }

  /** Could `session` claim these paths now? Read-only. */
  check(input: CheckInput): CheckResult {
    const nested = this.nestedFor(input.paths, input.cwd, input.literal);
    if (nested) return nested.check(input);
    const paths = this.normalizePaths(input.paths, input.cwd, { literal: input.literal });
    const db = this.store.read();
    const conflicts = findBlockers({ session: input.session, agent: input.agent, paths, kind: input.kind ?? 'write' }, liveView(db, Date.now()), Date.now());
    return { ok: conflicts.length === 0, paths, conflicts };
  }

  /** Live claims and waiters, optionally only those touching `paths` or held by `session`. Read-only. */
  status(input: StatusInput = {}): StatusResult {
    const nested = this.nestedFor(input.paths, input.cwd);
    if (nested) return nested.status(input);
    const now = Date.now();
    const db = liveView(this.store.read(), now);
    const patterns = input.paths?.length ? this.normalizePaths(input.paths, input.cwd) : null;
    const touches = (p: string) => !patterns || patterns.some((q) => patternsOverlap(p, q));
    const bySession = (h: Holder) => !input.session || h.session === input.session;
    return {
      claims: db.claims.filter((c) => touches(c.path) && bySession(c)),
      waiters: db.waiters.filter((w) => w.paths.some(touches) && bySession(w)),
      sessions: db.sessions,
      changes: this.changes.describe(db, now).filter((r) => touches(escapeLiteral(r.path)) && bySession(r)),
    };
  }

  /**
   * The pre-commit check: staged paths (both sides of renames, deletions too) covered by other
   * sessions' live claims. Write/exclusive claims block, read claims warn, claims from other
   * worktrees follow `guard.otherWorktrees`; `guard.mode` warn turns blocks into warnings.
   * Refusals are journaled.
   */
  async guard(input: GuardInput): Promise<GuardReport> {
    const config = this.store.config();
    const mode = input.mode ?? config['guard.mode'];
    const report: GuardReport = { mode, session: input.session, checked: 0, blocked: [], warnings: [], owned: [], unstaged: [] };
    if (mode === 'off') return report;
    const changes = await stagedChanges(this.repo.root);
    report.checked = changes.length;
    if (!changes.length || !this.store.exists()) return report;
    report.owned = await this.changes.guardFindings(changes, input.session);
    const findings = evaluateGuard({
      changes,
      claims: liveView(this.store.read(), Date.now()).claims,
      session: input.session,
      worktree: this.repo.root,
      otherWorktrees: config['guard.otherWorktrees'],
      now: Date.now(),
      links: stagedLinkTargets(await stagedLinkChanges(this.repo.root), this.repo.root),
    });
    for (const finding of findings) {
      if (finding.severity === 'block' && mode === 'block') report.blocked.push(finding);
      else report.warnings.push(finding);
    }
    if (mode === 'block' && report.owned.length) await this.changes.journalBlocked(report.owned, input.session, 'pre-commit');
    if (input.unstage && mode === 'block' && report.owned.length) {
      // Owned changes whose owner holds no claim on them (its turn is over) were staged by the
      // sweep, not by an owner at work: they leave the index again. A held file stays staged.
      const held = new Set(report.blocked.map((f) => f.path));
      report.unstaged = await this.changes.unstage(report.owned.map((f) => f.path).filter((p) => !held.has(p)));
    }
    if (report.blocked.length) {
      await this.store.record(
        report.blocked.map((f) => ({
          event: 'guard:blocked' as const,
          session: input.session,
          path: f.path,
          cause: f.why,
          detail: f.change,
          holder: { session: f.claim.session, agent: f.claim.agent, kind: f.claim.kind, path: f.claim.path },
        })),
      );
    }
    return report;
  }

  /**
   * One session continues under a new id (Claude Code's /clear or --resume): its owned and
   * watched changes follow it (journaled as `changes:adopted`, cause "same session, new id").
   * Claims are not moved here. A new session (/new) must not call this: it inherits nothing.
   */
  transferSession(from: string, to: string) {
    return this.changes.transferSession(from, to);
  }

  /** The `reference-transaction` check: see coordinator/ref-guard. */
  guardRefs(input: RefGuardInput): Promise<RefGuardReport> {
    return guardRefUpdates(this.repo, this.store, this.changes, input);
  }

  /**
   * Commits exactly the changed files this session holds write/exclusive claims on (or the
   * given subset), with git's `commit --only`: whatever else is staged, by anyone, stays staged
   * and uncommitted. New files are added first. The commit runs the hooks as that session.
   */
  async commitOwn(input: CommitInput): Promise<CommitResult> {
    const now = Date.now();
    const db = liveView(this.store.read(), now);
    const held = db.claims.filter((c) => c.session === input.session && c.kind !== 'read');
    const mine = this.changes.commitScope(db, input.session);
    if (!held.length && !mine.owned.size) {
      throw new FlcError('REFUSED', `${input.session} holds no write or exclusive claims and owns no uncommitted changes, so there is nothing of its own to commit`, 'claim the files you changed first (flc claim <path>), or commit with git');
    }
    const wanted = input.paths?.length ? this.normalizePaths(input.paths, input.cwd) : null;
    for (const pattern of wanted ?? []) {
      if (!held.some((c) => patternsOverlap(c.path, pattern)) && ![...mine.owned].some((p) => patternsOverlap(p, pattern))) {
        throw new FlcError('REFUSED', `${pattern} is not claimed by ${input.session} and holds no changes it owns`, 'commit only files you hold or own; see `flc status --session <you>`');
      }
    }
    const { tracked, untracked } = await changedFiles(this.repo.root);
    // Its claimed files and its owned changes; never a file holding another session's changes.
    const covers = (file: string) =>
      !mine.others.has(file) &&
      (mine.owned.has(file) || held.some((c) => patternsOverlap(c.path, escapeLiteral(file)))) &&
      (!wanted || wanted.some((p) => patternsOverlap(p, escapeLiteral(file))));
    const files = [...tracked, ...untracked].filter(covers);
    // A file shared under changes.claims=allow holds another session's part too: never committed here.
    const leftOut = [...tracked, ...untracked]
      .filter((file) => mine.others.has(file) && held.some((c) => patternsOverlap(c.path, escapeLiteral(file))) && (!wanted || wanted.some((p) => patternsOverlap(p, escapeLiteral(file)))))
      .map((file) => ({ path: file, owner: mine.others.get(file)! }));
    if (!files.length && leftOut.length) {
      const owners = [...new Set(leftOut.map((f) => f.owner))].join(', ');
      throw new FlcError('REFUSED', `${leftOut.map((f) => f.path).join(', ')} also hold${leftOut.length === 1 ? 's' : ''} uncommitted changes of ${owners}: flc commit never commits another session's part of a file`, `ask ${owners} to commit, or take the changes over first: flc adopt ${leftOut.map((f) => f.path).join(' ')}`);
    }
    if (!files.length) {
      throw new FlcError('REFUSED', `none of the files ${input.session} holds has changes to commit`, 'see `git status` and `flc status`');
    }
    const git = (await gitAt(this.repo.root)).env({ ...process.env, FLC_SESSION: input.session });
    const newFiles = untracked.filter(covers);
    try {
      if (newFiles.length) await git.raw(['add', '--', ...newFiles]);
      await git.raw(['commit', '--only', '-m', input.message, '--', ...files]);
    } catch (error) {
      const text = (error as Error).message.trim().split('\n').filter(Boolean);
      throw new FlcError('REFUSED', `git commit failed: ${text.slice(0, 12).join('\n')}`, 'fix what git reports and run flc commit again');
    }
    const commit = (await git.raw(['rev-parse', 'HEAD'])).trim();
    await this.changes.clearClean((r) => r.worktree === this.repo.root && files.includes(r.path));
    let released: Claim[] = [];
    if (input.release) {
      const used = held.filter((c) => files.some((f) => patternsOverlap(c.path, escapeLiteral(f))));
      released = (await this.release({ targets: used.map((c) => c.id), session: input.session })).released;
    }
    return { commit, files, released, leftOut };
  }

  /**
   * Renews every live claim of `session` (activity). Returns how many. `event` also journals
   * an agent session starting (`session:started`).
   */
  async renew(session: string, event?: { started: true; detail?: string }): Promise<number> {
    return this.store.transaction((db, tx) => {
      this.housekeep(db, tx);
      touchSession(db, session, tx.now, this.worktree(), this.agentProcess);
      if (event) tx.emit({ event: 'session:started', session, detail: event.detail });
      this.changes.onActivity(db, tx, session);
      return renewSession(db, session, tx.now);
    });
  }

  private worktree(cwd: string = this.cwd): string {
    return cwd === this.cwd ? this.repo.root : findRepo(cwd).root;
  }

  /** Drops expired claims (journaled), waiters whose process is gone, and old sessions. */
  private housekeep(db: DbData, tx: Tx): void {
    renewClaimsOfLiveSessions(db, tx.now);
    const expired = pruneExpired(db, tx.now);
    for (const claim of expired) {
      tx.emit({ event: 'claim:expired', session: claim.session, agent: claim.agent, path: claim.path, kind: claim.kind, claimId: claim.id, cause: 'ttl' });
    }
    for (const waiter of db.waiters.filter((w) => isStalledWaiter(w, tx.now))) {
      tx.emit({ event: 'claim:skipped', session: waiter.session, agent: waiter.agent, path: waiter.paths.join(' '), kind: waiter.kind, cause: 'stalled', detail: `left its free paths untaken since ${waiter.readyAt}; it loses its place` });
    }
    this.changes.onReleased(db, tx, expired, 'expired');
    db.waiters = db.waiters.filter((w) => waiterAlive(w, tx.now));
    stampReadyWaiters(db, tx.now);
    db.sessions = db.sessions.filter((s) => Date.parse(s.lastSeen) + SESSION_RETENTION_MS > tx.now || db.claims.some((c) => c.session === s.id));
  }

  private grant(db: DbData, tx: Tx, request: Holder & { paths: string[]; kind: ClaimKind }, options: Omit<Parameters<typeof grantClaims>[2], 'now'>): Claim[] {
    const claims = grantClaims(db, request, { ...options, now: tx.now });
    this.changes.onGranted(db, tx, request, request.kind, claims);
    renewSession(db, request.session, tx.now);
    touchSession(db, request.session, tx.now, options.worktree, this.agentProcess);
    for (const claim of claims) {
      tx.emit({ event: 'claim:acquired', session: claim.session, agent: claim.agent, path: claim.path, kind: claim.kind, claimId: claim.id });
    }
    return claims.map((c) => ({ ...c }));
  }

  private refuse(tx: Tx, request: Holder & { kind: ClaimKind }, cause: RefusalCause, blockers: Blocker[], cycle?: Holder[]): Refusal {
    for (const b of blockers) {
      tx.emit({
        event: 'claim:conflicted',
        session: request.session,
        agent: request.agent,
        path: b.path,
        kind: request.kind,
        cause,
        holder: { session: b.session, agent: b.agent, kind: b.kind, path: b.heldPath, ...(b.queued ? { queued: true } : {}) },
      });
    }
    const first = blockers[0];
    const cycleLabels = cycle?.map(holderLabel);
    return {
      granted: false as const,
      holder: first ? holderLabel(first) : '',
      error: refusalMessage(cause, blockers, cycleLabels),
      cause,
      conflicts: blockers,
      ...(cycleLabels ? { cycle: cycleLabels } : {}),
    };
  }
}

/** How another session's owned changes get freed. */
function howToFree(b: Blocker): string {
  return `they are freed when ${b.session} commits them, hands them over (flc release --changes ${b.heldPath}), or you adopt them (flc adopt ${b.heldPath})`;
}

function refusalMessage(cause: RefusalCause, blockers: Blocker[], cycle: string[] | undefined): string {
  if (cause === 'deadlock') return `Deadlock: waiting would close the cycle ${cycle!.join(' -> ')}`;
  const first = blockers[0];
  const what = first ? describeBlocker(first) : 'the path is no longer free';
  if (first?.changes) return `${what}; ${howToFree(first)}`;
  if (cause === 'timeout') return `Timeout waiting for lock: ${what}`;
  if (cause === 'aborted') return `Wait cancelled: ${what}`;
  return what;
}

/** The one-line error of a refusal: whose claim (or queued request) is in the way. */
function describeBlocker(b: Blocker): string {
  if (b.changes) {
    const via = b.heldPath === b.path ? b.path : `${b.path} overlaps ${b.heldPath}, which`;
    return `${via} holds uncommitted changes owned by ${b.session}`;
  }
  const who = b.agent ? `${b.session} (agent ${b.agent})` : b.session;
  if (b.heldPath !== b.path) {
    if (b.queued) return `${b.path} overlaps ${b.heldPath}, which ${who} is queued for first (${b.kind})`;
    return `${b.path} overlaps ${b.heldPath}, held by ${who} with a ${b.kind} claim`;
  }
  if (b.queued) return `${b.path} is wanted first by ${who}, queued for a ${b.kind} claim`;
  return `${b.path} is held by ${who} with a ${b.kind} claim`;
}

function enqueue(
  db: DbData,
  tx: Tx,
  request: Holder & { paths: string[]; kind: ClaimKind },
  options: { ttlMs: number | null; worktree: string; deadline: number; reason?: string | undefined; id?: string; seq?: number },
): Waiter {
  const waiter: Waiter = {
    id: options.id ?? newId('w'),
    session: request.session,
    ...(request.agent ? { agent: request.agent } : {}),
    paths: request.paths,
    kind: request.kind,
    worktree: options.worktree,
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ttlMs: options.ttlMs,
    enqueuedAt: new Date(tx.now).toISOString(),
    seq: options.seq ?? db.nextSeq++,
    deadline: new Date(options.deadline).toISOString(),
    pid: process.pid,
    host: HOST,
    scope: processScope(),
  };
  db.waiters.push(waiter);
  db.waiters.sort((a, b) => a.seq - b.seq);
  return waiter;
}

/** The nested repositories (roots) `session` was granted claims in through this store (see rememberNested). */
function nestedRootsOf(db: DbData, session: string): string[] {
  const nested = db.sessions.find((s) => s.id === session)?.nested;
  return Array.isArray(nested) ? nested.filter((root): root is string => typeof root === 'string' && root.startsWith('/')) : [];
}

function touchSession(db: DbData, session: string, now: number, worktree: string, process?: AgentProcess): void {
  const nowIso = new Date(now).toISOString();
  const record = db.sessions.find((s) => s.id === session);
  if (record) {
    record.lastSeen = nowIso;
    record.worktree = worktree;
    if (process) record.process = process;
  } else {
    db.sessions.push({ id: session, firstSeen: nowIso, lastSeen: nowIso, worktree, ...(process ? { process } : {}) });
  }
}

/** A queued request whose process still waits: not past its deadline, its pid alive where we can see it, not stalled at the front. */
function waiterAlive(waiter: Waiter, now: number): boolean {
  return !isGhostWaiter(waiter, now) && !(pidVisible(waiter) && !pidAlive(waiter.pid)) && !isStalledWaiter(waiter, now);
}

/** The data as a reader should see it: expired claims and dead waiters left out. */
function liveView(db: DbData, now: number): DbData {
  return {
    ...db,
    claims: claimsWithLiveSessionsRenewed(db, now).filter((c) => isLive(c, now)),
    waiters: db.waiters.filter((w) => waiterAlive(w, now)),
  };
}

const CLAIM_ID = /^c-[0-9a-f]{8}$/;
function isClaimId(target: string): boolean {
  return CLAIM_ID.test(target);
}

function newId(prefix: 'c' | 'w'): string {
  return `${prefix}-${randomHex(8)}`;
}

/**
 * Owned changes that refuse a request now: those of sessions not also in its way with a live
 * claim or queued request (their work is in progress; the request waits for it to end first).
 */
function standingOwned(owned: Blocker[], blockers: Blocker[]): Blocker[] {
  return owned.filter((o) => !blockers.some((b) => b.session === o.session));
}
