import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomHex } from '../core/random.js';
import { pauseBeforeWrite } from './test-pause.js';

/**
 * A cross-process mutex with fenced writes.
 *
 * Acquiring: a process has a private *stage* directory `<lock>.<pid>-<random>/` (made at its
 * first acquire, removed when it exits); it writes its owner record there and hard-links it to
 * `<lock>` (link fails if the lock exists, so the lock never exists half-written). The owner
 * record names pid, host, process scope (below), a nonce per acquisition, the stage and time.
 *
 * Fenced writes: a holder writes through `Held.writeFenced`: the new content goes into its stage
 * directory and is renamed from there onto the target. Breaking a lock first renames the
 * holder's stage directory away, so from that instant the holder's rename (one system call,
 * which a freeze cannot split) fails: a holder frozen across a break can never overwrite the
 * newer state, whatever its checks saw before it froze. Every temp file is unique to its
 * holder, so even two holders could never tear the file.
 *
 * Failure modes, as API:
 * - Dead owner: judged by pid only when the owner ran in this very process scope (same host,
 *   boot and PID namespace); a pid from another container of the same host, or from an owner
 *   record without a scope, says nothing, and the lock is judged by age instead.
 * - Stale lock: held longer than `staleMs` by its own clock, or seen unchanged by this process
 *   for `staleMs` (so a lock dated in the future by a skewed clock still goes stale). It is
 *   broken under a second "breaker" lock, and only after re-reading that it is still the very
 *   lock judged stale, so recovery never removes a newer owner's lock.
 * - Unreadable lock: a lock file that is not flc's is broken once older than `staleMs`, again
 *   only if it is still the same file.
 * - Stale breaker: a breaker killed within its few-microsecond critical section leaves
 *   `<lock>.break`; it is cleared at once when its process is visibly dead, else once stale.
 *   While another breaker works, an acquirer backs off and keeps to its timeout.
 * - Compromised: a holder whose lock was broken gets MutexCompromisedError from `writeFenced`
 *   (and from `assertHeld`), and nothing it wrote reaches the target.
 * - Leftovers: stage directories and temp files of killed processes are removed by
 *   `sweepLeftovers` (the store calls it under the lock) once older than `staleMs`; a live
 *   process whose idle stage was swept makes a new one.
 */
export interface MutexOptions {
  /** Age after which a lock held by a live process counts as stale (ms). */
  staleMs?: number;
  /** Give up acquiring after this long (ms). */
  timeoutMs?: number;
}

export interface Owner {
  pid: number;
  host: string;
  /** Boot and PID namespace of the owner (Linux); a pid is only meaningful within one scope. */
  scope?: string;
  nonce: string;
  at: number;
  /** The holder's stage directory (a sibling of the lock), revoked when the lock is broken. */
  stage?: string;
}

export class MutexTimeoutError extends Error {
  constructor(readonly lockPath: string, readonly owner: Owner | null) {
    super(`timed out waiting for ${lockPath}`);
  }
}

export class MutexCompromisedError extends Error {
  constructor(readonly lockPath: string) {
    super(`lock ${lockPath} was broken by another process while held`);
  }
}

const HOST = os.hostname();

interface Attempt {
  /** The stage directory (absolute). */
  dir: string;
  /** The owner record's file in it, the one linked to the lock. */
  file: string;
  owner: Owner;
}

/** Stage directories of this process, removed when it exits. */
const stagesToRemove = new Set<string>();
/** This process's stage directory per lock path (see Mutex.stage). */
const processStages = new Map<string, string>();
let exitHookInstalled = false;

function removeStagesAtExit(dir: string): void {
  stagesToRemove.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const stage of stagesToRemove) removeTree(stage);
  });
}

let scopeCache: string | undefined;

/**
 * Where this process's pid means something: host boot id and PID namespace on Linux
 * (containers of one pod share a hostname, not a PID namespace), "os" elsewhere.
 */
export function processScope(): string {
  if (scopeCache !== undefined) return scopeCache;
  try {
    const ns = fs.readlinkSync('/proc/self/ns/pid');
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    scopeCache = `${boot}/${ns}`;
  } catch {
    scopeCache = process.platform === 'linux' ? 'linux-unknown' : 'os';
  }
  return scopeCache;
}

