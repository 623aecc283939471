import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { age, expiryText } from '../cli/describe.js';
import { type GuardFinding, type GuardMode, parseGuardMode } from '../core/guard.js';
import { EXIT, isFlcError } from '../core/errors.js';
import { holderLabel } from '../core/types.js';

export class GuardCommand extends FlcCommand {
  static paths = [['guard']];
  static usage = Command.Usage({
    description: 'check staged changes against other sessions\' claims (the pre-commit hook)',
    details: `
      Reads the staged changes (added, modified, deleted, and both sides of renames and copies) and refuses the commit when a staged path is covered by another session's live \`write\` or \`exclusive\` claim, directory and glob claims included. Another session's \`read\` claim only warns. Claims of the committing session (and of its subagents) are its own; expired claims are ignored. Claims made from another linked worktree follow \`guard.otherWorktrees\` (warn by default).

      \`guard.mode\` (config) is \`block\`, \`warn\` or \`off\`; \`FLC_GUARD=warn|off\` overrides it for one command. \`git commit --no-verify\` is git's own override.

      On an internal error (an unreadable store, say) the guard lets the commit through with a warning: a broken flc never stops your work.

      Exit codes: 0 the commit may go ahead, 1 refused.
    `,
    examples: [
      ['What the pre-commit hook runs', 'flc guard'],
      ['Only warn, for this commit', 'FLC_GUARD=warn git commit -m "wip"'],
      ['As JSON', 'flc guard --json'],
    ],
  });

  sessionFlag = Option.String('--session,-s', { description: 'The committing session (default: FLC_SESSION, CLAUDE_CODE_SESSION_ID, cli:<user>@<host>)' });

  async run(): Promise<number> {
    let mode: GuardMode | undefined;
    const override = process.env.FLC_GUARD;
    if (override) {
      try {
        mode = parseGuardMode(override, 'FLC_GUARD');
      } catch (error) {
        this.warn(`flc guard: ignoring FLC_GUARD=${override} (use block, warn or off)`);
      }
    }
    const session = this.session(this.sessionFlag);
    let report;
    try {
      report = await this.coordinator().guard({ session, mode });
    } catch (error) {
      // Fail open: the guard must not stop commits because flc itself is broken.
      const message = isFlcError(error) ? error.message : (error as Error).message;
      this.warn(`flc guard: could not check claims (${message}); the commit is allowed`);
      if (this.json) this.printJson({ ok: true, checked: false, error: message });
      return EXIT.ok;
    }
    if (this.json) {
      this.printJson({ ok: report.blocked.length === 0, ...report });
      return report.blocked.length ? EXIT.refused : EXIT.ok;
    }
    const now = Date.now();
    for (const warning of report.warnings) {
      this.warn(`${this.err.yellow('flc: warning:')} ${warning.path} (${warning.change}) ${describe(warning, now)}`);
    }
    if (!report.blocked.length) return EXIT.ok;
    const files = new Set(report.blocked.map((f) => f.path));
    this.warn(`${this.err.red('flc: commit refused:')} ${files.size} staged file${files.size === 1 ? ' is' : 's are'} claimed by other sessions (you are ${session}):`);
    for (const finding of report.blocked) this.warn(`  ${finding.path} (${finding.change}): ${describe(finding, now)}`);
    const example = report.blocked[0]!;
    this.warn('What to do:');
    this.warn(`  - wait until the holder is done (claims end when released or expire), then commit again; \`flc status\` shows who holds what`);
    this.warn(`  - ask ${holderLabel(example.claim)} to release it, or take over a crashed session's claim: flc release --force ${example.claim.path}`);
    this.warn(`  - commit only the files you hold: flc commit -m "<message>"`);
    this.warn(`  - or skip this check once: git commit --no-verify`);
    return EXIT.refused;
  }
}

function describe(finding: GuardFinding, now: number): string {
  const c = finding.claim;
  const who = c.agent ? `${c.session} (agent ${c.agent})` : c.session;
  const via = c.path === finding.path ? '' : ` via ${c.path}`;
  const where = finding.why === 'other-worktree' ? ` in worktree ${c.worktree}` : '';
  const expiry = c.expiresAt === null ? 'no expiry' : expiryText(c.expiresAt, now);
  return `held by ${who}${via}${where}, ${c.kind}, for ${age(c.acquiredAt, now)}, ${expiry}${c.reason ? ` — "${c.reason}"` : ''}`;
}
