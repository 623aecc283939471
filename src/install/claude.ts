import fs from 'node:fs';
import path from 'node:path';
import { FlcError } from '../core/errors.js';
import type { RepoInfo } from '../git/repo.js';
import { HOOK_TIMEOUT_ENV, hookEntryTimeoutS, hookWaitLimitMs, installedHookTimeoutMs, preToolUseTimeoutFor } from '../agents/claude-timeouts.js';
import { formatDuration } from '../core/duration.js';
import { type FlcHookEntry, type HookLauncher, type HookMode, flcHooksIn, hasFlcHooks, matcherCovers, mergeFlcHooks, removeFlcHooks } from './claude-settings.js';
import { SHELL_TOOL, WORKTREE_EXIT_TOOL } from '../agents/claude.js';
import { MCP_SERVER_NAME } from '../agents/claude-mcp-hook.js';

const LOCAL_BIN = '"$CLAUDE_PROJECT_DIR"/node_modules/.bin/flc';

/**
 * The hook command written into Claude's settings. A team that commits the settings file
 * needs a command that works on every machine: through the project's own dev dependency when
 * there is one (`$CLAUDE_PROJECT_DIR/node_modules/.bin/flc`), else `flc` on PATH. Never npx:
 * it costs hundreds of milliseconds on every edit.
 */
export function claudeHookCommand(repo: RepoInfo): string {
  return claudeHookLauncher(repo).command;
}

/**
 * The commands the hooks run. SessionStart's also tells the user, at once, when flc cannot be
 * found (uninstalled, `npm install` not run, not on PATH): every hook would otherwise fail with
 * "not found", which Claude Code treats as a non-blocking error, and edits would go through
 * uncoordinated with nobody told.
 */
export function claudeHookLauncher(repo: RepoInfo): HookLauncher {
  const local = fs.existsSync(path.join(repo.root, 'node_modules', '.bin', 'flc'));
  const bin = local ? LOCAL_BIN : 'flc';
  const present = local ? `[ -x ${LOCAL_BIN} ]` : 'command -v flc >/dev/null 2>&1';
  const where = local ? 'node_modules/.bin/flc is missing: run npm install' : 'flc is not on PATH: npm install -g file-lock-coordinator';
  // No apostrophes: the JSON goes inside a single-quoted shell word.
  const message = `flc: ${where}. Until then, edits in this session are NOT coordinated with other sessions (the flc hooks in .claude/settings*.json cannot run).`;
  return { command: `${bin} hook claude`, sessionStart: `${present} && exec ${bin} hook claude; echo '${JSON.stringify({ systemMessage: message })}'` };
}

export function claudeSettingsPath(repo: RepoInfo, local: boolean): string {
  return path.join(repo.root, '.claude', local ? 'settings.local.json' : 'settings.json');
}

export function installClaudeHooks(repo: RepoInfo, options: { local: boolean; waitTimeoutMs: number; mode?: HookMode }): { file: string; changed: boolean; command: string } {
  const file = claudeSettingsPath(repo, options.local);
  const before = readSettings(file);
  const launcher = claudeHookLauncher(repo);
  const command = launcher.command;
  const mode = options.mode ?? 'command';
  let after = mergeFlcHooks(before ?? {}, launcher, options.waitTimeoutMs, mode);
  // A project's .mcp.json server runs only once approved; the hooks need it, so approve it here.
  after = mode === 'mcp' ? approveMcpServer(after) : withoutMcpApproval(after);
  const text = JSON.stringify(after, null, 2) + '\n';
  if (before !== null && JSON.stringify(before, null, 2) + '\n' === text) return { file, changed: false, command };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return { file, changed: true, command };
}

function approveMcpServer(settings: Record<string, unknown>): Record<string, unknown> {
  const list = Array.isArray(settings.enabledMcpjsonServers) ? (settings.enabledMcpjsonServers as unknown[]) : [];
  return list.includes(MCP_SERVER_NAME) ? settings : { ...settings, enabledMcpjsonServers: [...list, MCP_SERVER_NAME] };
}

