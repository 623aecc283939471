// flc's Claude Code hooks as the real Claude Code measures them (run by `npm run bench`, or alone
// after a build): the pinned CLI, driven headless by a scripted model on loopback
// (tests/fixtures/fake-anthropic.ts). Per hook mode (command: a process per hook; mcp: an
// mcp_tool call into the session's `flc mcp`):
//  1. hook time per edit (Write) and per Bash call, PreToolUse + PostToolUse, p50/p95, from
//     Claude Code's --debug-file
//  2. a session of EDITS edits, and one of EDITS Bash calls that each write a file: wall time with
//     flc's hooks against the same session with none (ratio per round of back-to-back sessions,
//     median over SESSIONS rounds); in the same rounds, sessions whose PreToolUse + PostToolUse
//     hooks do nothing (a `true` command, an http hook answered at once on loopback, flc's
//     mcp_tool entries pointed at a do-nothing server): the floor Claude Code's own dispatch of
//     each hook type puts under any hook; and the Writes again against a model that takes
//     MODEL_MS per response, as a real one does (PACED_ROUNDS rounds)
//  3. a waiting session's grant after the holder's release (the journal's timestamps), p50/max
// Skips, saying why, where the Claude Code binary is absent.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { timedRun } from './timed.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLC = path.join(ROOT, 'bin', 'flc.js');
const CLAUDE = process.env.FLC_CLAUDE_BIN || path.join(ROOT, 'node_modules', '.bin', 'claude');
const EDITS = Number(process.env.BENCH_CLAUDE_EDITS ?? 50);
const SESSIONS = Number(process.env.BENCH_CLAUDE_SESSIONS ?? 5);
const WAITS = Number(process.env.BENCH_CLAUDE_WAITS ?? 5);
/** A paced model: each response takes this long (a real model's first token takes longer), for PACED_ROUNDS rounds. */
const MODEL_MS = Number(process.env.BENCH_CLAUDE_MODEL_MS ?? 500);
const PACED_ROUNDS = Number(process.env.BENCH_CLAUDE_PACED_ROUNDS ?? 2);
const MODES = ['command', 'mcp'];
/** Hooks that do nothing, one per hook type Claude Code offers: what a hook of that type costs at the least. */
const FLOORS = ['noop-command', 'noop-http', 'noop-mcp'];
const FLOOR_LABELS = { 'noop-command': 'command `true`', 'noop-http': 'http, loopback', 'noop-mcp': 'mcp_tool' };
const MATCHER = 'Edit|Write|MultiEdit|NotebookEdit|Bash';

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))];
};
const median = (xs) => pct(xs, 0.5);
const ms = (x) => `${x.toFixed(1)} ms`;

if (!fs.existsSync(CLAUDE)) {
  console.log(`\nClaude Code hooks: skipped, no Claude Code binary at ${CLAUDE} (npm ci installs the pinned @anthropic-ai/claude-code; FLC_CLAUDE_BIN names another)`);
} else {
  await bench();
}