/** True when `owner`'s pid can be checked from here: same host and same process scope. */
export function pidVisible(owner: { host?: unknown; scope?: unknown }): boolean {
  return owner.host === HOST && owner.scope === processScope() && processScope() !== 'linux-unknown';
}

export class Mutex {
  readonly breakPath: string;
  readonly staleMs: number;
  private readonly timeoutMs: number;

  constructor(readonly lockPath: string, options: MutexOptions = {}) {
    this.breakPath = `${lockPath}.break`;
    this.staleMs = options.staleMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async acquire(): Promise<Held> {
    const start = Date.now();
    const firstSeen = new Map<string, number>();
    let delay = 1;
    const attempt = this.newAttempt();
    let done = false;
    try {
      for (;;) {
        const result = this.link(attempt);
        if (result === 'held') {
          done = true;
          return new Held(this.lockPath, attempt.owner, attempt.dir, attempt.file);
        }
        if (result === 'stage-gone') {
          this.renewStage(attempt); // swept while this process idled or waited: start afresh
          continue;
        }
        const owner = readOwner(this.lockPath);
        if (owner) {
          if (!firstSeen.has(owner.nonce)) firstSeen.set(owner.nonce, Date.now());
          if (this.isStale(owner, Date.now() - firstSeen.get(owner.nonce)!) && this.breakStale(owner)) continue;
        } else if (this.breakUnreadable()) {
          continue;
        }
        if (Date.now() - start > this.timeoutMs) throw new MutexTimeoutError(this.lockPath, owner);
        await sleep(delay + Math.random() * delay);
        delay = Math.min(delay * 2, 16);
      }
    } finally {
      if (!done) fs.rmSync(attempt.file, { force: true });
    }
  }

  /** One attempt, without waiting. */
  tryAcquire(): Held | null {
    const attempt = this.newAttempt();
    let result = this.link(attempt);
    if (result === 'stage-gone') {
      this.renewStage(attempt);
      result = this.link(attempt);
    }
    if (result === 'held') return new Held(this.lockPath, attempt.owner, attempt.dir, attempt.file);
    fs.rmSync(attempt.file, { force: true });
    return null;
  }

  /**
   * Whether `owner`'s lock may be broken: its process is visibly dead, or it is older than
   * `staleMs`, or this process has seen it unchanged for `staleMs` (`observedMs`).
   */
  isStale(owner: Owner, observedMs = 0): boolean {
    if (pidVisible(owner) && !pidAlive(owner.pid)) return true;
    if (observedMs > this.staleMs) return true;
    const age = Date.now() - owner.at;
    return age > this.staleMs || age < -this.staleMs; // a time in the future is a skewed clock
  }

  /** This process's stage directory for this lock, if made yet (shared by every Mutex of the lock in the process). */
  private get stageDir(): string | null {
    return processStages.get(this.lockPath) ?? null;
  }

  /**
   * This process's stage directory, made on first use. One per lock and process, not per Mutex:
   * a long-lived process (`flc mcp`, `flc serve`, a library user) opens a Coordinator per call,
   * and a stage each would pile up until the process exits (and slow every transaction's
   * leftover scan). Concurrent attempts of one process already share it.
   */
  private stage(): string {
    const existing = this.stageDir;
    if (existing) return existing;
    const dir = `${this.lockPath}.${process.pid.toString(16)}-${randomHex(16)}`;
    fs.mkdirSync(dir);
    removeStagesAtExit(dir);
    processStages.set(this.lockPath, dir);
    return dir;
  }

  private newAttempt(): Attempt {
    const dir = this.stage();
    const nonce = `${process.pid.toString(16)}-${randomHex(16)}`;
    const owner: Owner = { pid: process.pid, host: HOST, scope: processScope(), nonce, at: 0, stage: path.basename(dir) };
    return { dir, file: path.join(dir, `owner-${nonce}`), owner };
  }

  /** The stage was swept or revoked: make a new one and move the attempt there. */
  private renewStage(attempt: Attempt): void {
    if (this.stageDir === attempt.dir) {
      stagesToRemove.delete(attempt.dir);
      processStages.delete(this.lockPath); // else a concurrent attempt of this process made the new one already
    }
    attempt.dir = this.stage();
    attempt.file = path.join(attempt.dir, `owner-${attempt.owner.nonce}`);
    attempt.owner.stage = path.basename(attempt.dir);
  }

  /** Writes the owner record (dated now) into the stage and links it to the lock. */
  private link(attempt: Attempt): 'held' | 'busy' | 'stage-gone' {
    attempt.owner.at = Date.now();
    try {
      fs.writeFileSync(attempt.file, JSON.stringify(attempt.owner));
      fs.linkSync(attempt.file, this.lockPath);
      return 'held';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return 'busy';
      if (code === 'ENOENT' && !fs.existsSync(attempt.dir)) return 'stage-gone';
      throw error;
    }
  }

  /**
   * Breaks `seen` if it is still the lock; true when the lock is gone (retry at once). The
   * holder's stage is revoked before its lock goes, so it cannot write once anyone else can
   * hold the lock. The lock is moved aside, not deleted, and put back if it turns out to be a
   * newer owner's (its holder released and another acquired in between); if even that lost a
   * race, that newer owner's stage is revoked too, so it fails instead of writing unprotected.
   */
  private breakStale(seen: Owner): boolean {
    if (!this.takeBreaker()) return false;
    try {
      const current = readOwner(this.lockPath);
      if (!current) return !fs.existsSync(this.lockPath);
      if (current.nonce !== seen.nonce) return false;
      revokeStage(this.lockPath, seen);
      const aside = `${this.lockPath}.${seen.nonce}.broken-${randomHex(4)}`;
      try {
        fs.renameSync(this.lockPath, aside);
      } catch {
        return true; // released meanwhile
      }
      const moved = readOwner(aside);
      if (moved && moved.nonce !== seen.nonce) {
        try {
          fs.linkSync(aside, this.lockPath);
        } catch {
          revokeStage(this.lockPath, moved);
        }
      }
      fs.rmSync(aside, { force: true });
      return true;
    } finally {
      this.releaseBreaker();
    }
  }

  /**
   * A lock file flc cannot read (written by something else) cannot name its owner, so it is
   * judged by age alone, and broken only if it is still the very file (inode and mtime) seen.
   */
  private breakUnreadable(): boolean {
    const seen = fileIdentity(this.lockPath);
    if (!seen) return true; // gone meanwhile
    if (Math.abs(Date.now() - seen.mtimeMs) <= this.staleMs) return false;
    if (!this.takeBreaker()) return false;
    try {
      const current = fileIdentity(this.lockPath);
      if (current && current.ino === seen.ino && current.mtimeMs === seen.mtimeMs && !readOwner(this.lockPath)) {
        fs.rmSync(this.lockPath, { force: true });
        return true;
      }
      return false;
    } finally {
      this.releaseBreaker();
    }
  }

  private breakerNonce: string | null = null;

  private takeBreaker(): boolean {
    const me: Owner = { pid: process.pid, host: HOST, scope: processScope(), nonce: `${process.pid.toString(16)}-${randomHex(16)}`, at: Date.now() };
    try {
      fs.writeFileSync(this.breakPath, JSON.stringify(me), { flag: 'wx' });
      this.breakerNonce = me.nonce;
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      this.clearStaleBreaker();
      return false;
    }
  }

  private releaseBreaker(): void {
    const current = readOwner(this.breakPath);
    if (!current || current.nonce === this.breakerNonce) fs.rmSync(this.breakPath, { force: true });
    this.breakerNonce = null;
  }

  /**
   * A breaker whose process is visibly dead is cleared at once; any other once older than
   * `staleMs`. It is moved aside first and put back if it turns out not to be the one judged.
   * Also part of the leftover sweep: a breaker killed mid-break leaves its file, which otherwise
   * only the next break would clear.
   */
  private clearStaleBreaker(): void {
    const seen = fileIdentity(this.breakPath);
    if (!seen) return;
    const owner = readOwner(this.breakPath);
    const dead = owner !== null && pidVisible(owner) && !pidAlive(owner.pid);
    if (!dead && Math.abs(Date.now() - seen.mtimeMs) <= this.staleMs) return;
    const aside = `${this.breakPath}.${randomHex(8)}`;
    try {
      fs.renameSync(this.breakPath, aside);
    } catch {
      return; // cleared by someone else
    }
    const moved = fileIdentity(aside);
    if (moved && moved.ino !== seen.ino) {
      try {
        fs.linkSync(aside, this.breakPath); // not the one judged: put it back
      } catch {
        // a newer breaker exists meanwhile; it works as before
      }
    }
    fs.rmSync(aside, { force: true });
  }

  /**
   * Removes what killed processes left next to the lock: a stale breaker's lock, stage
   * directories, old-style lock temp files, moved-aside breakers. Only entries older than `staleMs` (or of a visibly dead
   * process) and never the current owner's. Call it while holding the lock. Returns the names.
   */
  sweepLeftovers(names: string[] = safeReaddir(path.dirname(this.lockPath))): string[] {
    this.clearStaleBreaker();
    const removed: string[] = [];
    for (const entry of this.leftovers(names)) {
      if (!entry.removable) continue;
      removeTree(path.join(path.dirname(this.lockPath), entry.name));
      removed.push(entry.name);
    }
    return removed;
  }

  /**
   * The lock's leftovers in `names` (a directory listing), and whether each may go now (older
   * than `staleMs`). Never the current owner's stage, nor this process's own.
   */
  leftovers(names: string[] = safeReaddir(path.dirname(this.lockPath))): Array<{ name: string; ageMs: number; removable: boolean }> {
    const base = path.basename(this.lockPath);
    const found: Array<{ name: string; ageMs: number; removable: boolean }> = [];
    const own = this.stageDir ? path.basename(this.stageDir) : '';
    let current: string | undefined;
    for (const name of names) {
      if (!name.startsWith(`${base}.`) || name === path.basename(this.breakPath) || name === own) continue;
      current ??= readOwner(this.lockPath)?.stage ?? '';
      if (name === current) continue;
      const identity = fileIdentity(path.join(path.dirname(this.lockPath), name));
      if (!identity) continue;
      const ageMs = Date.now() - identity.mtimeMs;
      found.push({ name, ageMs, removable: Math.abs(ageMs) > this.staleMs });
    }
    return found;
  }
}

export class Held {
  private released = false;