function withoutMcpApproval(settings: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(settings.enabledMcpjsonServers) || !settings.enabledMcpjsonServers.includes(MCP_SERVER_NAME)) return settings;
  const rest = (settings.enabledMcpjsonServers as unknown[]).filter((name) => name !== MCP_SERVER_NAME);
  const { enabledMcpjsonServers: _dropped, ...others } = settings;
  return rest.length ? { ...others, enabledMcpjsonServers: rest } : others;
}

/** Removes flc's hooks (and its approval of the flc MCP server) from both settings files; other keys and hooks stay. Returns the files changed. */
export function uninstallClaudeHooks(repo: RepoInfo): string[] {
  const changed: string[] = [];
  for (const local of [false, true]) {
    const file = claudeSettingsPath(repo, local);
    const settings = readSettings(file);
    if (!settings) continue;
    const after = withoutMcpApproval(removeFlcHooks(settings));
    if (!hasFlcHooks(settings) && after === settings) continue;
    fs.writeFileSync(file, JSON.stringify(after, null, 2) + '\n');
    changed.push(file);
  }
  return changed;
}

/**
 * The MCP server entry for `.mcp.json` (which expands `${VAR:-default}` in commands). Without the
 * claim tools it is `flc mcp --hooks-only`: the hooks' server, invisible to the model.
 */
export function mcpServerEntry(repo: RepoInfo, claimTools = true): { command: string; args: string[] } {
  const local = fs.existsSync(path.join(repo.root, 'node_modules', '.bin', 'flc'));
  return { command: local ? '${CLAUDE_PROJECT_DIR:-.}/node_modules/.bin/flc' : 'flc', args: claimTools ? ['mcp'] : ['mcp', '--hooks-only'] };
}

function isFlcMcpServer(entry: unknown): boolean {
  const e = entry as { command?: unknown; args?: unknown } | null;
  return Boolean(e && typeof e.command === 'string' && /(^|\/)flc$/.test(e.command) && Array.isArray(e.args) && e.args[0] === 'mcp');
}

function servesClaimTools(entry: unknown): boolean {
  return isFlcMcpServer(entry) && !(entry as { args: unknown[] }).args.includes('--hooks-only');
}

/**
 * Registers `flc mcp` as the project's MCP server `flc` in `.mcp.json`, keeping the other servers:
 * with the claim tools when asked (or when they are registered already), else hooks only.
 */
export function installMcpServer(repo: RepoInfo, options: { claimTools?: boolean } = {}): { file: string; changed: boolean; claimTools: boolean } {
  const file = path.join(repo.root, '.mcp.json');
  const before = readSettings(file) ?? {};
  const servers = (before.mcpServers && typeof before.mcpServers === 'object' ? before.mcpServers : {}) as Record<string, unknown>;
  if (servers.flc !== undefined && !isFlcMcpServer(servers.flc)) {
    throw new FlcError('BAD_INPUT', `${file} already has an MCP server named "flc" that is not flc's`, 'rename that server, then run flc init --claude again');
  }
  const claimTools = options.claimTools !== false && (options.claimTools === true || servesClaimTools(servers.flc));
  const after = { ...before, mcpServers: { ...servers, flc: mcpServerEntry(repo, claimTools) } };
  const text = JSON.stringify(after, null, 2) + '\n';
  if (JSON.stringify(before, null, 2) + '\n' === text) return { file, changed: false, claimTools };
  fs.writeFileSync(file, text);
  return { file, changed: true, claimTools };
}

/** Removes the `flc` server from `.mcp.json` if init put it there (`hooksOnly`: only the hooks' server, not one serving the claim tools). Returns whether it did. */
export function uninstallMcpServer(repo: RepoInfo, options: { hooksOnly?: boolean } = {}): boolean {
  const file = path.join(repo.root, '.mcp.json');
  const settings = readSettings(file);
  const servers = settings?.mcpServers as Record<string, unknown> | undefined;
  if (!settings || !servers || !isFlcMcpServer(servers.flc)) return false;
  if (options.hooksOnly && servesClaimTools(servers.flc)) return false;
  const { flc: _removed, ...rest } = servers;
  fs.writeFileSync(file, JSON.stringify({ ...settings, mcpServers: rest }, null, 2) + '\n');
  return true;
}

