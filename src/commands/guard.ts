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
      Reads the staged changes (added, modified, deleted, and both sides of renames and copies) and refuses the commit when a staged path holds another session's uncommitted (owned) changes, or is covered by another session's live \`write\` or \`exclusive\` claim, directory and glob claims included. Another session's \`read\` claim only warns. Claims of the committing session (and of its subagents) are its own; expired claims are ignored. Claims made from another linked worktree follow \`guard.otherWorktrees\` (warn by default).

      \`guard.mode\` (config) is \`block\`, \`warn\` or \`off\`; \`FLC_GUARD=warn|off\` overrides it for one command, for both hooks. \`git commit --no-verify\` skips only the pre-commit hook: the \`reference-transaction\` hook still refuses a commit carrying another session's uncommitted work.

      \`--unstage\` (what the pre-commit hook runs): when the commit is refused, the other sessions' files it would have taken are unstaged again (their index entries go back to HEAD's; their content in the working tree is untouched), so a refused \`git add -A && git commit\` leaves nothing of theirs staged.

      \`--ref-transaction\` is what the \`reference-transaction\` hook runs in git's \`prepared\` state, with git's \`<old> <new> <ref>\` lines on stdin: it refuses a new commit on the current branch (\`commit --no-verify\`, \`--amend\`, merge, cherry-pick, rebase) or a new \`refs/stash\` that carries another session's uncommitted work still in the working tree.

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
  unstage = Option.Boolean('--unstage', false, { description: "When refusing, unstage the other sessions' files the commit would have taken" });
  refTransaction = Option.Boolean('--ref-transaction', false, { description: 'Check ref updates read from stdin (the reference-transaction hook)' });

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
    if (this.refTransaction) return this.checkRefs(session, mode);
    let report;
    try {
      report = await this.coordinator().guard({ session, mode, unstage: this.unstage });
    } catch (error) {
      // Fail open: the guard must not stop commits because flc itself is broken.
      const message = isFlcError(error) ? error.message : (error as Error).message;
      this.warn(`flc guard: could not check claims (${message}); the commit is allowed`);
      if (this.json) this.printJson({ ok: true, checked: false, error: message });
      return EXIT.ok;
    }
    const ownedBlock = report.mode === 'block' ? report.owned : [];
    const refused = report.blocked.length > 0 || ownedBlock.length > 0;
    if (this.json) {
      this.printJson({ ok: !refused, ...report });
      return refused ? EXIT.refused : EXIT.ok;
    }
    const now = Date.now();
    for (const warning of report.warnings) {
      this.warn(`${this.err.yellow('flc: warning:')} ${warning.path} (${warning.change}) ${describe(warning, now)}`);
    }
    if (report.mode !== 'block') {
      for (const f of report.owned) this.warn(`${this.err.yellow('flc: warning:')} ${f.path} (${f.change}) holds uncommitted changes of ${f.record.session}`);
    }
    if (!refused) return EXIT.ok;
    if (ownedBlock.length) this.explainOwned(session, ownedBlock.map((f) => ({ path: f.path, change: f.change, owner: f.record.session, since: f.record.since })), 'commit');
    if (report.unstaged.length) {
      this.warn(`flc: unstaged again (their working-tree content is untouched): ${report.unstaged.join(', ')}`);
    }
    if (!report.blocked.length) return EXIT.refused;
    const files = new Set(report.blocked.map((f) => f.path));
    this.warn(`${this.err.red('flc: commit refused:')} ${files.size} staged file${files.size === 1 ? ' is' : 's are'} claimed by other sessions (you are ${session}):`);
    for (const finding of report.blocked) this.warn(`  ${finding.path} (${finding.change}): ${describe(finding, now)}`);
    const example = report.blocked[0]!;
    this.warn('What to do:');
    this.warn(`  - wait until the holder is done (claims end when released or expire), then commit again; \`flc status\` shows who holds what`);
    this.warn(`  - ask ${holderLabel(example.claim)} to release it, or take over a crashed session's claim: flc release --force ${example.claim.path}`);
    this.warn(`  - commit only the files you hold: flc commit -m "<message>"`);
    this.warn(`  - or skip flc's checks once: FLC_GUARD=off git commit ...`);
    return EXIT.refused;
  }

  /** The reference-transaction hook's check: exit 1 refuses the ref updates, anything else lets them through. */
  private async checkRefs(session: string, mode: GuardMode | undefined): Promise<number> {
    let report;
    try {
      const fs = process.getBuiltinModule('node:fs');
      report = await this.coordinator().guardRefs({ session, mode, updates: fs.readFileSync(0, 'utf8') });
    } catch (error) {
      const message = isFlcError(error) ? error.message : (error as Error).message;
      this.warn(`flc guard: could not check this ref update (${message}); it is allowed`);
      return EXIT.ok;
    }
    if (!report.blocked.length) return EXIT.ok;
    if (report.mode !== 'block') {
      for (const f of report.blocked) this.warn(`${this.err.yellow('flc: warning:')} ${f.path} holds uncommitted work of ${f.owner}`);
      return EXIT.ok;
    }
    const stash = report.blocked.some((f) => f.kind === 'stash');
    this.explainOwned(session, report.blocked.map((f) => ({ path: f.path, change: f.kind === 'stash' ? 'stashed' : 'committed', owner: f.owner, note: f.why === 'held' ? ', who holds it with a claim' : '' })), stash ? 'stash' : 'ref');
    return EXIT.refused;
  }

  private explainOwned(session: string, files: Array<{ path: string; change: string; owner: string; since?: string | undefined; note?: string }>, what: 'commit' | 'stash' | 'ref'): void {
    const now = Date.now();
    const doing = what === 'stash' ? 'git stash refused' : what === 'ref' ? 'commit refused (reference-transaction)' : 'commit refused';
    this.warn(`${this.err.red(`flc: ${doing}:`)} ${files.length === 1 ? 'a file holds' : `${files.length} files hold`} other sessions' uncommitted changes (you are ${session}):`);
    for (const f of files) this.warn(`  ${f.path} (${f.change}): uncommitted changes of ${f.owner}${f.note ?? ''}${f.since ? `, owned for ${age(f.since, now)}` : ''}`);
    const example = files[0]!;
    this.warn('What to do:');
    this.warn(`  - leave them to ${example.owner}: they are freed when it commits them (flc commit), or hands them over: flc release --changes ${example.path}`);
    this.warn(`  - or take them over explicitly: flc adopt ${example.path}   (everything a session left: flc adopt --from ${example.owner})`);
    if (what === 'stash') this.warn(`  - stash only your own files: git stash push -- <your files>`);
    else this.warn(`  - commit only your own work: flc commit -m "<message>"${what === 'ref' ? `; unstage theirs first: git restore --staged -- ${files.map((f) => f.path).join(' ')}` : ''}`);
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