async function bench() {
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-claude-')));
  const { startFakeAnthropic } = await loadFakeAnthropic(work);
  const api = await startFakeAnthropic();
  const noopHttp = await startNoopHttp();
  const shim = path.join(work, 'shim');
  fs.mkdirSync(shim);
  fs.writeFileSync(path.join(shim, 'flc'), `#!/bin/sh\nexec "${process.execPath}" "${FLC}" "$@"\n`, { mode: 0o755 });
  const version = execFileSync(CLAUDE, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\nClaude Code hooks (real ${version}, scripted model on loopback; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}: a shared machine, so absolute times are noisy)`);
  let n = 0;
  const repoFor = (mode, config = []) => {
    const repo = path.join(work, `repo-${++n}`);
    fs.mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.email', 'bench@example.com');
    git(repo, 'config', 'user.name', 'Bench');
    fs.writeFileSync(path.join(repo, 'README.md'), 'bench\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'init');
    for (const setting of config) flc(repo, 'config', 'set', setting);
    if (FLOORS.includes(mode)) writeNoopHooks(repo, mode, noopHttp.url);
    else if (mode) flc(repo, 'init', '--claude', `--hooks=${mode}`);
    return repo;
  };
  const runSession = (repo, name, steps, debugFile) => {
    api.script(name, steps);
    return claude(repo, api.url, `[script:${name}] go`, shim, debugFile);
  };
  // Each kind of tool call: a Write of a new file, or a Bash command that writes one (the shell
  // gate claims its redirect target, the after-check attributes the file).
  const KINDS = {
    Write: (repo, tag, i) => ({ name: 'Write', input: { file_path: path.join(repo, `f${i}.txt`), content: `${tag} ${i}\n` } }),
    Bash: (repo, tag, i) => ({ name: 'Bash', input: { command: `echo '${tag} ${i}' > b${i}.txt`, description: 'write a file' } }),
  };
  const sessionScript = (repo, tool, tag, delayMs = 0) => [...Array.from({ length: EDITS }, (_, i) => ({ delayMs, tools: [KINDS[tool](repo, tag, i)] })), { delayMs, text: 'Done.' }];

  try {
    for (const tool of Object.keys(KINDS)) {
      // 1 + 2: sessions of EDITS calls, no hooks / each mode, interleaved so load drifts hit all alike.
      const wall = Object.fromEntries(['none', ...MODES, ...FLOORS].map((mode) => [mode, []]));
      const hookTimes = { command: [], mcp: [] };
      for (let s = 0; s < SESSIONS; s++) {
        for (const mode of [null, ...MODES, ...FLOORS]) {
          const repo = repoFor(mode);
          const debugFile = path.join(work, `debug-${n}.log`);
          const run = await runSession(repo, `calls-${n}`, sessionScript(repo, tool, mode ?? 'none'), debugFile);
          if (run.code !== 0) throw new Error(`claude exited ${run.code}: ${run.stderr.slice(-500)}`);
          wall[mode ?? 'none'].push(run.ms);
          if (MODES.includes(mode)) hookTimes[mode].push(...callHookTimes(fs.readFileSync(debugFile, 'utf8'), tool));
        }
      }
      console.log(`  hook time per ${tool} call (PreToolUse + PostToolUse, Claude Code's debug log; ${SESSIONS} sessions x ${EDITS} calls):`);
      for (const mode of MODES) {
        const t = hookTimes[mode];
        if (!t.length) {
          console.log(`    ${mode.padEnd(8)} no hook timings found in the debug log`);
          continue;
        }
        console.log(`    ${mode.padEnd(8)} p50 ${ms(median(t))}  p95 ${ms(pct(t, 0.95))}  max ${ms(Math.max(...t))}  (${t.length} calls)${mode === 'mcp' ? '   target: p50 <= 20 ms, p95 <= 50 ms' : ''}`);
      }
      // The ratio is the median of each round's own ratio: a round runs its sessions back to
      // back, so a load swing on this shared machine shifts them alike.
      const base = median(wall.none);
      console.log(`  a session of ${EDITS} ${tool} calls, wall time (median of ${SESSIONS} rounds; ratio: the median of each round's ratio to its own session without hooks):`);
      console.log(`    no flc hooks ${ms(base)}`);
      for (const mode of MODES) {
        const ratio = median(wall[mode].map((t, i) => t / wall.none[i]));
        console.log(`    ${mode.padEnd(12)} ${ms(median(wall[mode]))}  ${ratio.toFixed(2)}x  (rounds: ${wall[mode].map((t, i) => (t / wall.none[i]).toFixed(2)).join(', ')})${mode === 'mcp' ? '   target: <= 1.10x' : ''}`);
      }
      console.log(`    the same session with PreToolUse + PostToolUse hooks that do nothing (Claude Code's own cost of each hook type):`);
      for (const mode of FLOORS) {
        const ratio = median(wall[mode].map((t, i) => t / wall.none[i]));
        console.log(`      ${FLOOR_LABELS[mode].padEnd(16)} ${ms(median(wall[mode]))}  ${ratio.toFixed(2)}x  (rounds: ${wall[mode].map((t, i) => (t / wall.none[i]).toFixed(2)).join(', ')})`);
      }
    }

    // The same 50 Writes against a model that takes MODEL_MS per response: what the hooks add to a session paced like a real one.
    if (PACED_ROUNDS > 0 && MODEL_MS > 0) {
      const paced = { none: [], command: [], mcp: [] };
      for (let r = 0; r < PACED_ROUNDS; r++) {
        for (const mode of [null, ...MODES]) {
          const repo = repoFor(mode);
          const run = await runSession(repo, `paced-${n}`, sessionScript(repo, 'Write', mode ?? 'none', MODEL_MS));
          if (run.code !== 0) throw new Error(`claude exited ${run.code}: ${run.stderr.slice(-500)}`);
          paced[mode ?? 'none'].push(run.ms);
        }
      }
      console.log(`  a session of ${EDITS} Write calls, the model taking ${MODEL_MS} ms per response (median of ${PACED_ROUNDS} rounds):`);
      console.log(`    no flc hooks ${ms(median(paced.none))}`);
      for (const mode of MODES) {
        const ratio = median(paced[mode].map((t, i) => t / paced.none[i]));
        console.log(`    ${mode.padEnd(12)} ${ms(median(paced[mode]))}  ${ratio.toFixed(2)}x`);
      }
    }

    // What of a hook is flc's own work: the same calls straight into `flc mcp --hooks-only`, no Claude Code.
    const own = await ownHookTimes(repoFor(null));
    console.log(`  flc's own part (the same tool calls straight into flc mcp --hooks-only, no Claude Code; median of ${own.runs}):`);
    console.log(`    Write    PreToolUse ${ms(own.pre)}  PostToolUse ${ms(own.post)}`);
    console.log(`    Bash     PreToolUse ${ms(own.bashPre)}  PostToolUse ${ms(own.bashPost)}`);

    // 3: grant latency. The bench holds f0..f(WAITS-1) as another session; the Claude session
    // writes them in order and waits at each; each is released once its waiter is queued.
    console.log(`  waiting session granted after the holder's release (journal timestamps, ${WAITS} hand-overs each):`);
    for (const mode of MODES) {
      const repo = repoFor(mode, ['waitTimeout=60s']);
      const files = Array.from({ length: WAITS }, (_, i) => `w${i}.txt`);
      flc(repo, 'claim', ...files, '--session', 'holder');
      const steps = [...files.map((f) => ({ tools: [{ name: 'Write', input: { file_path: path.join(repo, f), content: 'w\n' } }] })), { text: 'Done.' }];
      api.script(`wait-${n}`, steps);
      const session = claude(repo, api.url, `[script:wait-${n}] go`, shim);
      for (const file of files) {
        await until(() => waiters(repo).some((w) => JSON.stringify(w).includes(file)), `a waiter for ${file}`);
        flc(repo, 'release', file, '--session', 'holder');
      }
      const run = await session;
      if (run.code !== 0) throw new Error(`claude exited ${run.code}: ${run.stderr.slice(-500)}`);
      const latencies = grantLatencies(repo, files);
      console.log(`    ${mode.padEnd(8)} p50 ${ms(median(latencies))}  max ${ms(Math.max(...latencies))}   target: p50 <= 50 ms`);
    }
  } finally {
    await api.close();
    noopHttp.server.close();
    if (process.env.BENCH_CLAUDE_KEEP) console.log(`  (kept ${work})`);
    else fs.rmSync(work, { recursive: true, force: true, maxRetries: 3 });
  }
}

