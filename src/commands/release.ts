import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { EXIT } from '../core/errors.js';
import { holderLabel } from '../core/types.js';

export class ReleaseCommand extends FlcCommand {
  static paths = [['release']];
  static usage = Command.Usage({
    description: 'release claims by path or claim id',
    details: `
      Releases this session's claims on the given paths (the same keys \`flc claim\` stored: a file, \`dir/\` or glob) or claim ids (\`c-1a2b3c4d\`, see \`flc status\`). \`--all\` releases every claim the session holds.

      Releasing another session's claim needs \`--force\`; it is recorded in the journal with who forced it. Releasing something nobody holds is not an error (a note goes to stderr).

      \`--changes\` hands over the session's owned (uncommitted) changes of the given files instead (\`--all\`: all of them): they stop being its own, so any session may claim and commit them; \`--to <session>\` gives them to that session instead. Journaled as \`changes:handed-over\`. Handing over another session's changes needs \`--force\` (to take them yourself, see \`flc adopt\`).

      Exit codes: 0 done, 1 the path is held by another session (use --force), 2 bad usage, 3 environment.
    `,
    examples: [
      ['Release one file', 'flc release src/app.ts'],
      ['Release everything this session holds', 'flc release --all'],
      ['Release by claim id', 'flc release c-1a2b3c4d'],
      ["Take over a crashed session's claim", 'flc release --force src/app.ts'],
      ['Hand over your uncommitted changes of a file', 'flc release --changes src/app.ts'],
      ['Give all your uncommitted changes to another session', 'flc release --changes --all --to agent-7'],
    ],
  });

  targets = Option.Rest({ name: 'path|claim-id' });
  all = Option.Boolean('--all,-a', false, { description: "Release all of this session's claims" });
  force = Option.Boolean('--force,-f', false, { description: "Also release other sessions' claims (journaled)" });
  sessionFlag = Option.String('--session,-s', { description: 'Act as this session' });
  agent = Option.String('--agent', { description: "Only this subagent's claims" });
  literal = Option.Boolean('--literal', false, { description: 'The paths are file names, never globs: * ? [ ] { } are part of the name' });
  changes = Option.Boolean('--changes', false, { description: 'Hand over owned uncommitted changes instead of claims' });
  to = Option.String('--to', { description: 'With --changes: give them to this session' });

  async run(): Promise<number> {
    const session = this.session(this.sessionFlag);
    if (this.changes) return this.handOver(session);
    if (this.to !== undefined) throw usage('--to goes with --changes', 'flc release --changes <path> --to <session>');
    const result = await this.coordinator().release({ targets: this.targets, literal: this.literal, all: this.all, force: this.force, session, agent: this.agent });
    if (this.json) {
      this.printJson({ ok: true, count: result.released.length, released: result.released, notFound: result.notFound, session });
      return EXIT.ok;
    }
    for (const claim of result.released) {
      const theirs = claim.session !== session ? ` (held by ${holderLabel(claim)})` : '';
      this.print(`${this.out.green('released')} ${claim.kind} ${claim.path}${theirs}`);
    }
    if (!result.released.length && !result.notFound.length) this.print('nothing to release');
    for (const target of result.notFound) this.warn(this.err.dim(`no claim on ${target}`));
    return EXIT.ok;
  }

  private async handOver(session: string): Promise<number> {
    if (!this.targets.length && !this.all) throw usage('no changes named to hand over', 'flc release --changes <path>, or --changes --all');
    if (this.to !== undefined && !this.to.trim()) throw usage('--to needs a session id', 'flc release --changes <path> --to <session>');
    const coordinator = this.coordinator();
    const patterns = this.targets.length ? coordinator.normalizePaths(this.targets, undefined, { literal: this.literal }) : [];
    const result = await coordinator.changes.handOver({ session, paths: patterns, all: this.all, to: this.to, force: this.force }, patterns);
    if (this.json) {
      this.printJson({ ok: true, count: result.records.length, handedOver: result.records, notFound: result.notFound, session, to: this.to ?? null });
      return EXIT.ok;
    }
    for (const record of result.records) this.print(`${this.out.green('handed over')} ${record.path}${this.to ? ` to ${this.to}` : ' (now unowned)'}`);
    if (!result.records.length && !result.notFound.length) this.print('no uncommitted changes to hand over');
    for (const target of result.notFound) this.warn(this.err.dim(`no owned changes on ${target}`));
    return EXIT.ok;
  }
}
