import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { age, timeLeft } from '../cli/describe.js';
import { table } from '../cli/style.js';
import { EXIT } from '../core/errors.js';
import { holderLabel } from '../core/types.js';

export class StatusCommand extends FlcCommand {
  static paths = [['status'], ['list'], ['ls']];
  static usage = Command.Usage({
    description: 'show live claims and waiting requests',
    details: `
      Lists the live claims (holder, kind, path, age, time left, reason) and the requests queued behind them. Give paths to see only what touches them (directories and globs overlap as they do for claims); \`--session\` shows one session's claims. \`flc list\` is the same command.

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
    const status = coordinator.status({ paths: this.targets, session: this.sessionFlag });
    if (this.json) {
      this.printJson({ claims: status.claims, waiters: status.waiters, sessions: status.sessions });
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
    return EXIT.ok;
  }
}
