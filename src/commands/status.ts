import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { age, timeLeft } from '../cli/describe.js';
import { table } from '../cli/style.js';
import { EXIT } from '../core/errors.js';
import { holderLabel } from '../core/types.js';

export class StatusCommand extends FlcCommand {
  static paths = [['status'], ['list'], ['ls']];
  static usage = Command.Usage({
    description: 'show live claims, waiting requests and owned uncommitted changes',
    details: `
      Lists the live claims (holder, kind, path, age, time left, reason), the requests queued behind them, and the owned changes: files holding a session's uncommitted changes (path, owner, since when, and whether the owner is \`live\`, \`inactive\` — no live claim and not seen for a TTL, e.g. crashed — or \`ended\`). Ownership of a file that matches HEAD again is cleared first (one \`git status\`). Give paths to see only what touches them (directories and globs overlap as they do for claims); \`--session\` shows one session's claims. \`flc list\` is the same command.

      Exit codes: 0 always when the store can be read, 2 bad usage, 3 environment.
    `,
    examples: [
      ['Everything', 'flc status'],
      ['Who holds anything under src/api/', 'flc status src/api/'],
      ['One session, as JSON', 'flc status --session agent-7 --json'],
    ],
  });

  targets = Option.Rest({ name: 'path' });
  sessionFlag = Option.String('--session,-s', { description: 'Only claims of this session' });

  async run(): Promise<number> {
    const coordinator = this.coordinator();
    await coordinator.changes.clearClean().catch(() => undefined); // git unavailable: show the records as they are
    const status = coordinator.status({ paths: this.targets, session: this.sessionFlag });
    if (this.json) {
      this.printJson({ claims: status.claims, waiters: status.waiters, sessions: status.sessions, changes: status.changes });
      return EXIT.ok;
    }
    const now = Date.now();
    if (!status.claims.length) {
      this.print(this.out.dim(this.targets.length || this.sessionFlag ? 'no matching claims' : 'no claims'));
    } else {
      const rows = status.claims.map((c) => [holderLabel(c), c.kind, c.path, age(c.acquiredAt, now), timeLeft(c.expiresAt, now), c.reason ?? '']);
      this.print(table(['HOLDER', 'KIND', 'PATH', 'AGE', 'EXPIRES IN', 'REASON'], rows, this.out));
    }
    if (status.waiters.length) {
      const rows = status.waiters.map((w) => [holderLabel(w), w.kind, w.paths.join(' '), age(w.enqueuedAt, now), timeLeft(w.deadline, now), w.reason ?? '']);
      this.print('');
      this.print(this.out.bold('Waiting:'));
      this.print(table(['WAITER', 'KIND', 'PATHS', 'WAITING', 'GIVES UP IN', 'REASON'], rows, this.out));
    }
    if (status.changes.length) {
      const rows = status.changes.map((c) => [c.session, c.path, age(c.since, now), ownerText(c.owner, c.ownerLastSeen, now)]);
      this.print('');
      this.print(this.out.bold('Uncommitted changes (owned until committed, handed over or adopted):'));
      this.print(table(['OWNER', 'PATH', 'OWNED FOR', 'OWNER IS'], rows, this.out));
    }
    return EXIT.ok;
  }
}

function ownerText(state: string, lastSeen: string | null, now: number): string {
  if (state === 'live') return 'live';
  return lastSeen ? `${state} (last seen ${age(lastSeen, now)} ago)` : state;
}
