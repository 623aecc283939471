import type { Coordinator } from '../coordinator.js';

export interface ShellGateInput {
  session: string;
  agent?: string | undefined;
  command: string;
  /** Absolute directory the command starts in. */
  cwd: string;
  /** How long to wait for a held write target (bounded by the hook's own timeout). */
  timeoutMs: number;
  via: string;
}

export interface ShellGateOutcome {
  /** The reason to give the model when the command must not run; null to let it run. */
  refusal: string | null;
  /** Whether write targets were claimed (the session's repository is then remembered). */
  claimed: boolean;
}

/**
 * Before an agent's shell command runs (Claude Code's Bash PreToolUse, Pi's bash tool_call):
 * the coordinator's shell gate decides. Kept apart from the hook's dispatch so the hook only
 * calls it; the parser is loaded only here, on the first shell command.
 */
export async function gateShellCommand(coordinator: Coordinator, input: ShellGateInput): Promise<ShellGateOutcome> {
  const decision = await coordinator.shell.check({ ...input, wait: true });
  return { refusal: decision.allowed ? null : decision.reason, claimed: decision.claimed.length > 0 };
}
