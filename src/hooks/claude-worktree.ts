import type { Coordinator } from '../coordinator.js';
import { NO_WORKAROUND, shellQuote } from '../core/shell-refusal.js';
import { gateShellCommand } from './shell-pre.js';

/**
 * Claude Code's ExitWorktree with `action: "remove"` and `discard_changes: true` deletes the
 * worktree EnterWorktree made (the one the session is in), with every uncommitted file in it and
 * its branch: for the working tree, what `git worktree remove --force` does. Another session may
 * work in that worktree too, so the shell gate judges the call as that command: refused while
 * another session owns or holds a changed file there, allowed otherwise (after a snapshot of what
 * it discards). Commits on the branch are committed work, outside what flc guards.
 */
export async function checkWorktreeExit(coordinator: Coordinator, input: { session: string; agent: string | undefined; timeoutMs: number }): Promise<string | null> {
  // In the main checkout there is no worktree of EnterWorktree's to remove: Claude Code does nothing.
  if (coordinator.repo.gitDir === coordinator.repo.commonDir) return null;
  const worktree = coordinator.repo.root;
  const command = `git worktree remove --force ${shellQuote(worktree)}`;
  const outcome = await gateShellCommand(coordinator, { ...input, command, cwd: worktree, via: 'Claude Code' });
  return outcome.refusal === null ? null : asExitRefusal(outcome.refusal, command, worktree);
}

/**
 * The gate's refusal names the git command; the model called ExitWorktree, whose alternative is
 * `keep`. A refusal of another shape (none is expected) is passed on as it is.
 */
export function asExitRefusal(refusal: string, command: string, worktree: string): string {
  const lines = refusal.split('\n');
  const head = `flc: refused \`${command}\`: `;
  // head, one line per file, the alternative, the footer
  if (!lines[0]?.startsWith(head) || lines.at(-1) !== NO_WORKAROUND || lines.length < 4) return refusal;
  return [
    `flc: refused ExitWorktree (action "remove", discard_changes) of ${worktree}: ${lines[0].slice(head.length)}`,
    ...lines.slice(1, -2),
    'Allowed instead: ExitWorktree with action "keep" (the worktree stays, with every file in it).',
    NO_WORKAROUND,
  ].join('\n');
}
