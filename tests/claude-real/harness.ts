import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { FLC, ROOT, git, makeRepo } from '../helpers.js';

/**
 * Runs the real Claude Code CLI headless against the fake Messages API
 * (tests/fixtures/fake-anthropic.ts), in a repository set up as a user would: a git repo,
 * `flc init --claude` run with this checkout's CLI, and `flc` on PATH as a shim to bin/flc.js.
 * Every run gets its own HOME and CLAUDE_CONFIG_DIR, so the user's ~/.claude is never touched.
 */

/** The pinned CLI from node_modules; FLC_CLAUDE_BIN runs the suite against another Claude Code build. */
export const CLAUDE_BIN = process.env.FLC_CLAUDE_BIN || path.join(ROOT, 'node_modules', '.bin', 'claude');
export const HAS_CLAUDE = fs.existsSync(CLAUDE_BIN);
export const SKIP_REASON = `real Claude Code CLI not found at ${CLAUDE_BIN} (npm ci installs the pinned @anthropic-ai/claude-code); skipping the real-client tests`;
if (!HAS_CLAUDE) console.warn(`flc: ${SKIP_REASON}`);

const made: string[] = [];
const running = new Set<ChildProcess>();
afterAll(async () => {
  // A failed test can leave a session waiting at a gate: end it before removing its dirs.
  await Promise.all([...running].map((child) => new Promise((resolve) => {
    child.once('close', resolve);
    killGroup(child, 'SIGKILL');
  })));
  if (process.env.FLC_KEEP_CLAUDE_DIRS) return;
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

export function tempDir(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

let shim: string | undefined;
/** A directory with an `flc` executable that runs this checkout's bin/flc.js with this node. */
export function flcShimDir(): string {
  if (shim) return shim;
  shim = tempDir('flc-shim-');
  fs.writeFileSync(path.join(shim, 'flc'), `#!/bin/sh\nexec "${process.execPath}" "${FLC}" "$@"\n`, { mode: 0o755 });
  return shim;
}

/** Runs this checkout's flc synchronously (set-up steps). */
export function flcSync(cwd: string, ...args: string[]): string {
  return execFileSync(process.execPath, [FLC, ...args], { cwd, encoding: 'utf8', env: baseEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** How a repository's hooks reach flc: a process per hook, or the session's `flc mcp` (mcp_tool hooks). */
export type HookMode = 'command' | 'mcp';
export const HOOK_MODES: HookMode[] = ['command', 'mcp'];

/** The mode a repository gets when a case does not ask for one: claude-real-mcp.test.ts runs every case again in mcp mode. */
let defaultHookMode: HookMode = 'command';
export function useHookMode(mode: HookMode): void {
  defaultHookMode = mode;
}
export function hookMode(): HookMode {
  return defaultHookMode;
}

/**
 * A git repository with `flc init --claude` done, as the README tells a user (in the suite's
 * hook mode, unless `hooks` says which). With `devDependency`, flc is in the project's node_modules/.bin (this
 * checkout's shim), so the hooks are installed to run it from there.
 */
export function makeClaudeRepo(options: { config?: string[]; devDependency?: boolean; hooks?: HookMode } = {}): string {
  const repo = makeRepo();
  if (options.devDependency) {
    fs.mkdirSync(path.join(repo, 'node_modules', '.bin'), { recursive: true });
    fs.copyFileSync(path.join(flcShimDir(), 'flc'), path.join(repo, 'node_modules', '.bin', 'flc'));
    fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n');
  }
  for (const setting of options.config ?? []) flcSync(repo, 'config', 'set', setting);
  flcSync(repo, 'init', '--claude', `--hooks=${options.hooks ?? defaultHookMode}`);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'flc init --claude');
  return repo;
}

/** The environment without anything that would tie a child to the session running the tests. */
function baseEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(CLAUDE|ANTHROPIC|FLC_|OTEL_)/.test(key) || key === 'CLAUDECODE' || key === 'FORCE_COLOR') delete env[key];
  }
  env.NO_COLOR = '1';
  env.FLC_CLAUDE_HOOKS = defaultHookMode; // an flc init run inside a session installs the suite's mode
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface ClaudeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: any[];
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** the session id of the run, from its init event. */
  sessionId: string | undefined;
  /** the text of the final `result` event. */
  result: any;
}

export interface ClaudeOptions {
  cwd: string;
  /** the fake API's base URL. */
  api: string;
  /** the prompt (-p); omit with `input` to feed stream-json user messages on stdin. */
  prompt?: string;
  /** user messages for `--input-format stream-json`; stdin is closed after the last one unless `keepOpen`. */
  input?: string[];
  keepOpen?: boolean;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** the HOME for this run (reuse one for --resume). */
  home?: string;
  timeoutMs?: number;
  debugFile?: string;
  /** leave this checkout's `flc` shim off PATH (a project that has flc as a dev dependency). */
  noShim?: boolean;
}

export interface ClaudeHandle {
  child: ChildProcess;
  done: Promise<ClaudeRun>;
  events: any[];
  home: string;
  /** writes one more user message (stream-json input). */
  send(text: string): void;
  endInput(): void;
  /** resolves with the first event matching. */
  waitForEvent(match: (e: any) => boolean, ms?: number): Promise<any>;
}

export function userMessage(text: string): string {
  return JSON.stringify({ type: 'user', message: { role: 'user', content: text } }) + '\n';
}

export function makeHome(): string {
  const home = tempDir('claude-home-');
  fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
  // Onboarding done, this machine's project trusted: nothing interactive even outside -p.
  fs.writeFileSync(path.join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, bypassPermissionsModeAccepted: true }));
  return home;
}

