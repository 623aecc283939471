import { Command } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { age } from '../cli/describe.js';
import { EXIT } from '../core/errors.js';

export class SnapshotsCommand extends FlcCommand {
  static paths = [['snapshots']];
  static usage = Command.Usage({
    description: 'list the working-tree snapshots saved before commands that discard changes',
    details: `
      Before an agent's command that discards working-tree changes runs (\`git stash\`, \`git checkout -- .\`, \`git reset --hard\`, \`git clean -f\`...), flc saves the working tree (tracked and untracked files, not ignored ones) as git objects under \`refs/flc/snapshots/<id>\`. This lists them, newest first: id, age, session, the command, and the files that differed from HEAD. \`flc undo [id]\` restores one.

      Snapshots are kept up to \`snapshots.keep\` (default 50) and \`snapshots.maxAge\` (default 7d).

      Exit codes: 0 done, 3 environment.
    `,
    examples: [
      ['List them', 'flc snapshots'],
      ['For a script', 'flc snapshots --json'],
    ],
  });

  async run(): Promise<number> {
    const snapshots = await this.coordinator().snapshots.list();
    if (this.json) {
      this.printJson({ snapshots });
      return EXIT.ok;
    }
    if (!snapshots.length) {
      this.print('no snapshots');
      return EXIT.ok;
    }
    for (const s of snapshots) {
      this.print(`${this.out.bold(s.id)}  ${age(s.createdAt)} ago  ${s.session}  before: ${s.command.replace(/\s+/g, ' ').slice(0, 80)}`);
      const shown = s.files.slice(0, 10).map((f) => `${f.status} ${f.path}`);
      for (const line of shown) this.print(`    ${line}`);
      if (s.files.length > shown.length) this.print(this.out.dim(`    ... and ${s.files.length - shown.length} more`));
    }
    return EXIT.ok;
  }
}
