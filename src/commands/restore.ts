import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { ShellChangesService } from '../coordinator/shell-changes.js';
import { EXIT } from '../core/errors.js';
import { unescapeLiteral } from '../core/paths.js';

export class RestoreCommand extends FlcCommand {
  static paths = [['restore']];
  static usage = Command.Usage({
    description: "put back another session's version of a file an agent's shell command changed",
    details: `
      Before an agent's shell command runs (Claude Code's Bash, Pi's bash), flc keeps the current content of every file another session holds or owns in git's object store. When the command changes such a file, the agent and the user are told, and this command writes the kept version back: the newest one, or the newest of the session named with \`--from\`. The content it replaces is kept too (so a restore can be undone with \`flc restore <path> --from <you>\`), and the version's session owns the file's uncommitted changes again. Journaled as \`changes:restored\`.

      \`--list\` shows the kept versions (of one file, or all) instead.

      Kept versions are loose git objects that nothing references: \`git gc\` prunes them after \`gc.pruneExpire\` (two weeks by default).

      Exit codes: 0 restored (or already that content), 1 no kept version, 2 bad usage, 3 environment.
    `,
    examples: [
      ["Put back the version of the session whose file a command overwrote", 'flc restore src/app.ts --from 5f0c2a9e-claude-session'],
      ['Put back the newest kept version', 'flc restore src/app.ts'],
      ['List the kept versions', 'flc restore --list'],
    ],
  });

  target = Option.String({ required: false, name: 'path' });
  from = Option.String('--from', { description: 'The session whose version to put back (default: the newest kept version)' });
  list = Option.Boolean('--list', false, { description: 'List kept versions instead of restoring' });
  sessionFlag = Option.String('--session,-s', { description: 'Restore as this session (journaled as who did it)' });

  async run(): Promise<number> {
    if (!this.target && !this.list) throw usage('name the file to restore', 'flc restore <path> [--from <session>], or flc restore --list');
    const coordinator = this.coordinator();
    const service = new ShellChangesService(coordinator.repo, coordinator.store);
    const file = this.target ? unescapeLiteral(coordinator.normalizePaths([this.target], undefined, { literal: true })[0]!) : undefined;
    if (this.list) {
      const kept = service.kept(file).reverse();
      if (this.json) {
        this.printJson({ ok: true, kept });
        return EXIT.ok;
      }
      if (!kept.length) this.print(file ? `no kept versions of ${file}` : 'no kept versions');
      for (const k of kept) this.print(`${k.at}  ${k.path}  ${k.session}  ${k.blob.slice(0, 12)}${k.why ? `  (${k.why})` : ''}`);
      return EXIT.ok;
    }
    const session = this.session(this.sessionFlag);
    const result = await service.restore(file!, session, this.from);
    if (this.json) {
      this.printJson({ ok: true, path: result.path, session: result.version.session, blob: result.version.blob, replaced: result.replaced });
      return EXIT.ok;
    }
    if (result.unchanged) {
      this.print(`${result.path} already has the version of ${result.version.session}`);
      return EXIT.ok;
    }
    this.print(`${this.out.green('restored')} ${result.path} to the version of ${result.version.session} (kept ${result.version.at})`);
    if (result.replaced) this.print(this.out.dim(`the content it replaced is kept: flc restore ${result.path} --from ${session}`));
    return EXIT.ok;
  }
}
