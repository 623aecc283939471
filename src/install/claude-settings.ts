import { EDIT_TOOL_MATCHER } from '../agents/claude.js';

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

/** The events flc listens to, and the tool matcher for those that take one. */
export function flcHookPlan(command: string, waitTimeoutMs: number): Record<string, HookGroup> {
  const plain = (timeout: number): HookGroup => ({ hooks: [{ type: 'command', command, timeout }] });
  // PreToolUse may wait for a held file: Claude must not kill the hook before flc gives up.
  const preToolTimeout = Math.ceil(waitTimeoutMs / 1000) + 30;
  return {
    SessionStart: plain(30),
    PreToolUse: { matcher: EDIT_TOOL_MATCHER, hooks: [{ type: 'command', command, timeout: preToolTimeout }] },
    PostToolUse: { matcher: EDIT_TOOL_MATCHER, hooks: [{ type: 'command', command, timeout: 30 }] },
    Stop: plain(30),
    SubagentStop: plain(30),
    SessionEnd: plain(10),
  };
}

export function isFlcHook(hook: unknown): boolean {
  return Boolean(hook && typeof hook === 'object' && typeof (hook as HookCommand).command === 'string' && (hook as HookCommand).command.trimEnd().endsWith(FLC_HOOK_SUFFIX));
}

export function mergeFlcHooks(settings: Settings, command: string, waitTimeoutMs: number): Settings {
  const cleaned = removeFlcHooks(settings);
  const hooks: Record<string, HookGroup[]> = { ...(cleaned.hooks ?? {}) };
  for (const [event, group] of Object.entries(flcHookPlan(command, waitTimeoutMs))) {
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
