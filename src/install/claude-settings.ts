import { EDIT_TOOL_MATCHER, SHELL_TOOL, WORKTREE_EXIT_TOOL } from '../agents/claude.js';
import { HOOK_TIMEOUT_ENV, preToolUseTimeoutFor } from '../agents/claude-timeouts.js';
import { CLAUDE_HOOK_TOOL, MCP_SERVER_NAME, claudeHookToolInput } from '../agents/claude-mcp-hook.js';

/**
 * Merging flc's hooks into a Claude Code settings object, and taking them out again. Pure:
 * the caller reads and writes the file. Every other key and hook the user has is kept; flc's
 * entries are recognised by their command (or, for `mcp_tool` hooks, by server and tool), so
 * merging twice changes nothing.
 */
export interface HookCommand {
  type: 'command';
  command: string;
  timeout?: number;
}

/** An `mcp_tool` hook entry (Claude Code >= 2.1.118): an RPC into the session's `flc mcp` server. */
export interface HookMcpTool {
  type: 'mcp_tool';
  server: string;
  tool: string;
  input: Record<string, unknown>;
  timeout?: number;
  /** 'block': while the call fails (server absent, dead, too old), the guarded action is refused. */
  onFailure?: 'block' | 'continue';
}

export type FlcHookEntry = HookCommand | HookMcpTool;

/** How the hooks reach flc: a process per hook (`command`) or the session's MCP server (`mcp`). */
export type HookMode = 'command' | 'mcp';
export const HOOK_MODES: readonly HookMode[] = ['command', 'mcp'];

interface HookGroup {
  matcher?: string;
  hooks: FlcHookEntry[];
}

type Settings = Record<string, unknown> & { hooks?: Record<string, HookGroup[]> };

export const FLC_HOOK_SUFFIX = 'flc hook claude';

/** How the hooks start flc: the command, and (SessionStart) the command that also speaks up when flc is missing. */
export interface HookLauncher {
  command: string;
  sessionStart?: string;
}

/**
 * The events flc listens to, and the tool matcher for those that take one. Only events every
 * Claude Code version knows (an unknown one makes 2.0.x ignore the whole settings file), so no
 * StopFailure: the next UserPromptSubmit ends a turn that failed instead.
 *
 * In `mcp` mode the hooks that run per edit and per turn are `mcp_tool` calls into the session's
 * `flc mcp`; SessionStart and SessionEnd stay commands (once per session): Claude Code runs them
 * without waiting for MCP servers (still connecting at start, shutting down at the end), and
 * SessionStart's command also speaks up when flc cannot be found.
 */
export function flcHookPlan(launcher: HookLauncher | string, waitTimeoutMs: number, mode: HookMode = 'command'): Record<string, HookGroup> {
  const { command, sessionStart = command } = typeof launcher === 'string' ? { command: launcher } : launcher;
  // PreToolUse may wait for a held file: Claude Code must not cancel the hook (and make the edit)
  // before flc gives up, so the hook tells flc the timeout it runs under.
  const preToolTimeout = preToolUseTimeoutFor(waitTimeoutMs);
  const viaMcp = (timeout: number, onFailure?: 'block'): HookMcpTool => ({
    type: 'mcp_tool',
    server: MCP_SERVER_NAME,
    tool: CLAUDE_HOOK_TOOL,
    input: claudeHookToolInput(onFailure ? timeout : undefined),
    timeout,
    ...(onFailure ? { onFailure } : {}),
  });
  const perTurn = (timeout: number): HookGroup => ({ hooks: [mode === 'mcp' ? viaMcp(timeout) : { type: 'command', command, timeout }] });
  return {
    SessionStart: { hooks: [{ type: 'command', command: sessionStart, timeout: 30 }] },
    UserPromptSubmit: perTurn(30),
    // Bash too: its commands are read before they run (refused when they would destroy others'
    // work, write targets claimed), and what they changed is attributed after. No `if` condition:
    // a condition holds one permission rule, and any command may write through a redirection.
    // ExitWorktree (PreToolUse only): its `remove` with discard_changes deletes a worktree with its uncommitted files.
    // mcp: a call that fails (server absent or gone, an flc without the tool) refuses the edit or command.
    PreToolUse: {
      matcher: `${EDIT_TOOL_MATCHER}|${SHELL_TOOL}|${WORKTREE_EXIT_TOOL}`,
      hooks: [mode === 'mcp' ? viaMcp(preToolTimeout, 'block') : { type: 'command', command: `${HOOK_TIMEOUT_ENV}=${preToolTimeout} ${command}`, timeout: preToolTimeout }],
    },
    PostToolUse: { matcher: `${EDIT_TOOL_MATCHER}|${SHELL_TOOL}`, hooks: perTurn(30).hooks },
    Stop: perTurn(30),
    SubagentStop: perTurn(30),
    SessionEnd: { hooks: [{ type: 'command', command, timeout: 10 }] },
  };
}

