import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hookEntryTimeoutS } from '../agents/claude-timeouts.js';
import { flcHooksIn } from '../install/claude-settings.js';

/**
 * The shortest `timeout` (ms) of flc's PreToolUse hooks in the settings files Claude Code reads
 * (the project's `.claude/settings.json` and `settings.local.json`, the user's
 * `settings.json`), or null when none is found. The command's FLC_HOOK_TIMEOUT says what flc
 * installed; a `timeout` lowered by hand afterwards is only seen here, and Claude Code cancels
 * the hook at it and then makes the edit. Cheap: a few small files, no git.
 */
export function settingsHookTimeoutMs(env: NodeJS.ProcessEnv, cwd: string | undefined): number | null {
  const project = env.CLAUDE_PROJECT_DIR || cwd;
  const configDir = env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude');
  const files = [path.join(configDir, 'settings.json')];
  if (project) files.push(path.join(project, '.claude', 'settings.json'), path.join(project, '.claude', 'settings.local.json'));
  let shortest: number | null = null;
  for (const file of files) {
    for (const { event, hook } of flcHooksOf(file)) {
      if (event !== 'PreToolUse') continue;
      shortest = Math.min(shortest ?? Infinity, hookEntryTimeoutS(hook) * 1000);
    }
  }
  return shortest;
}

function flcHooksOf(file: string): ReturnType<typeof flcHooksIn> {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? flcHooksIn(data as Parameters<typeof flcHooksIn>[0]) : [];
  } catch {
    return []; // missing or unreadable: Claude Code does not use it either
  }
}
