import fs from 'node:fs';
import os from 'node:os';
import { randomHex } from '../core/random.js';

/**
 * A cross-process mutex: a lock file created atomically (hard link of a fully written temp
 * file, so the lock never exists half-written). It records its owner's pid, host and a nonce.
 *
 * Failure modes, as API:
 * - Stale lock: the owner died (same host, pid gone) or held it longer than `staleMs`.
 *   It is broken under a second "breaker" lock and only after re-reading that it is still the
 *   very lock (same nonce) judged stale, so recovery can never remove a newer owner's lock.
 * - Unreadable lock: a lock file that is not flc's (no owner to ask) is broken once older than
 *   `staleMs`, again only if it is still the same file.
 * - Stale breaker: a breaker killed within its few-microsecond critical section leaves
 *   `<lock>.break`; it is cleared once older than `staleMs`.
 * - Compromised: a holder that was frozen past `staleMs` may find its lock broken. `assertHeld`
 *   lets it check before it commits a write, and it then fails with LOCK_COMPROMISED.
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
  nonce: string;
  at: number;
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

export class Mutex {
  private readonly breakPath: string;
  private readonly staleMs: number;
  private readonly timeoutMs: number;

  constructor(readonly lockPath: string, options: MutexOptions = {}) {
    this.breakPath = `${lockPath}.break`;
    this.staleMs = options.staleMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async acquire(): Promise<Held> {
    const start = Date.now();
    let delay = 1;
    for (;;) {
      const held = this.tryAcquire();
      if (held) return held;
      const owner = readOwner(this.lockPath);
      if (owner && this.isStale(owner)) {
        this.breakStale(owner);
        continue;
      }
      if (!owner && this.breakUnreadable()) continue;
      if (Date.now() - start > this.timeoutMs) throw new MutexTimeoutError(this.lockPath, owner);
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 16);
    }
  }

  tryAcquire(): Held | null {
    const owner: Owner = { pid: process.pid, host: HOST, nonce: `${process.pid.toString(16)}-${randomHex(16)}`, at: Date.now() };
    const temp = `${this.lockPath}.${owner.nonce}`;
    fs.writeFileSync(temp, JSON.stringify(owner));
    try {
      fs.linkSync(temp, this.lockPath);
      return new Held(this.lockPath, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
      throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }

  isStale(owner: Owner): boolean {
    if (owner.host === HOST && !pidAlive(owner.pid)) return true;
    return Date.now() - owner.at > this.staleMs;
  }

  private breakStale(seen: Owner): void {
    if (!this.takeBreaker()) return;
    try {
      const current = readOwner(this.lockPath);
      if (current && current.nonce === seen.nonce) fs.rmSync(this.lockPath, { force: true });
    } finally {
      fs.rmSync(this.breakPath, { force: true });
    }
  }

  /**
   * A lock file flc cannot read (written by something else) cannot name its owner, so it is
   * judged by age alone, and broken only if it is still the very file (inode and mtime) seen.
   */
  private breakUnreadable(): boolean {
    const seen = fileIdentity(this.lockPath);
    if (!seen || Date.now() - seen.mtimeMs <= this.staleMs) return false;
    if (!this.takeBreaker()) return false;
    try {
      const current = fileIdentity(this.lockPath);
      if (current && current.ino === seen.ino && current.mtimeMs === seen.mtimeMs && !readOwner(this.lockPath)) {
        fs.rmSync(this.lockPath, { force: true });
        return true;
      }
      return false;
    } finally {
      fs.rmSync(this.breakPath, { force: true });
    }
  }

  private takeBreaker(): boolean {
    try {
      fs.writeFileSync(this.breakPath, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - fs.statSync(this.breakPath).mtimeMs > this.staleMs) fs.rmSync(this.breakPath, { force: true });
      } catch {
        // gone meanwhile: the next round tries again
      }
      return false;
    }
  }
}

export class Held {
  private released = false;

  constructor(readonly lockPath: string, readonly owner: Owner) {}

  /** Throws MutexCompromisedError when the lock on disk is no longer ours. */
  assertHeld(): void {
    const current = readOwner(this.lockPath);
    if (!current || current.nonce !== this.owner.nonce) throw new MutexCompromisedError(this.lockPath);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const current = readOwner(this.lockPath);
    if (current && current.nonce === this.owner.nonce) fs.rmSync(this.lockPath, { force: true });
  }
}

export function readOwner(lockPath: string): Owner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Owner;
    return typeof owner?.nonce === 'string' ? owner : null;
  } catch {
    return null;
  }
}

function fileIdentity(file: string): { ino: number; mtimeMs: number } | null {
  try {
    const stat = fs.statSync(file);
    return { ino: stat.ino, mtimeMs: stat.mtimeMs };
  } catch {
    return null;
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
