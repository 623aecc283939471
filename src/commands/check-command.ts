import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

export class CheckCommandCommand extends FlcCommand {
  static paths = [['check-command']];
  static usage = Command.Usage({
    description: 'would flc let an agent run this shell command?',
    details: `
      Reads the command as the agent hooks do (Claude Code's Bash, Pi's bash) and answers: exit 0 when it would run, exit 1 with the reason when flc would refuse it (a destructive git verb on files another session holds or owns, or a write to such a file). Nothing is claimed or saved unless \`--apply\`: then the command's obvious write targets are claimed for the session (waiting up to \`waitTimeout\` for a held one, as an agent's edit does) and, when it discards changes, a snapshot is saved first, exactly as before an agent's command.

      \`--json\` prints the decision, including what flc read from the command (directories, git verbs and their effect, write targets) and whether it could parse it.

      Exit codes: 0 allowed, 1 refused, 2 bad usage, 3 environment.
    `,
    examples: [
      ["Would a stash take anyone else's work?", 'flc check-command "git stash -u"'],
      ['What flc reads from a command', 'flc check-command --json "cd web && sed -i s/a/b/ index.html"'],
      ["Gate a script's command, claiming and snapshotting as an agent hook would", 'flc check-command --apply "git checkout -- ." && git checkout -- .'],
    ],
  });

  command = Option.String({ name: 'command' });
  rest = Option.Rest({ name: 'more' });
  apply = Option.Boolean('--apply', false, { description: 'Claim the write targets and snapshot before a discarding command, as an agent hook does' });
  sessionFlag = Option.String('--session,-s', { description: 'Decide for this session' });
  agent = Option.String('--agent', { description: 'Subagent id within the session' });

  async run(): Promise<number> {
    const text = [this.command, ...this.rest].join(' ');
    if (!text.trim()) throw usage('no command given', 'flc check-command "git stash"');
    const session = this.session(this.sessionFlag);
    const coordinator = this.coordinator();
    const decision = await coordinator.shell.check({ session, agent: this.agent, command: text, cwd: process.cwd(), dryRun: !this.apply, wait: this.apply, via: 'flc check-command' });
    if (this.json) {
      this.printJson({ ok: decision.allowed, session, ...decision });
      return decision.allowed ? EXIT.ok : EXIT.refused;
    }
    if (!decision.parsed) this.warn(this.err.dim(`note: ${decision.problem}; flc sees only part of this command`));
    if (!decision.allowed) {
      this.print(decision.reason ?? 'refused');
      return EXIT.refused;
    }
    const parts = [this.out.green('allowed')];
    if (decision.claimed.length) parts.push(`claimed ${decision.claimed.join(' ')}`);
    if (decision.snapshot) parts.push(`snapshot ${decision.snapshot.id} saved (${decision.snapshot.files.length} file(s))`);
    this.print(parts.join('; '));
    return EXIT.ok;
  }
}