/** flc's own entries: their command runs `flc hook claude` (or the plugin's script), or they call flc's hook tool. */
export function isFlcHook(hook: unknown): boolean {
  if (!hook || typeof hook !== 'object') return false;
  const h = hook as Partial<HookCommand> & Partial<HookMcpTool>;
  if (h.type === 'mcp_tool') return h.server === MCP_SERVER_NAME && h.tool === CLAUDE_HOOK_TOOL;
  return typeof h.command === 'string' && h.command.includes(FLC_HOOK_SUFFIX);
}

/** flc's hook entries in a settings object, per event (for `flc doctor`). */
export function flcHooksIn(settings: Settings): Array<{ event: string; hook: FlcHookEntry; matcher?: string | undefined }> {
  const found: Array<{ event: string; hook: FlcHookEntry; matcher?: string | undefined }> = [];
  for (const [event, groups] of Object.entries(settings.hooks ?? {})) {
    if (!Array.isArray(groups)) continue;
    for (const group of groups) for (const hook of Array.isArray(group?.hooks) ? group.hooks : []) if (isFlcHook(hook)) found.push({ event, hook, matcher: typeof group.matcher === 'string' ? group.matcher : undefined });
  }
  return found;
}

/** Does a hook group's tool matcher (`Edit|Write`, `*`, none, a regular expression) match this tool? */
export function matcherCovers(matcher: string | undefined, tool: string): boolean {
  if (matcher === undefined || matcher === '' || matcher === '*') return true;
  if (matcher.split('|').includes(tool)) return true;
  try {
    return new RegExp(`^(?:${matcher})$`).test(tool);
  } catch {
    return false;
  }
}

export function mergeFlcHooks(settings: Settings, launcher: HookLauncher | string, waitTimeoutMs: number, mode: HookMode = 'command'): Settings {
  const cleaned = removeFlcHooks(settings);
  const hooks: Record<string, HookGroup[]> = { ...(cleaned.hooks ?? {}) };
  for (const [event, group] of Object.entries(flcHookPlan(launcher, waitTimeoutMs, mode))) {
    hooks[event] = [...(hooks[event] ?? []), group];
  }
  return { ...cleaned, hooks };
}

export function removeFlcHooks(settings: Settings): Settings {
  if (!settings.hooks || typeof settings.hooks !== 'object') return settings;
  const hooks: Record<string, HookGroup[]> = {};
  for (const [event, groups] of Object.entries(settings.hooks)) {
    if (!Array.isArray(groups)) {
      hooks[event] = groups;
      continue;
    }
    const kept = groups
      .map((group) => (group && Array.isArray(group.hooks) ? { ...group, hooks: group.hooks.filter((h) => !isFlcHook(h)) } : group))
      .filter((group) => !group || !Array.isArray(group.hooks) || group.hooks.length > 0);
    if (kept.length) hooks[event] = kept;
  }
  const result: Settings = { ...settings, hooks };
  if (!Object.keys(hooks).length) delete result.hooks;
  return result;
}

export function hasFlcHooks(settings: Settings): boolean {
  return Object.values(settings.hooks ?? {}).some((groups) => Array.isArray(groups) && groups.some((g) => g?.hooks?.some?.(isFlcHook)));
}
