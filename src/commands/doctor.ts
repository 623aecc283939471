import fs from 'node:fs';
import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { isFlcError, EXIT } from '../core/errors.js';
import { isLive } from '../core/rules.js';
import { readOwner } from '../store/mutex.js';
import { guardHookStatus } from '../git/hooks.js';
import { piLoadReport } from '../install/pi.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export class DoctorCommand extends FlcCommand {
  static paths = [['doctor']];
  static usage = Command.Usage({
    description: "check the store's health, and repair it",
    details: `
      Checks the repository, \`db.json\` (readable, valid, how many claims and waiters), \`config.json\`, the journal, the store lock, whether the pre-commit guard is installed where git will run it, and whether Pi will load flc here (the personal extension, or the project's with the project trusted).

      \`--repair\` moves a corrupt \`db.json\` aside (it is kept, as \`db.json.corrupt-<time>\`) and starts an empty store, and removes a lock left by a dead process. It says what it did.

      Exit codes: 0 healthy (or repaired), 3 a problem remains.
    `,
    examples: [
      ['Check', 'flc doctor'],
      ['Repair a corrupt store', 'flc doctor --repair'],
    ],
  });

  repair = Option.Boolean('--repair', false, { description: 'Move a corrupt store aside and start fresh; clear a dead lock' });

  async run(): Promise<number> {
    const coordinator = this.coordinator();
    const store = coordinator.store;
    const checks: Check[] = [];
    const actions: string[] = [];
    checks.push({ name: 'repository', ok: true, detail: `${coordinator.repo.root} (store in ${store.dir})` });

    if (this.repair) {
      const { movedTo } = await store.repair();
      if (movedTo) actions.push(`moved the corrupt store to ${movedTo} and started an empty one`);
    }

    if (!fs.existsSync(store.dbPath)) {
      checks.push({ name: 'db.json', ok: true, detail: 'not created yet (made on first claim or by `flc init`)' });
    } else {
      try {
        const db = store.read();
        const now = Date.now();
        const live = db.claims.filter((c) => isLive(c, now)).length;
        checks.push({ name: 'db.json', ok: true, detail: `${live} live claim(s), ${db.claims.length - live} expired, ${db.waiters.length} waiter(s), ${db.sessions.length} session(s)` });
      } catch (error) {
        checks.push({ name: 'db.json', ok: false, detail: isFlcError(error) ? error.message : String(error), fix: 'flc doctor --repair' });
      }
    }

    try {
      store.config();
      checks.push({ name: 'config.json', ok: true, detail: fs.existsSync(store.configPath) ? 'valid' : 'defaults (no file)' });
    } catch (error) {
      checks.push({ name: 'config.json', ok: false, detail: isFlcError(error) ? error.message : String(error), fix: 'fix or delete the file' });
    }

    const journalSize = sizeOf(store.journal.path) + sizeOf(store.journal.rotatedPath);
    checks.push({ name: 'journal', ok: true, detail: `${(journalSize / 1024).toFixed(1)} KiB in events.jsonl (+ events.1.jsonl)` });

    const owner = readOwner(store.mutex.lockPath);
    if (!owner) {
      checks.push({ name: 'lock', ok: true, detail: 'free' });
    } else if (store.mutex.isStale(owner)) {
      if (this.repair) {
        fs.rmSync(store.mutex.lockPath, { force: true });
        actions.push(`removed a stale lock left by pid ${owner.pid} on ${owner.host}`);
        checks.push({ name: 'lock', ok: true, detail: 'free (stale lock removed)' });
      } else {
        checks.push({ name: 'lock', ok: true, detail: `stale, left by pid ${owner.pid} on ${owner.host}; the next transaction breaks it` });
      }
    } else {
      checks.push({ name: 'lock', ok: true, detail: `held by pid ${owner.pid} on ${owner.host} (a transaction in progress)` });
    }

    const guard = guardHookStatus(coordinator.repo);
    let mode = 'unknown (config unreadable)';
    try {
      mode = store.config()['guard.mode'];
    } catch {
      // reported by the config.json check above
    }
    checks.push({
      name: 'guard',
      ok: true, // a missing guard is a choice (flc init --no-guard), not a fault
      detail: guard.wouldRun ? `installed and runs on commit ${guard.detail}; guard.mode = ${mode}` : `not active: ${guard.detail}`,
    });

    checks.push({ name: 'pi', ...piLoadReport(coordinator.repo) });

    const healthy = checks.every((c) => c.ok);
    if (this.json) {
      this.printJson({ healthy, checks, actions });
    } else {
      for (const action of actions) this.print(`${this.out.yellow('repaired:')} ${action}`);
      for (const check of checks) {
        const mark = check.ok ? this.out.green('ok  ') : this.out.red('FAIL');
        this.print(`${mark} ${check.name.padEnd(11)} ${check.detail}${check.fix ? `\n     fix: ${check.fix}` : ''}`);
      }
    }
    return healthy ? EXIT.ok : EXIT.environment;
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
