import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

export class AdoptCommand extends FlcCommand {
  static paths = [['adopt']];
  static usage = Command.Usage({
    description: "take over other sessions' uncommitted changes",
    details: `
      Makes this session the owner of the uncommitted changes another session owns in the given files (directories and globs cover the files below them), or of everything a session left with \`--from <session>\`. From then on they are yours: you may claim, edit and commit them (\`flc commit\`), and the other session's commits may not take them. Use it when a session crashed or ended and left work behind (\`flc status\` shows owners that are inactive or ended). Journaled as \`changes:adopted\`, with from whom.

      Exit codes: 0 done (a note on stderr for names that matched no owned changes), 2 bad usage, 3 environment.
    `,
    examples: [
      ['Adopt the changes in one file', 'flc adopt src/app.ts'],
      ['Adopt everything a crashed session left', 'flc adopt --from 5f0c2a9e-claude-session'],
      ['Adopt for a named session', 'flc adopt --session agent-7 src/api/'],
    ],
  });

  targets = Option.Rest({ name: 'path' });
  from = Option.String('--from', { description: 'Adopt everything this session owns (with paths: only those)' });
  sessionFlag = Option.String('--session,-s', { description: 'Adopt for this session' });

  async run(): Promise<number> {
    if (!this.targets.length && !this.from) throw usage('nothing named to adopt', 'flc adopt <path>..., or flc adopt --from <session>');
    if (this.from !== undefined && !this.from.trim()) throw usage('--from needs a session id', 'flc adopt --from <session>');
    const session = this.session(this.sessionFlag);
    if (this.from === session) throw usage(`${session} cannot adopt its own changes`, 'name another session with --from');
    const coordinator = this.coordinator();
    const patterns = this.targets.length ? coordinator.normalizePaths(this.targets) : [];
    const result = await coordinator.changes.adopt({ session, paths: patterns, from: this.from }, patterns);
    if (this.json) {
      this.printJson({ ok: true, session, count: result.records.length, adopted: result.records, notFound: result.notFound });
      return EXIT.ok;
    }
    for (const record of result.records) this.print(`${this.out.green('adopted')} ${record.path}`);
    if (!result.records.length && !result.notFound.length) this.print(`${this.from} owns no uncommitted changes`);
    for (const target of result.notFound) this.warn(this.err.dim(`no other session's changes on ${target}`));
    return EXIT.ok;
  }
}
