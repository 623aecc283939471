import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

export class CommitCommand extends FlcCommand {
  static paths = [['commit']];
  static usage = Command.Usage({
    description: 'commit only the files this session holds',
    details: `
      Commits exactly the changed files the session holds \`write\` or \`exclusive\` claims on (directory and glob claims cover the changed files below them), or the given subset of them, with git's own \`commit --only\`: whatever else is staged or changed — another session's work — stays as it was, uncommitted. New files covered by a claim are added. The commit runs your git hooks, the flc guard among them, as this session.

      Refuses (exit 1) when the session holds nothing, when a given path is not held by it, or when none of its files changed. \`--release\` releases the claims that covered the committed files afterwards.

      Exit codes: 0 committed, 1 refused (or git refused, e.g. a hook), 2 bad usage, 3 environment.
    `,
    examples: [
      ['Commit everything you hold', 'flc commit -m "Fix login redirect"'],
      ['Commit part of it, then let go', 'flc commit -m "Add users API" --release -- src/api/'],
      ['As a named session', 'flc commit -m "wip" --session agent-7'],
    ],
  });

  message = Option.String('-m,--message', { description: 'The commit message' });
  sessionFlag = Option.String('--session,-s', { description: 'Commit for this session' });
  release = Option.Boolean('--release', false, { description: 'Release the claims that covered the committed files' });
  targets = Option.Rest({ name: 'path' });

  async run(): Promise<number> {
    if (!this.message?.trim()) throw usage('a commit message is required', 'flc commit -m "<message>"');
    const session = this.session(this.sessionFlag);
    const result = await this.coordinator().commitOwn({ session, message: this.message, paths: this.targets, release: this.release });
    if (this.json) {
      this.printJson({ ok: true, session, ...result });
      return EXIT.ok;
    }
    this.print(`${this.out.green('committed')} ${result.commit.slice(0, 10)}: ${result.files.length} file${result.files.length === 1 ? '' : 's'} of ${session}`);
    for (const file of result.files) this.print(`  ${file}`);
    for (const file of result.leftOut) this.print(`  not committed: ${file.path} (it also holds uncommitted changes of ${file.owner})`);
    if (result.released.length) this.print(`released ${result.released.map((c) => c.path).join(', ')}`);
    return EXIT.ok;
  }
}
