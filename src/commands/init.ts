import { Command } from 'clipanion';
import { FlcCommand } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

export class InitCommand extends FlcCommand {
  static paths = [['init']];
  static usage = Command.Usage({
    description: 'set flc up in this repository',
    details: `
      Creates the claim store (\`db.json\`) and \`config.json\` in \`$(git rev-parse --git-common-dir)/flc/\`, shared by every worktree of the repository. Running it again changes nothing.

      Exit codes: 0 done, 3 not a git repository or the store cannot be created.
    `,
    examples: [['Set up flc in the current repository', 'flc init']],
  });

  async run(): Promise<number> {
    const coordinator = this.coordinator();
    const created = await coordinator.store.init();
    coordinator.store.read(); // an existing but corrupt store is reported, not papered over
    if (this.json) {
      this.printJson({ ok: true, root: coordinator.repo.root, store: coordinator.store.dir, created });
      return EXIT.ok;
    }
    for (const file of created) this.print(`${this.out.green('created')} ${file}`);
    if (!created.length) this.print(`flc is already set up in ${coordinator.repo.root} (store: ${coordinator.store.dir})`);
    else this.print(`flc is set up in ${coordinator.repo.root}. Try: flc claim <file>, flc status`);
    return EXIT.ok;
  }
}
