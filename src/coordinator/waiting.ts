import { findWaitCycle } from '../core/deadlock.js';
import type { Blocker } from '../core/rules.js';
import type { DbData } from '../core/types.js';
import { isYoungestInCycle, queueBlockers, sessionsOnCycles } from '../core/waiting.js';
import type { Store } from '../store/store.js';
import { StoreWatcher } from '../store/watch.js';

/** A foreign waiter seen grantable this long without taking its grant gets its `readyAt` stamped. */
const GRACE_MS = 1000;
/** Re-evaluation without a change: claims expire and deadlines pass without writing the store. */
const TICK_MS = 1000;
const TICK_WITHOUT_WATCH_MS = 250;

/** The data as a reader should see it: expired claims and dead or stalled waiters left out. */
export type LiveView = (db: DbData, now: number) => DbData;

/**
 * One queued request of this process, asleep until the room finds something for it to do.
 * `wake` may come while it is not asleep (during its transaction): the next `sleep` returns at
 * once, so no change is missed.
 */
export class WaitMember {
  private woken = false;
  private stopSleeping: (() => void) | null = null;

  constructor(readonly waiterId: string) {}

  wake(): void {
    if (this.stopSleeping) this.stopSleeping();
    else this.woken = true;
  }

  /** Until woken, `ms` pass, or `signal` aborts; leaves no listener or timer behind. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.woken || signal?.aborted) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.stopSleeping = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      this.stopSleeping = done;
    });
  }
}

const rooms = new Map<string, WaitRoom>();

/**
 * Where every queued request of this process waits for one store: one directory watch, and at
 * each change (or tick) one lock-free read that finds the requests that can act now — at the
 * front with their paths free, giving way in a wait-for cycle, gone from the queue, or stuck
 * behind a waiter of another process that leaves a free path untaken — and wakes only those to
 * run their transaction. The others sleep on: N waiters cost one read per change, not N
 * transactions under the store lock.
 */
export class WaitRoom {
  private readonly members = new Map<string, WaitMember>();
  private watcher: StoreWatcher | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private scheduled = false;
  /** Foreign waiters seen grantable but not stamped yet, and since when (local clock). */
  private readySeen = new Map<string, number>();

  private constructor(private readonly store: Store, private readonly liveView: LiveView) {}

  /** The room of `store` in this process. */
  static for(store: Store, liveView: LiveView): WaitRoom {
    let room = rooms.get(store.dir);
    if (!room) rooms.set(store.dir, (room = new WaitRoom(store, liveView)));
    return room;
  }

  /** Starts watching (first member) and has the room look at once: a change before the watch began is not missed. */
  join(member: WaitMember): void {
    this.members.set(member.waiterId, member);
    if (!this.watcher) {
      this.watcher = new StoreWatcher(this.store.dir, () => this.schedule());
      this.ticker = setInterval(() => this.schedule(), this.watcher.watching ? TICK_MS : TICK_WITHOUT_WATCH_MS);
      this.ticker.unref();
    }
    this.schedule();
  }

  leave(member: WaitMember): void {
    if (this.members.get(member.waiterId) === member) this.members.delete(member.waiterId);
    if (this.members.size) return;
    this.watcher?.close();
    this.watcher = null;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.readySeen.clear();
    if (rooms.get(this.store.dir) === this) rooms.delete(this.store.dir);
  }

  /** A burst of change events (a rename fires several) becomes one evaluation. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.evaluate();
      } catch {
        this.wakeAll(); // never crash a server over a look-ahead: the transactions decide
      }
    });
  }

  private evaluate(): void {
    if (!this.members.size) return;
    let db: DbData;
    try {
      db = this.store.read();
    } catch {
      this.wakeAll(); // their transactions report it
      return;
    }
    const now = Date.now();
    const live = this.liveView(db, now);
    const blockers = queueBlockers(live, now);
    const seen = new Map<string, number>();
    for (const waiter of live.waiters) {
      const foreign = !this.members.has(waiter.id);
      if (foreign && waiter.readyAt === undefined && blockers.get(waiter.id)!.length === 0) seen.set(waiter.id, this.readySeen.get(waiter.id) ?? now);
    }
    this.readySeen = seen;
    const cycles = sessionsOnCycles(live, blockers);
    const byId = new Map(live.waiters.map((w) => [w.id, w]));
    for (const member of this.members.values()) {
      if (this.isDue(member, live, byId, blockers, cycles, now)) member.wake();
    }
  }

  private wakeAll(): void {
    for (const member of this.members.values()) member.wake();
  }

  private isDue(member: WaitMember, db: DbData, byId: Map<string, DbData['waiters'][number]>, blockers: Map<string, Blocker[]>, cycles: Set<string>, now: number): boolean {
    const self = byId.get(member.waiterId);
    if (!self) return true; // dropped from the queue: it queues again
    const mine = blockers.get(self.id)!;
    if (!mine.length) return true; // at the front, paths free
    if (cycles.has(self.session)) {
      const cycle = findWaitCycle(self, mine, db, now);
      if (cycle && isYoungestInCycle(self, cycle, db.waiters)) return true; // it gives way
    }
    // A waiter ahead that leaves free paths untaken: this one's transaction stamps it (readyAt).
    return mine.some((b) => b.waiterId !== undefined && now - (this.readySeen.get(b.waiterId) ?? now) >= GRACE_MS);
  }
}