function readSettings(file: string): Record<string, unknown> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const data = JSON.parse(text) as unknown;
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new FlcError('BAD_INPUT', `${file} is not a JSON object; flc will not overwrite it`, 'fix the file (or move it away) and run flc init --claude again');
}

export interface ClaudeHookCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/**
 * What `flc doctor` says about the Claude Code hooks installed in this repository's settings
 * files: whether their command finds flc, and whether the PreToolUse timeout leaves room for
 * `waitTimeout` (a hook cancelled by Claude Code lets the edit through).
 */
export function inspectClaudeHooks(repo: RepoInfo, waitTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): ClaudeHookCheck[] {
  const checks: ClaudeHookCheck[] = [];
  for (const local of [false, true]) {
    const file = claudeSettingsPath(repo, local);
    let settings: Record<string, unknown> | null;
    try {
      settings = readSettings(file);
    } catch (error) {
      checks.push({ name: 'claude hook', ok: false, detail: (error as Error).message, fix: 'fix the file, then flc init --claude' });
      continue;
    }
    const hooks = settings ? flcHooksIn(settings) : [];
    if (!hooks.length) continue;
    const name = path.relative(repo.root, file);
    const missing = [...new Set(hooks.map((h) => (h.hook.type === 'mcp_tool' ? null : unresolvedCommand(h.hook.command, repo, env))).filter((m): m is string => m !== null))];
    checks.push(
      missing.length
        ? { name: 'claude hook', ok: false, detail: `${name}: the hook command cannot find flc (${missing.join('; ')}): Claude Code sessions edit uncoordinated`, fix: 'npm install (flc as a dev dependency) or npm install -g file-lock-coordinator; or flc init --claude again' }
        : { name: 'claude hook', ok: true, detail: `${name}: ${hooks.length} hook(s), command finds flc` },
    );
    if (hooks.some((h) => h.hook.type === 'mcp_tool')) checks.push(mcpServerCheck(repo, name));
    const preTool = hooks.find((h) => h.event === 'PreToolUse');
    if (preTool) checks.push(timeoutCheck(name, preTool.hook, waitTimeoutMs));
    if (preTool && !hooks.some((h) => h.event === 'PreToolUse' && matcherCovers(h.matcher, SHELL_TOOL))) {
      checks.push({ name: 'claude shell', ok: false, detail: `${name}: the PreToolUse hook does not cover Bash (installed by an older flc): agents' shell commands are not checked before they run`, fix: 'flc init --claude' });
    } else if (hooks.some((h) => h.event === 'PostToolUse') && !hooks.some((h) => h.event === 'PostToolUse' && matcherCovers(h.matcher, SHELL_TOOL))) {
      checks.push({ name: 'claude shell', ok: false, detail: `${name}: the PostToolUse hook does not cover Bash (installed by an older flc): what agents' shell commands change is not attributed to their sessions`, fix: 'flc init --claude' });
    } else if (preTool && !hooks.some((h) => h.event === 'PreToolUse' && matcherCovers(h.matcher, WORKTREE_EXIT_TOOL))) {
      checks.push({ name: 'claude shell', ok: false, detail: `${name}: the PreToolUse hook does not cover ExitWorktree (installed by an older flc): a session leaving its worktree with "remove" and discard_changes deletes other sessions' work there unchecked`, fix: 'flc init --claude' });
    }
  }
  return checks;
}

/** mcp_tool hooks call the `flc` server of .mcp.json: without it every edit is refused. */
function mcpServerCheck(repo: RepoInfo, name: string): ClaudeHookCheck {
  let servers: Record<string, unknown> | undefined;
  try {
    servers = readSettings(path.join(repo.root, '.mcp.json'))?.mcpServers as Record<string, unknown> | undefined;
  } catch (error) {
    return { name: 'claude mcp', ok: false, detail: (error as Error).message, fix: 'fix .mcp.json, then flc init --claude' };
  }
  return isFlcMcpServer(servers?.[MCP_SERVER_NAME])
    ? { name: 'claude mcp', ok: true, detail: `${name}: the hooks call the flc MCP server registered in .mcp.json` }
    : { name: 'claude mcp', ok: false, detail: `${name}: the hooks call the MCP server "flc", which .mcp.json does not register: Claude Code refuses every edit`, fix: 'flc init --claude (or --hooks=command)' };
}

