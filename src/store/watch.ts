import fs from 'node:fs';

/**
 * Wakes a waiter when db.json is replaced: a watch on the store directory (db.json is renamed
 * into place, so a watch on the file itself would go stale). `fallbackMs` is a safety net for
 * filesystems without change events, not the main mechanism.
 */
export class StoreWatcher {
  private watcher: fs.FSWatcher | null = null;
  private pending = false;
  private wake: (() => void) | null = null;

  constructor(dir: string, fileName = 'db.json') {
    try {
      this.watcher = fs.watch(dir, { persistent: true }, (_type, name) => {
        if (name === null || name === fileName) this.signal();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      this.watcher = null; // polling alone still works
    }
  }

  private signal(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Resolves at the next change (or at once if one came since the last call), or after `ms`. */
  next(ms: number, fallbackMs = 250): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    const wait = Math.max(0, Math.min(ms, this.watcher ? fallbackMs * 4 : fallbackMs));
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      const wake = () => done();
      this.wake = wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).then(() => {
      this.wake = null;
      this.pending = false;
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    this.wake?.();
  }
}
