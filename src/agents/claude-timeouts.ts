/**
 * Claude Code cancels a hook at its `timeout` and then makes the edit anyway, so a PreToolUse
 * wait must end, with a refusal, before that. The command flc installs carries the timeout it
 * was installed with (`FLC_HOOK_TIMEOUT=<seconds> ... flc hook claude`), and the hook caps its
 * wait at that minus a margin for its own start, store lock and exit. Pure.
 */
export const HOOK_TIMEOUT_ENV = 'FLC_HOOK_TIMEOUT';

/** Claude Code's own timeout for a command hook that sets none (seconds). */
export const CLAUDE_DEFAULT_HOOK_TIMEOUT_S = 600;
/** Claude Code's own default for an mcp_tool hook without `timeout` (seconds). */
export const CLAUDE_DEFAULT_MCP_HOOK_TIMEOUT_S = 60;

/** The timeout (seconds) Claude Code gives a hook entry: its own `timeout`, else the default of its type. */
export function hookEntryTimeoutS(hook: { type?: string; timeout?: unknown }): number {
  if (typeof hook.timeout === 'number' && hook.timeout > 0) return hook.timeout;
  return hook.type === 'mcp_tool' ? CLAUDE_DEFAULT_MCP_HOOK_TIMEOUT_S : CLAUDE_DEFAULT_HOOK_TIMEOUT_S;
}

/** Time kept back from the installed timeout: start-up, the store lock, leaving the queue. */
export const HOOK_TIMEOUT_MARGIN_MS = 10_000;

/** The shortest wait the cap leaves. */
const MIN_WAIT_MS = 1_000;

/** SessionEnd: Claude Code gives it about 1.5 s (settings timeouts aside); flc stops trying at this. */
export const SESSION_END_BUDGET_MS = 1_200;

/** The installed hook timeout in ms, from the command's FLC_HOOK_TIMEOUT, or null when it does not say. */
export function installedHookTimeoutMs(env: NodeJS.ProcessEnv): number | null {
  const text = env[HOOK_TIMEOUT_ENV]?.trim();
  if (!text || !/^\d{1,6}$/.test(text)) return null;
  const seconds = Number(text);
  return seconds > 0 ? seconds * 1000 : null;
}

/** How long a PreToolUse hook may wait for a held file: `waitTimeout`, capped below the installed timeout. */
export function hookWaitLimitMs(waitTimeoutMs: number, installedTimeoutMs: number | null): number {
  if (installedTimeoutMs === null) return waitTimeoutMs;
  return Math.min(waitTimeoutMs, maxWaitForHookTimeout(installedTimeoutMs));
}

export function maxWaitForHookTimeout(installedTimeoutMs: number): number {
  return Math.max(MIN_WAIT_MS, installedTimeoutMs - HOOK_TIMEOUT_MARGIN_MS);
}

/** The PreToolUse timeout (seconds) to install for a given waitTimeout: room for the whole wait plus the margin and more. */
export function preToolUseTimeoutFor(waitTimeoutMs: number): number {
  return Math.ceil(waitTimeoutMs / 1000) + 30;
}
