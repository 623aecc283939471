import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { blockerLine } from '../cli/describe.js';
import { EXIT } from '../core/errors.js';
import { parseKind } from '../core/kinds.js';

export class CheckCommand extends FlcCommand {
  static paths = [['check']];
  static usage = Command.Usage({
    description: 'could this session claim these paths now?',
    details: `
      Answers without claiming anything: exit 0 when a claim of \`--kind\` (default write) on every path would be granted now, exit 1 with the blockers when not (held claims, or requests queued first).

      Exit codes: 0 free, 1 blocked, 2 bad usage, 3 environment.
    `,
    examples: [
      ['Can I edit this file?', 'flc check src/app.ts'],
      ['Could I take the whole directory exclusively?', 'flc check src/api/ --kind exclusive'],
      ['In a script', 'flc check src/app.ts --json | jq .ok'],
    ],
  });

  targets = Option.Rest({ required: 1, name: 'path' });
  kind = Option.String('--kind,-k', 'write', { description: 'read, write (default) or exclusive' });
  sessionFlag = Option.String('--session,-s', { description: 'Ask for this session' });
  agent = Option.String('--agent', { description: 'Subagent id within the session' });
  literal = Option.Boolean('--literal', false, { description: 'The paths are file names, never globs: * ? [ ] { } are part of the name' });

  async run(): Promise<number> {
    const kind = parseKind(this.kind);
    const session = this.session(this.sessionFlag);
    const result = this.coordinator().check({ paths: this.targets, literal: this.literal, kind, session, agent: this.agent });
    if (this.json) {
      this.printJson({ ...result, kind, session });
    } else if (result.ok) {
      this.print(`${this.out.green('free:')} ${result.paths.join(' ')} (${kind})`);
    } else {
      this.print(`${this.out.red('blocked:')}`);
      for (const blocker of result.conflicts) this.print(`  ${blockerLine(blocker)}`);
    }
    return result.ok ? EXIT.ok : EXIT.refused;
  }
}