export function startClaude(options: ClaudeOptions): ClaudeHandle {
  const home = options.home ?? makeHome();
  const args: string[] = [];
  if (options.prompt !== undefined) args.push('-p', options.prompt);
  else args.push('-p', '--input-format', 'stream-json');
  args.push('--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions');
  if (options.debugFile) args.push('--debug-file', options.debugFile);
  args.push(...(options.args ?? []));
  const env = baseEnv({
    HOME: home,
    CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    ANTHROPIC_BASE_URL: options.api,
    ANTHROPIC_API_KEY: 'test',
    IS_SANDBOX: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    PATH: options.noShim ? process.env.PATH : `${flcShimDir()}${path.delimiter}${process.env.PATH}`,
    ...options.env,
  });
  const child = spawn(CLAUDE_BIN, args, { cwd: options.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  child.once('close', () => running.delete(child));
  const events: any[] = [];
  const listeners = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
    partial += d;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).trim();
      partial = partial.slice(nl + 1);
      if (!line) continue;
      try {
        events.push(JSON.parse(line));
      } catch {
        events.push({ type: 'unparsed', line });
      }
      for (const l of listeners) l();
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  child.stdin!.on('error', () => {});
  if (options.input) {
    for (const text of options.input) child.stdin!.write(userMessage(text));
    if (!options.keepOpen) child.stdin!.end();
  } else if (!options.keepOpen) {
    child.stdin!.end();
  }

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, options.timeoutMs ?? 90_000);
  const done = new Promise<ClaudeRun>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const init = events.find((e) => e.type === 'system' && e.subtype === 'init');
      resolve({ code, signal, events, stdout, stderr, timedOut, sessionId: init?.session_id, result: events.filter((e) => e.type === 'result').at(-1) });
    });
  });

  return {
    child,
    done,
    events,
    home,
    send: (text) => child.stdin!.write(userMessage(text)),
    endInput: () => child.stdin!.end(),
    waitForEvent(match, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            listeners.delete(check);
            clearTimeout(t);
            resolve(found);
          }
        };
        const t = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no matching stream-json event within ${ms}ms; got: ${events.map((e) => e.type + (e.subtype ? ':' + e.subtype : '')).join(', ')}`));
        }, ms);
        listeners.add(check);
        check();
      });
    },
  };
}

export function runClaude(options: ClaudeOptions): Promise<ClaudeRun> {
  return startClaude(options).done;
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

/** A hook script that appends its stdin and selected env vars, one JSON line per call, to `logFile`. */
export function writeLoggingHook(dir: string, logFile: string): string {
  const script = path.join(dir, 'log-hook.mjs');
  fs.writeFileSync(
    script,
    `import fs from 'node:fs';
