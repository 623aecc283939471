import fs from 'node:fs';

/**
 * Calls `onChange` when db.json is replaced: a watch on the store directory (db.json is renamed
 * into place, so a watch on the file itself would go stale). `watching` is false on
 * filesystems without change events; the caller then relies on its own polling.
 */
export class StoreWatcher {
  private watcher: fs.FSWatcher | null = null;

  constructor(dir: string, onChange: () => void, fileName = 'db.json') {
    try {
      // Not persistent: whoever waits holds its own timer; a watch alone never keeps a process up.
      this.watcher = fs.watch(dir, { persistent: false }, (_type, name) => {
        if (name === null || name === fileName) onChange();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      this.watcher = null; // polling alone still works
    }
  }

  get watching(): boolean {
    return this.watcher !== null;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}
