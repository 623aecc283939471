import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

export class UndoCommand extends FlcCommand {
  static paths = [['undo']];
  static usage = Command.Usage({
    description: 'restore the files a command discarded, from a snapshot',
    details: `
      Writes back the files of a snapshot (\`flc snapshots\` lists them; default: the newest of this worktree) that differed from HEAD when it was taken. A file that is now as the discarding command left it is restored; one already as in the snapshot is left alone; one that changed since (neither) is kept, and named, unless \`--force\`. The user's index and branches are not touched. Restored files are owned again by the session whose work they were. Journaled as \`snapshot:restored\`.

      Exit codes: 0 restored (or nothing to do), 1 some files were kept because they changed since (use --force), 2 bad usage or unknown snapshot, 3 environment.
    `,
    examples: [
      ['Bring back what the last discarding command took', 'flc undo'],
      ['From a given snapshot, one file only', 'flc undo 20261206-074501-3fa2 src/app.ts'],
      ['Overwrite files changed since', 'flc undo --force'],
    ],
  });

  args = Option.Rest({ name: 'id and paths' });
  force = Option.Boolean('--force,-f', false, { description: 'Also overwrite files that changed since the snapshot' });
  sessionFlag = Option.String('--session,-s', { description: 'Act as this session (for the journal)' });

  async run(): Promise<number> {
    const session = this.session(this.sessionFlag);
    // A snapshot id starts with its date (20261206-074501-3fa2); anything else names files.
    const [first, ...rest] = this.args;
    const id = first && /^\d{8}(-|$)/.test(first) ? first : undefined;
    const files = id ? rest : this.args;
    const result = await this.coordinator().snapshots.undo({ session, id, paths: files, force: this.force, cwd: process.cwd() });
    if (this.json) {
      this.printJson({ ok: !result.kept.length, id: result.snapshot.id, restored: result.restored, same: result.same, kept: result.kept, snapshot: result.snapshot });
      return result.kept.length ? EXIT.refused : EXIT.ok;
    }
    const s = result.snapshot;
    this.print(`snapshot ${s.id} (before \`${s.command.replace(/\s+/g, ' ').slice(0, 80)}\` by ${s.session}):`);
    for (const file of result.restored) this.print(`  ${this.out.green('restored')} ${file}`);
    for (const file of result.same) this.print(`  ${this.out.dim('unchanged')} ${file}`);
    for (const file of result.kept) this.print(`  ${this.out.yellow('kept')} ${file}: changed since the snapshot (--force overwrites it)`);
    if (!result.restored.length && !result.kept.length) this.print('  nothing to restore: the files are as in the snapshot');
    return result.kept.length ? EXIT.refused : EXIT.ok;
  }
}
