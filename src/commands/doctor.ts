import fs from 'node:fs';
import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { isFlcError, EXIT } from '../core/errors.js';
import { isLive } from '../core/rules.js';
import { readOwner } from '../store/mutex.js';
import { describeProblems } from '../core/validate.js';
import { guardHookStatus, refTransactionHookStatus } from '../git/hooks.js';
import { inspectClaudeHooks } from '../install/claude.js';
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
      Checks the repository, \`db.json\` (readable, valid, how many claims and waiters), \`config.json\`, the journal, the store lock, whether the pre-commit guard and the reference-transaction guard are installed where git will run them, the owned changes (records whose file matches HEAD again are reported), where flc's Claude Code hooks are installed, whether their command finds flc and their PreToolUse timeout leaves room for \`waitTimeout\`, and whether Pi will load flc here (the personal extension, or the project's with the project trusted).

      Also: a \`db.json\` that is a symbolic link (refused), a journal that cannot be written, and temp files left by killed processes.

      \`--repair\` repairs \`db.json\`: bad entries (a null waiter, a claim of an unknown kind, ...) are dropped and every valid entry is kept; a file that is not a store at all is replaced by an empty store. The original is kept as \`db.json.corrupt-<time>-<id>\`, and the repair is journaled. It also breaks a lock left by a dead process, removes old temp files, and clears ownership of files that match HEAD again. It says what it did.

      Exit codes: 0 healthy (or repaired), 3 a problem remains.
    `,
    examples: [
      ['Check', 'flc doctor'],
      ['Repair a corrupt store', 'flc doctor --repair'],
    ],
  });

  repair = Option.Boolean('--repair', false, { description: 'Drop bad store entries (keeping the original aside), clear a dead lock and old temp files' });

  async run(): Promise<number> {
    const coordinator = this.coordinator();
    const store = coordinator.store;
    const checks: Check[] = [];
    const actions: string[] = [];
    checks.push({ name: 'repository', ok: true, detail: `${coordinator.repo.root} (store in ${store.dir})` });

    if (this.repair) {
      const owner = readOwner(store.mutex.lockPath);
      const stale = owner && store.mutex.isStale(owner);
      try {
        const { movedTo, dropped } = await store.repair(); // takes the lock: a stale one is broken
        if (stale) actions.push(`removed a stale lock left by pid ${owner.pid} on ${owner.host}`);
        if (movedTo && dropped.length) actions.push(`dropped ${dropped.length} bad entr${dropped.length === 1 ? 'y' : 'ies'} (${describeProblems(dropped)}), kept every valid one; the original is ${movedTo}`);
        else if (movedTo) actions.push(`moved the corrupt store to ${movedTo} and started an empty one`);
        const removed = await store.removeLeftovers();
        if (removed.length) actions.push(`removed ${removed.length} leftover temp file(s) of killed processes`);
      } catch (error) {
        if (!isFlcError(error)) throw error;
        actions.push(`could not repair: ${error.message}`); // the checks below say what remains
      }
    }

    if (!fs.existsSync(store.dbPath)) {
      checks.push({ name: 'db.json', ok: true, detail: 'not created yet (made on first claim or by `flc init`)' });
    } else {
      try {
        store.refuseSymlink();
        const db = store.read();
        const now = Date.now();
        const live = db.claims.filter((c) => isLive(c, now)).length;
        checks.push({ name: 'db.json', ok: true, detail: `${live} live claim(s), ${db.claims.length - live} expired, ${db.waiters.length} waiter(s), ${db.sessions.length} session(s)` });
      } catch (error) {
        const symlink = isFlcError(error) && /symbolic link/.test(error.message);
        checks.push({ name: 'db.json', ok: false, detail: isFlcError(error) ? error.message : String(error), fix: symlink ? error.hint! : 'flc doctor --repair' });
      }
    }

    try {
      store.config();
      checks.push({ name: 'config.json', ok: true, detail: fs.existsSync(store.configPath) ? 'valid' : 'defaults (no file)' });
    } catch (error) {
      checks.push({ name: 'config.json', ok: false, detail: isFlcError(error) ? error.message : String(error), fix: 'fix or delete the file' });
    }

    const journalSize = sizeOf(store.journal.path) + sizeOf(store.journal.rotatedPath);
    const journalProblem = store.journal.writeProblem();
    checks.push(
      journalProblem
        ? { name: 'journal', ok: false, detail: `${journalProblem}; changes are still saved, but not journaled`, fix: 'make the journal files writable by every user of the repository (or move them aside)' }
        : { name: 'journal', ok: true, detail: `${(journalSize / 1024).toFixed(1)} KiB in events.jsonl (+ events.1.jsonl)` },
    );

    const owner = readOwner(store.mutex.lockPath);
    if (!owner) {
      checks.push({ name: 'lock', ok: true, detail: fs.existsSync(store.mutex.lockPath) ? 'held by something that is not flc (broken once 10 s old)' : 'free' });
    } else if (store.mutex.isStale(owner)) {
      checks.push({ name: 'lock', ok: true, detail: `stale, left by pid ${owner.pid} on ${owner.host}; the next transaction breaks it` });
    } else {
      checks.push({ name: 'lock', ok: true, detail: `held by pid ${owner.pid} on ${owner.host} (a transaction in progress)` });
    }

    const leftovers = store.leftovers().filter((l) => l.removable);
    if (leftovers.length) {
      const names = leftovers.slice(0, 3).map((l) => l.name).join(', ');
      checks.push({
        name: 'leftovers',
        ok: false,
        detail: `${leftovers.length} leftover temp file(s) of killed processes: ${names}${leftovers.length > 3 ? ', ...' : ''}`,
        fix: 'flc doctor --repair (the next change to the store removes them too)',
      });
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

    const refGuard = refTransactionHookStatus(coordinator.repo);
    checks.push({ name: 'ref guard', ok: true, detail: refGuard.wouldRun ? `installed: the reference-transaction hook runs ${refGuard.detail}` : `not active: ${refGuard.detail}` });

    try {
      const owned = coordinator.changes.list();
      const clean = await coordinator.changes.cleanRecords(owned);
      if (clean.length && this.repair) {
        await coordinator.changes.clearClean((r) => clean.includes(r) || clean.some((c) => c.path === r.path && c.worktree === r.worktree && c.session === r.session));
        actions.push(`cleared ownership of ${clean.length} file(s) that match HEAD again: ${clean.map((r) => r.path).join(', ')}`);
      }
      checks.push({
        name: 'changes',
        ok: true,
        detail: clean.length && !this.repair
          ? `${owned.length} owned file(s); ${clean.length} match HEAD again (ownership is cleared on next status/guard/claim, or now with --repair): ${clean.map((r) => `${r.path} (${r.session})`).join(', ')}`
          : `${owned.length - (this.repair ? clean.length : 0)} file(s) hold owned uncommitted changes`,
      });
    } catch (error) {
      checks.push({ name: 'changes', ok: true, detail: `not checked: ${isFlcError(error) ? error.message : String(error)}` });
    }

    try {
      checks.push(...inspectClaudeHooks(coordinator.repo, store.config().waitTimeout));
    } catch {
      // config unreadable: reported above
    }
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