/**
 * Per call of `tool`, the PreToolUse and PostToolUse hook times summed, from the debug log. Command
 * hooks: Claude Code logs each one's duration ("Hooks: PreToolUse:Write [cmd] finished with status
 * 0 (140ms)"). mcp_tool hooks: from "Hooks: mcp_tool calling flc/claude_hook" to "Hook
 * PreToolUse:Write (PreToolUse) success", the log's own timestamps (millisecond resolution).
 */
function callHookTimes(log, tool) {
  const at = (line) => Date.parse(line.slice(0, 24));
  const spans = { PreToolUse: [], PostToolUse: [] };
  let start = null;
  for (const line of log.split('\n')) {
    const command = new RegExp(`Hooks: (PreToolUse|PostToolUse):${tool} \\[[^\\]]*flc hook claude\\] finished with status \\d+ \\((\\d+)ms\\)`).exec(line);
    if (command) spans[command[1]].push(Number(command[2]));
    if (/Hooks: mcp_tool calling flc\/claude_hook/.test(line)) start = at(line);
    const mcp = new RegExp(`Hook (PreToolUse|PostToolUse):${tool} \\((?:Pre|Post)ToolUse\\) success`).exec(line);
    if (mcp && start !== null) {
      spans[mcp[1]].push(at(line) - start);
      start = null;
    }
  }
  const count = Math.min(spans.PreToolUse.length, spans.PostToolUse.length);
  return Array.from({ length: count }, (_, i) => spans.PreToolUse[i] + spans.PostToolUse[i]);
}

/** Times `claude_hook` calls into a `flc mcp --hooks-only` this process starts, as Claude Code would make them. */
async function ownHookTimes(repo, runs = 40) {
  flc(repo, 'init');
  const child = spawn(process.execPath, [FLC, 'mcp', '--hooks-only'], { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, CLAUDE_PID: String(process.pid) } });
  let buffer = '';
  const pending = new Map();
  child.stdout.on('data', (d) => {
    buffer += d;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      pending.get(message.id)?.(message);
    }
  });
  let id = 0;
  const call = (method, params) =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  const hook = async (event, tool, toolUseId, input) => {
    const start = performance.now();
    const payload = { session_id: 'bench-own', cwd: repo, hook_event_name: event, tool_name: tool, tool_use_id: toolUseId, tool_input: JSON.stringify(input) };
    await call('tools/call', { name: 'claude_hook', arguments: { payload, hook_timeout: 60 } });
    return performance.now() - start;
  };
  await call('initialize', { protocolVersion: '2025-06-18' });
  const t = { pre: [], post: [], bashPre: [], bashPost: [] };
  for (let i = 0; i < runs; i++) {
    const file = { file_path: path.join(repo, `own${i}.txt`), content: 'x\n' };
    t.pre.push(await hook('PreToolUse', 'Write', `w${i}`, file));
    fs.writeFileSync(file.file_path, file.content);
    t.post.push(await hook('PostToolUse', 'Write', `w${i}`, file));
    const command = { command: `echo ${i} > own-b${i}.txt` };
    t.bashPre.push(await hook('PreToolUse', 'Bash', `b${i}`, command));
    fs.writeFileSync(path.join(repo, `own-b${i}.txt`), `${i}\n`);
    t.bashPost.push(await hook('PostToolUse', 'Bash', `b${i}`, command));
  }
  child.stdin.end();
  return { runs, pre: median(t.pre), post: median(t.post), bashPre: median(t.bashPre), bashPost: median(t.bashPost) };
}

