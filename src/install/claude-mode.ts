import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MCP_HOOKS_SINCE, parseClaudeVersion, versionAtLeast } from '../agents/claude-mcp-hook.js';
import { FlcError } from '../core/errors.js';
import type { HookMode } from './claude-settings.js';

export const HOOK_MODE_ENV = 'FLC_CLAUDE_HOOKS';

export interface ChosenMode {
  mode: HookMode;
  /** why: shown by `flc init`. */
  why: string;
}

/**
 * Which hooks `flc init --claude` installs: `--hooks`, else FLC_CLAUDE_HOOKS, else `mcp` when the
 * installed Claude Code has mcp_tool hooks (>= 2.1.118), else `command`.
 */
export function chooseHookMode(flag: string | undefined, env: NodeJS.ProcessEnv, root: string): ChosenMode {
  const asked = flag ?? env[HOOK_MODE_ENV];
  const source = flag !== undefined ? '--hooks' : HOOK_MODE_ENV;
  if (asked !== undefined && asked !== '' && asked !== 'auto') {
    if (asked === 'mcp' || asked === 'command') return { mode: asked, why: `${source}=${asked}` };
    throw new FlcError('USAGE', `${source} must be mcp, command or auto, not "${asked}"`, 'flc init --claude --hooks=mcp');
  }
  const version = installedClaudeVersion(env, root);
  if (version === null) return { mode: 'command', why: 'no Claude Code found to ask its version (claude --version)' };
  if (versionAtLeast(version, MCP_HOOKS_SINCE)) return { mode: 'mcp', why: `Claude Code ${version} has mcp_tool hooks` };
  return { mode: 'command', why: `Claude Code ${version} is older than ${MCP_HOOKS_SINCE}, which brought mcp_tool hooks` };
}

/** `claude --version` of the Claude Code on PATH (or the project's node_modules/.bin), or null. */
function installedClaudeVersion(env: NodeJS.ProcessEnv, root: string): string | null {
  const local = path.join(root, 'node_modules', '.bin', 'claude');
  for (const bin of ['claude', ...(fs.existsSync(local) ? [local] : [])]) {
    try {
      const out = execFileSync(bin, ['--version'], { env, encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] });
      const version = parseClaudeVersion(out);
      if (version) return version;
    } catch {
      // not there, or not answering: try the next
    }
  }
  return null;
}