function timeoutCheck(name: string, hook: FlcHookEntry, waitTimeoutMs: number): ClaudeHookCheck {
  const mcp = hook.type === 'mcp_tool';
  const timeoutMs = hookEntryTimeoutS(hook) * 1000;
  const carried = mcp ? (typeof hook.input?.hook_timeout === 'number' ? hook.input.hook_timeout * 1000 : null) : installedHookTimeoutMs(envOfCommand(hook.command));
  const fix = 'flc init --claude (rewrites the hook timeout for the current waitTimeout)';
  if (carried === null) {
    return { name: 'claude wait', ok: false, detail: `${name}: the PreToolUse hook does not tell flc its timeout (installed by an older flc), so a long wait may be cancelled by Claude Code, which then makes the edit`, fix };
  }
  if (carried > timeoutMs) {
    return { name: 'claude wait', ok: false, detail: `${name}: the PreToolUse command says ${carried / 1000} s but its timeout is ${timeoutMs / 1000} s`, fix };
  }
  const limit = hookWaitLimitMs(waitTimeoutMs, carried);
  if (limit < waitTimeoutMs) {
    return { name: 'claude wait', ok: false, detail: `${name}: the PreToolUse timeout (${timeoutMs / 1000} s) cuts waitTimeout ${formatDuration(waitTimeoutMs)} to ${formatDuration(limit)}`, fix };
  }
  return { name: 'claude wait', ok: true, detail: `${name}: PreToolUse timeout ${timeoutMs / 1000} s leaves room for waitTimeout ${formatDuration(waitTimeoutMs)}` };
}


/** The `NAME=value` assignments a command starts with. */
function envOfCommand(command: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const match of command.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=(\S*)/g)) env[match[1]!] = match[2];
  return env;
}

/** Why a hook command would not find flc, or null when it would. */
function unresolvedCommand(command: string, repo: RepoInfo, env: NodeJS.ProcessEnv): string | null {
  if (/\$\{?CLAUDE_PROJECT_DIR\}?"?\/node_modules\/\.bin\/flc/.test(command)) {
    return isExecutable(path.join(repo.root, 'node_modules', '.bin', 'flc')) ? null : 'node_modules/.bin/flc does not exist';
  }
  const bin = /(?:^|[\s;&|])(\S*flc) hook claude/.exec(command)?.[1];
  if (!bin) return null; // not a form flc writes: nothing to say
  if (bin.includes('/')) return isExecutable(bin.replace(/^"|"$/g, '')) ? null : `${bin} does not exist`;
  const found = (env.PATH ?? '').split(path.delimiter).some((dir) => dir && isExecutable(path.join(dir, bin)));
  return found ? null : `${bin} is not on PATH`;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * After `flc config set waitTimeout=...`: flc's PreToolUse hooks in the settings files get the
 * timeout the new wait needs (both the `timeout` and the FLC_HOOK_TIMEOUT the command carries).
 * Returns the files changed.
 */
export function syncClaudeHookTimeouts(repo: RepoInfo, waitTimeoutMs: number): string[] {
  const changed: string[] = [];
  const timeout = preToolUseTimeoutFor(waitTimeoutMs);
  for (const local of [false, true]) {
    const file = claudeSettingsPath(repo, local);
    let settings: Record<string, unknown> | null;
    try {
      settings = readSettings(file);
    } catch {
      continue; // doctor reports it
    }
    if (!settings) continue;
    const before = JSON.stringify(settings, null, 2) + '\n';
    for (const { event, hook } of flcHooksIn(settings)) {
      if (event !== 'PreToolUse') continue;
      hook.timeout = timeout;
      if (hook.type === 'mcp_tool') {
        hook.input = { ...hook.input, hook_timeout: timeout };
        continue;
      }
      const bare = hook.command.replace(new RegExp(`^${HOOK_TIMEOUT_ENV}=\\S*\\s+`), '');
      hook.command = `${HOOK_TIMEOUT_ENV}=${timeout} ${bare}`;
    }
    const after = JSON.stringify(settings, null, 2) + '\n';
    if (after === before) continue;
    fs.writeFileSync(file, after);
    changed.push(file);
  }
  return changed;
}