/**
 * PreToolUse and PostToolUse hooks of one type that do nothing, matching the tools flc's hooks
 * match, and nothing else. The mcp_tool ones are flc's own entries (the same interpolated input)
 * pointed at a server that answers at once.
 */
function writeNoopHooks(repo, mode, httpUrl) {
  const entry = (hook) => [{ matcher: MATCHER, hooks: [{ ...hook, timeout: 30 }] }];
  let settings;
  if (mode === 'noop-mcp') {
    flc(repo, 'init', '--claude', '--hooks=mcp', '--no-guard');
    const installed = JSON.parse(fs.readFileSync(path.join(repo, '.claude', 'settings.json'), 'utf8'));
    settings = { hooks: { PreToolUse: installed.hooks.PreToolUse, PostToolUse: installed.hooks.PostToolUse }, enabledMcpjsonServers: installed.enabledMcpjsonServers };
    const server = path.join(ROOT, 'bench', 'noop-mcp-server.mjs');
    fs.writeFileSync(path.join(repo, '.mcp.json'), JSON.stringify({ mcpServers: { flc: { command: process.execPath, args: [server] } } }));
  } else {
    const hook = mode === 'noop-command' ? { type: 'command', command: 'true' } : { type: 'http', url: httpUrl };
    settings = { hooks: { PreToolUse: entry(hook), PostToolUse: entry(hook) } };
    fs.mkdirSync(path.join(repo, '.claude'));
  }
  fs.writeFileSync(path.join(repo, '.claude', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** A loopback server that answers every http hook at once with `{}` (no decision). */
async function startNoopHttp() {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/hook` };
}

function grantLatencies(repo, files) {
  const events = fs.readFileSync(path.join(repo, '.git', 'flc', 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const out = [];
  for (const file of files) {
    const released = events.find((e) => e.event === 'claim:released' && e.session === 'holder' && JSON.stringify(e).includes(file));
    const acquired = events.find((e) => e.event === 'claim:acquired' && e.session !== 'holder' && JSON.stringify(e).includes(file));
    if (released && acquired) out.push(Date.parse(acquired.t) - Date.parse(released.t));
  }
  return out;
}

function waiters(repo) {
  try {
    return JSON.parse(fs.readFileSync(path.join(repo, '.git', 'flc', 'db.json'), 'utf8')).waiters;
  } catch {
    return [];
  }
}

async function until(check, what, limitMs = 120_000) {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench: ${what} not seen within ${limitMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function claude(cwd, apiUrl, prompt, shim, debugFile) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-home-'));
  fs.mkdirSync(path.join(home, '.claude'));
  fs.writeFileSync(path.join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, bypassPermissionsModeAccepted: true }));
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^(CLAUDE|ANTHROPIC|FLC_|OTEL_)/.test(key) || key === 'CLAUDECODE') delete env[key];
  Object.assign(env, {
    HOME: home,
    CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: 'bench',
    IS_SANDBOX: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    NO_COLOR: '1',
    PATH: `${shim}${path.delimiter}${process.env.PATH}`,
  });
  const args = ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions', ...(debugFile ? ['--debug-file', debugFile] : [])];
  return timedRun(CLAUDE, args, cwd, env).then((run) => {
    fs.rmSync(home, { recursive: true, force: true });
    return run;
  });
}

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function flc(cwd, ...args) {
  return execFileSync(process.execPath, [FLC, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The fake Messages API is TypeScript: bundle it once with esbuild (a dev dependency, as the bench is). */
async function loadFakeAnthropic(work) {
  const { build } = await import('esbuild');
  const out = path.join(work, 'fake-anthropic.mjs');
  await build({ entryPoints: [path.join(ROOT, 'tests', 'fixtures', 'fake-anthropic.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
  return import(pathToFileURL(out).href);
}
