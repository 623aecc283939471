import { EDIT_TOOL_MATCHER, SHELL_TOOL } from '../agents/claude.js';
import { HOOK_TIMEOUT_ENV, preToolUseTimeoutFor } from '../agents/claude-timeouts.js';

/**
 * Merging flc's hooks into a Claude Code settings object, and taking them out again. Pure:
 * the caller reads and writes the file. Every other key and hook the user has is kept; flc's
 * entries are recognised by their command, so merging twice changes nothing.
 */
export interface HookCommand {
  type: 'command';
  command: string;
  timeout?: number;
}

interface HookGroup {
  matcher?: string;
  hooks: HookCommand[];
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
 */
export function flcHookPlan(launcher: HookLauncher | string, waitTimeoutMs: number): Record<string, HookGroup> {
  const { command, sessionStart = command } = typeof launcher === 'string' ? { command: launcher } : launcher;
  const plain = (timeout: number): HookGroup => ({ hooks: [{ type: 'command', command, timeout }] });
  // PreToolUse may wait for a held file: Claude Code must not cancel the hook (and make the edit)
  // before flc gives up, so the command tells the hook the timeout it runs under.
  const preToolTimeout = preToolUseTimeoutFor(waitTimeoutMs);
  return {
    SessionStart: { hooks: [{ type: 'command', command: sessionStart, timeout: 30 }] },
    UserPromptSubmit: plain(30),
    // Bash too: its commands are read before they run (refused when they would destroy others'
    // work, write targets claimed). No `if` condition: a condition holds one permission rule, and
    // any command may write through a redirection, so every Bash call needs the check.
    PreToolUse: { matcher: `${EDIT_TOOL_MATCHER}|${SHELL_TOOL}`, hooks: [{ type: 'command', command: `${HOOK_TIMEOUT_ENV}=${preToolTimeout} ${command}`, timeout: preToolTimeout }] },
    PostToolUse: { matcher: `${EDIT_TOOL_MATCHER}|${SHELL_TOOL}`, hooks: [{ type: 'command', command, timeout: 30 }] },
    Stop: plain(30),
    SubagentStop: plain(30),
    SessionEnd: plain(10),
  };
}

/** flc's own entries: their command runs `flc hook claude` (or the plugin's script). */
export function isFlcHook(hook: unknown): boolean {
  return Boolean(hook && typeof hook === 'object' && typeof (hook as HookCommand).command === 'string' && (hook as HookCommand).command.includes(FLC_HOOK_SUFFIX));
}

/** flc's hook entries in a settings object, per event (for `flc doctor`). */
export function flcHooksIn(settings: Settings): Array<{ event: string; hook: HookCommand; matcher?: string | undefined }> {
  const found: Array<{ event: string; hook: HookCommand; matcher?: string | undefined }> = [];
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

export function mergeFlcHooks(settings: Settings, launcher: HookLauncher | string, waitTimeoutMs: number): Settings {
  const cleaned = removeFlcHooks(settings);
  const hooks: Record<string, HookGroup[]> = { ...(cleaned.hooks ?? {}) };
  for (const [event, group] of Object.entries(flcHookPlan(launcher, waitTimeoutMs))) {
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
