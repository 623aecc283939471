import fs from 'node:fs';
import path from 'node:path';
import { FlcError } from '../core/errors.js';
import type { RepoInfo } from '../git/repo.js';
import { hasFlcHooks, mergeFlcHooks, removeFlcHooks } from './claude-settings.js';

/**
 * The hook command written into Claude's settings. A team that commits the settings file
 * needs a command that works on every machine: through the project's own dev dependency when
 * there is one (`$CLAUDE_PROJECT_DIR/node_modules/.bin/flc`), else `flc` on PATH. Never npx:
 * it costs hundreds of milliseconds on every edit.
 */
export function claudeHookCommand(repo: RepoInfo): string {
  const local = path.join(repo.root, 'node_modules', '.bin', 'flc');
  return fs.existsSync(local) ? '"$CLAUDE_PROJECT_DIR"/node_modules/.bin/flc hook claude' : 'flc hook claude';
}

export function claudeSettingsPath(repo: RepoInfo, local: boolean): string {
  return path.join(repo.root, '.claude', local ? 'settings.local.json' : 'settings.json');
}

export function installClaudeHooks(repo: RepoInfo, options: { local: boolean; waitTimeoutMs: number }): { file: string; changed: boolean; command: string } {
  const file = claudeSettingsPath(repo, options.local);
  const before = readSettings(file);
  const command = claudeHookCommand(repo);
  const after = mergeFlcHooks(before ?? {}, command, options.waitTimeoutMs);
  const text = JSON.stringify(after, null, 2) + '\n';
  if (before !== null && JSON.stringify(before, null, 2) + '\n' === text) return { file, changed: false, command };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return { file, changed: true, command };
}

/** Removes flc's hooks from both settings files; other keys and hooks stay. Returns the files changed. */
export function uninstallClaudeHooks(repo: RepoInfo): string[] {
  const changed: string[] = [];
  for (const local of [false, true]) {
    const file = claudeSettingsPath(repo, local);
    const settings = readSettings(file);
    if (!settings || !hasFlcHooks(settings)) continue;
    fs.writeFileSync(file, JSON.stringify(removeFlcHooks(settings), null, 2) + '\n');
    changed.push(file);
  }
  return changed;
}

/** The MCP server entry for `.mcp.json` (which expands `${VAR:-default}` in commands). */
export function mcpServerEntry(repo: RepoInfo): { command: string; args: string[] } {
  const local = fs.existsSync(path.join(repo.root, 'node_modules', '.bin', 'flc'));
  return { command: local ? '${CLAUDE_PROJECT_DIR:-.}/node_modules/.bin/flc' : 'flc', args: ['mcp'] };
}

function isFlcMcpServer(entry: unknown): boolean {
  const e = entry as { command?: unknown; args?: unknown } | null;
  return Boolean(e && typeof e.command === 'string' && /(^|\/)flc$/.test(e.command) && Array.isArray(e.args) && e.args[0] === 'mcp');
}

/** Registers `flc mcp` as the project's MCP server `flc` in `.mcp.json`, keeping the other servers. */
export function installMcpServer(repo: RepoInfo): { file: string; changed: boolean } {
  const file = path.join(repo.root, '.mcp.json');
  const before = readSettings(file) ?? {};
  const servers = (before.mcpServers && typeof before.mcpServers === 'object' ? before.mcpServers : {}) as Record<string, unknown>;
  if (servers.flc !== undefined && !isFlcMcpServer(servers.flc)) {
    throw new FlcError('BAD_INPUT', `${file} already has an MCP server named "flc" that is not flc's`, 'rename that server, then run flc init --claude --mcp again');
  }
  const after = { ...before, mcpServers: { ...servers, flc: mcpServerEntry(repo) } };
  const text = JSON.stringify(after, null, 2) + '\n';
  if (JSON.stringify(before, null, 2) + '\n' === text) return { file, changed: false };
  fs.writeFileSync(file, text);
  return { file, changed: true };
}

/** Removes the `flc` server from `.mcp.json` if init put it there. Returns whether it did. */
export function uninstallMcpServer(repo: RepoInfo): boolean {
  const file = path.join(repo.root, '.mcp.json');
  const settings = readSettings(file);
  const servers = settings?.mcpServers as Record<string, unknown> | undefined;
  if (!settings || !servers || !isFlcMcpServer(servers.flc)) return false;
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