const log = (entry) => fs.appendFileSync(${JSON.stringify(logFile)}, JSON.stringify({ at: Date.now(), ppid: process.ppid, ...entry }) + '\\n');
process.on('uncaughtException', (error) => { log({ payload: { hook_event_name: 'log-hook-error' }, error: String(error && error.stack || error) }); process.exit(0); });
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('error', (error) => log({ payload: { hook_event_name: 'log-hook-stdin-error' }, error: String(error) }));
process.stdin.on('end', () => {
  let payload;
  try { payload = JSON.parse(input); } catch { payload = { unparsed: input }; }
  const env = {};
  for (const k of ['CLAUDE_PID', 'CLAUDE_PROJECT_DIR', 'CLAUDE_CODE_SESSION_ID', 'CLAUDE_ENV_FILE', 'FLC_SESSION', 'CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT']) env[k] = process.env[k];
  let envFile = null;
  try { envFile = process.env.CLAUDE_ENV_FILE ? fs.readFileSync(process.env.CLAUDE_ENV_FILE, 'utf8') : null; } catch {}
  log({ payload, env, envFile });
});
`,
  );
  return `"${process.execPath}" "${script}"`;
}

export const ALL_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'StopFailure', 'SubagentStart', 'SubagentStop', 'SessionEnd', 'PreCompact', 'Notification'];

/** Adds a logging hook for `events` to the repo's .claude/settings.local.json (next to flc's own hooks). */
export function installLoggingHook(repo: string, logFile: string, events = ALL_EVENTS): void {
  const command = writeLoggingHook(tempDir('log-hook-'), logFile);
  const file = path.join(repo, '.claude', 'settings.local.json');
  const settings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  settings.hooks ??= {};
  for (const event of events) (settings.hooks[event] ??= []).push({ ...(/Tool/.test(event) ? { matcher: '*' } : {}), hooks: [{ type: 'command', command }] });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

export function readHookLog(logFile: string): Array<{ at: number; ppid: number; payload: any; env: Record<string, string | undefined>; envFile: string | null }> {
  if (!fs.existsSync(logFile)) return [];
  return fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** `describe`, or a skip that says why when the real CLI is not installed. */
export const describeReal: (name: string, fn: () => void) => void = HAS_CLAUDE
  ? (name, fn) => describe.concurrent(name, { timeout: 240_000 }, fn)
  : (name, fn) => describe.skip(`${name} — ${SKIP_REASON}`, fn);

/** The session id of a running session (from its stream-json init event). */
export async function sessionIdOf(handle: ClaudeHandle): Promise<string> {
  const init = await handle.waitForEvent((e) => e.type === 'system' && e.subtype === 'init');
  return init.session_id;
}

export interface ClaimRow {
  path: string;
  kind: string;
  session: string;
  agent?: string;
  worktree?: string;
}

/** The live claims in a repository's store ([] before the store exists). */
export function claimsIn(repo: string): ClaimRow[] {
  const file = path.join(repo, '.git', 'flc', 'db.json');
  if (!fs.existsSync(file)) return [];
  return JSON.parse(fs.readFileSync(file, 'utf8')).claims;
}

export function waitersIn(repo: string): unknown[] {
  const file = path.join(repo, '.git', 'flc', 'db.json');
  if (!fs.existsSync(file)) return [];
  return JSON.parse(fs.readFileSync(file, 'utf8')).waiters;
}

/** Runs this checkout's flc as a child (async) with a clean env. */
export function flcRun(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FLC, ...args], { cwd, env: baseEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

/** The Bash tool step that prints a command's output and its exit code. */
export function bash(command: string): { name: string; input: Record<string, unknown> } {
  return { name: 'Bash', input: { command: `${command}; echo "EXIT=$?"`, description: 'Run a command' } };
}

/** A Bash command that runs for `ms` (Claude Code rejects a bare long `sleep`). */
export function busyFor(ms: number): string {
  return `"${process.execPath}" -e "setTimeout(() => {}, ${ms})"`;
}

export const write = (file: string, content: string) => ({ name: 'Write', input: { file_path: file, content } });
export const edit = (file: string, oldString: string, newString: string) => ({ name: 'Edit', input: { file_path: file, old_string: oldString, new_string: newString } });

/** What went wrong in a run, for assertion messages: its exit, the final result and stderr. */
export function explain(run: ClaudeRun): string {
  const result = run.result ? `${run.result.subtype}${run.result.is_error ? ' (error)' : ''}: ${String(run.result.result ?? '').slice(0, 300)}` : 'no result event';
  return `claude exited ${run.code ?? run.signal}${run.timedOut ? ' (timed out)' : ''}; ${result}; stderr: ${run.stderr.slice(-800)}`;
}

export function expectExit(run: ClaudeRun, code: number): void {
  expect(run.code, explain(run)).toBe(code);
}

/** Polls `check` until true; fails naming what was awaited. Generous: machines under load are slow, not wrong. */
export async function waitUntil(what: string, check: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not seen within ${ms / 1000}s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
