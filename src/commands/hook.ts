import { Command } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';

/**
 * `flc hook claude` normally never reaches clipanion (bin.ts runs it directly, for speed);
 * this class gives it a place in `flc --help` and runs it the same way if it does arrive here.
 */
export class HookClaudeCommand extends FlcCommand {
  static paths = [['hook', 'claude']];
  static usage = Command.Usage({
    category: 'Agent integrations',
    description: 'the Claude Code hook: claim before every edit, release at the end of the turn',
    details: `
      Reads a Claude Code hook payload (JSON) on stdin and acts on \`hook_event_name\`:

      - \`SessionStart\`: registers the session, prunes expired claims, and appends \`export FLC_SESSION=<session_id>\` to \`$CLAUDE_ENV_FILE\` so the session's own \`git commit\` is recognised by the guard.
      - \`PreToolUse\` (Edit, Write, MultiEdit, NotebookEdit): claims the file as \`write\` for the session (and its subagent). If another session holds it, waits up to \`waitTimeout\`; if it does not free up, refuses the edit (exit 2) with a reason Claude can act on. Files outside any repository are allowed.
      - \`PreToolUse\` (Bash): reads the command before it runs: refuses a destructive git verb on other sessions' work or a write to their files, claims its obvious write targets.
      - \`PreToolUse\` (ExitWorktree): refuses \`remove\` with \`discard_changes\` while another session owns or holds a changed file in that worktree.
      - \`PostToolUse\`: renews the session's claims; with \`release = edit\`, releases that file. For Bash: records what the command changed as the session's owned changes.
      - \`Stop\`: with \`release = turn\` (default), releases the session's claims. \`SubagentStop\` releases that subagent's claims. \`SessionEnd\` releases everything the session holds.
      - Every event renews the session's claims.

      With \`flc init --claude --hooks=mcp\` (Claude Code 2.1.118+), Claude Code calls the same logic as the tool \`claude_hook\` of the session's \`flc mcp --hooks-only\` server instead, without a process per hook; SessionStart and SessionEnd still run this command.

      Prints nothing on success. On bad input or an internal error it allows (exit 0) with one warning line on stderr. Set it up with \`flc init --claude\`.

      Exit codes: 0 allow, 2 the edit is refused (PreToolUse only).
    `,
    examples: [['What Claude Code runs (the payload arrives on stdin)', 'flc hook claude']],
  });

  async run(): Promise<number> {
    const { hookMain } = await import('../hooks/main.js');
    return hookMain();
  }
}
