import { SHELL_TOOL } from '../agents/claude.js';
import type { Coordinator } from '../coordinator.js';
import { type ShellReport, ShellChangesService } from '../coordinator/shell-changes.js';
import type { Holder } from '../core/types.js';
import type { HookOutcome } from './claude-hook.js';

/*
 * The Claude Code side of shell attribution (issue 11, after a command): PreToolUse on Bash
 * takes the window's first look, PostToolUse attributes what changed and, when the command
 * changed other sessions' files, tells the model (additionalContext in the tool result) and
 * the user (systemMessage). Outside a repository where flc is set up it does nothing and runs
 * no git.
 */

/** What a shell hook has to say: to the user, and (PostToolUse) to the model. */
export type ShellAnswer = Pick<HookOutcome, 'systemMessage' | 'additionalContext'>;

export function isShellTool(toolName: string | undefined): boolean {
  return toolName === SHELL_TOOL;
}

/**
 * PreToolUse on Bash. The same agent's earlier commands still open got no PostToolUse (Claude
 * Code sends none for a command that exits non-zero) and are over: Claude Code runs a Bash call
 * beside another only when it is read-only, so a window still open here is a failed command's
 * (or a read-only one's, which changed nothing). They are closed first. Returns stdout JSON
 * for Claude Code when there is something to tell the user.
 */
export async function beforeShell(coordinator: Coordinator | null, holder: Holder, toolUseId: string | undefined): Promise<ShellAnswer> {
  if (!coordinator || !toolUseId) return {};
  const service = new ShellChangesService(coordinator.repo, coordinator.store);
  if (!(await service.begin(holder, toolUseId))) return {};
  return forUser(await service.finishOpen(holder.session, (agent) => agent === holder.agent, toolUseId));
}

/** PostToolUse on Bash: what to tell the model and the user, when the command changed other sessions' files. */
export async function afterShell(coordinator: Coordinator | null, holder: Holder, toolUseId: string | undefined): Promise<ShellAnswer> {
  if (!coordinator || !toolUseId || !coordinator.store.exists()) return {};
  const report = await new ShellChangesService(coordinator.repo, coordinator.store).finish(holder, toolUseId);
  if (!report) return {};
  return { ...forUser([report]), ...(report.forModel ? { additionalContext: { event: 'PostToolUse', text: report.forModel } } : {}) };
}

/**
 * End of a turn (Stop, StopFailure, the next prompt) or of a subagent: commands whose
 * PostToolUse never came (a failed or interrupted Bash call) are attributed now, except those of
 * subagents `which` leaves out (still running). Returns what the user should see.
 */
export async function finishOpenShells(coordinator: Coordinator | null, session: string, which?: (agent: string | undefined) => boolean): Promise<ShellAnswer> {
  if (!coordinator || !coordinator.store.exists()) return {};
  return forUser(await new ShellChangesService(coordinator.repo, coordinator.store).finishOpen(session, which));
}

function forUser(reports: ShellReport[]): ShellAnswer {
  const lines = reports.map((r) => r.forUser).filter(Boolean);
  return lines.length ? { systemMessage: lines.join('\n') } : {};
}