  constructor(readonly lockPath: string, readonly owner: Owner, readonly stageDir: string, private readonly ownerFile: string) {}

  /** Throws MutexCompromisedError when the lock on disk is no longer ours. */
  assertHeld(): void {
    const current = readOwner(this.lockPath);
    if (!current || current.nonce !== this.owner.nonce || !fs.existsSync(this.stageDir)) throw new MutexCompromisedError(this.lockPath);
  }

  /**
   * Replaces `target` with `text` only while this lock is still ours: the text is staged in
   * our stage directory and renamed onto the target, a single atomic step that fails once a
   * breaker has revoked the stage. Throws MutexCompromisedError then (the target is untouched).
   */
  writeFenced(target: string, text: string): void {
    const staged = path.join(this.stageDir, `next-${randomHex(4)}`);
    try {
      fs.writeFileSync(staged, text);
      pauseBeforeWrite();
      fs.renameSync(staged, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(this.stageDir)) throw new MutexCompromisedError(this.lockPath);
      fs.rmSync(staged, { force: true });
      throw error;
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const current = readOwner(this.lockPath);
    if (current && current.nonce === this.owner.nonce) fs.rmSync(this.lockPath, { force: true });
    fs.rmSync(this.ownerFile, { force: true });
  }
}

/** Takes a holder's stage directory away (atomically, by renaming it), then deletes it. */
function revokeStage(lockPath: string, owner: Owner): void {
  if (!owner.stage || owner.stage.includes('/') || !owner.stage.startsWith(`${path.basename(lockPath)}.`)) return; // an old-style owner without a stage
  const stage = path.join(path.dirname(lockPath), owner.stage);
  const revoked = `${stage}.revoked-${randomHex(4)}`;
  try {
    fs.renameSync(stage, revoked);
  } catch {
    return; // already revoked
  }
  removeTree(revoked);
}

export function readOwner(file: string): Owner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as Owner;
    return typeof owner?.nonce === 'string' && typeof owner.pid === 'number' ? owner : null;
  } catch {
    return null;
  }
}

function fileIdentity(file: string): { ino: number; mtimeMs: number } | null {
  try {
    const stat = fs.lstatSync(file);
    return { ino: stat.ino, mtimeMs: stat.mtimeMs };
  } catch {
    return null;
  }
}

/** Removes a stage directory (its few known files, then itself), or anything else, recursively. */
function removeTree(target: string): void {
  try {
    for (const name of fs.readdirSync(target)) fs.unlinkSync(path.join(target, name));
    fs.rmdirSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    try {
      fs.rmSync(target, { recursive: true, force: true });
    } catch {
      // best effort: a leftover is swept later
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
