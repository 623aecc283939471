import fs from 'node:fs';
import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { EXIT } from '../core/errors.js';
import { type JournalEvent, parseLine } from '../store/journal.js';

export class LogCommand extends FlcCommand {
  static paths = [['log']];
  static usage = Command.Usage({
    description: 'show the event journal',
    details: `
      Prints the last events of \`.git/flc/events.jsonl\`: claims acquired, released (and by whom when forced), conflicted (with the holder in the way), expired, and config changes. \`--follow\` keeps printing new events until interrupted. With \`--json\`, each event is one JSON object per line.

      Exit codes: 0 done, 2 bad usage, 3 environment.
    `,
    examples: [
      ['The last 20 events', 'flc log'],
      ['The last 100, as JSON lines', 'flc log -n 100 --json'],
      ['Watch events as they happen', 'flc log --follow'],
    ],
  });

  count = Option.String('-n,--lines', '20', { description: 'How many events (default 20)' });
  follow = Option.Boolean('--follow,-f', false, { description: 'Keep printing new events' });

  async run(): Promise<number> {
    if (!/^\d+$/.test(this.count)) throw usage(`-n expects a number, got "${this.count}"`, 'for example: flc log -n 50');
    const journal = this.coordinator().store.journal;
    for (const event of journal.tail(Number(this.count))) this.show(event);
    if (!this.follow) return EXIT.ok;
    await this.followJournal(journal.path);
    return EXIT.ok;
  }

  private show(event: JournalEvent): void {
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    const who = event.session ? (event.agent ? `${event.session}/${event.agent}` : event.session) : '';
    const holder = event.holder ? ` <- ${event.holder.session}${event.holder.agent ? `/${event.holder.agent}` : ''} (${event.holder.kind}${event.holder.queued ? ', queued' : ''} ${event.holder.path})` : '';
    const extra = [event.cause, event.by ? `by ${event.by}` : '', event.detail].filter(Boolean).join(' ');
    const fields = [this.out.dim(event.t), event.event.padEnd(16), who, event.kind ?? '', event.path ?? ''].filter(Boolean).join('  ');
    this.print(`${fields}${holder}${extra ? `  ${this.out.dim(extra)}` : ''}`);
  }

  /** Prints lines appended after the current end, following rotation, until SIGINT/SIGTERM. */
  private followJournal(file: string): Promise<void> {
    let offset = sizeOf(file);
    let partial = '';
    const dir = file.slice(0, file.lastIndexOf('/'));
    return new Promise((resolve) => {
      const readNew = () => {
        const size = sizeOf(file);
        if (size < offset) offset = 0; // rotated: the new file starts empty
        if (size === offset) return;
        const fd = fs.openSync(file, 'r');
        const buffer = Buffer.alloc(size - offset);
        fs.readSync(fd, buffer, 0, buffer.length, offset);
        fs.closeSync(fd);
        offset = size;
        const lines = (partial + buffer.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) for (const event of parseLine(line)) this.show(event);
      };
      fs.mkdirSync(dir, { recursive: true });
      const watcher = fs.watch(dir, () => readNew());
      const timer = setInterval(readNew, 1000);
      const stop = () => {
        watcher.close();
        clearInterval(timer);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
