// flc benchmarks: prints numbers, asserts nothing. Run with `npm run bench` (builds first).
//  1. start-up, on each Node installed (the machine's; Node 22 and 24 from the dev dependencies):
//     `flc status` against `node -e 0` run by the same Node binary, median of alternating runs, as
//     a ratio, and the same for the Claude Code PreToolUse hook granting an edit
//  2. claim+release operations per second through the library API
//  3. wake-up latency: from a release to the waiting process's grant
//  4. the pre-commit guard on a big change
//  5. flc serve round trips
//  6. the shell gate on Bash commands (bench/shell-gate.mjs)
//  7. shell attribution: a Bash call's pre+post hooks on 10,000 tracked files (bench/shell.mjs)
//  8. Claude Code's hooks with the real CLI, per hook mode (bench/claude-hooks.mjs)
//  9. the Pi extension in library mode against CLI mode (bench/pi-modes.mjs)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Coordinator, evaluateGuard } from '../dist/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLC = path.join(ROOT, 'bin', 'flc.js');
const runs = Number(process.env.BENCH_RUNS ?? 30);

const repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-')));
execFileSync('git', ['init', '-q', repo]);
const env = { ...process.env, FLC_SESSION: 'bench', NO_COLOR: '1' };
const coordinator = Coordinator.open(repo);
await coordinator.claim({ paths: ['src/a.ts', 'src/b.ts', 'docs/'], session: 'someone-else' });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const timeRun = (args, node = process.execPath) => timeRunIn(repo, args, node);
function timeRunIn(cwd, args, node = process.execPath) {
  const start = process.hrtime.bigint();
  const r = spawnSync(node, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The machine's Node, then the Node binaries the dev dependencies install (node22, node24). */
function nodeBinaries() {
  const nodes = [process.execPath];
  for (const alias of ['node22', 'node24']) {
    const bin = path.join(ROOT, 'node_modules', alias, 'bin', 'node');
    if (fs.existsSync(bin)) nodes.push(bin);
  }
  return nodes.map((bin) => ({ bin, version: execFileSync(bin, ['-p', 'process.version'], { encoding: 'utf8' }).trim() }));
}

// 1. start-up, per Node version, each against its own `node -e 0`
for (const node of nodeBinaries()) {
  const label = `Node ${node.version}`.padEnd(13);
  timeRun([FLC, 'status'], node.bin); // writes this Node's code cache
  const baseline = [];
  const status = [];
  for (let i = 0; i < runs; i++) {
    baseline.push(timeRun(['-e', '0'], node.bin));
    status.push(timeRun([FLC, 'status'], node.bin));
  }
  const mb = median(baseline);
  const ms = median(status);
  console.log(`start-up     ${label} flc status ${ms.toFixed(1)} ms, node -e 0 ${mb.toFixed(1)} ms, ratio ${(ms / mb).toFixed(2)} (median of ${runs} alternating runs; aim <= 1.3)`);

  // 1b. the Claude Code PreToolUse hook, grant path (what every agent edit pays)
  const hookBase = [];
  const hook = [];
  for (let i = 0; i < runs; i++) {
    const payload = JSON.stringify({ session_id: 'bench-claude', hook_event_name: 'PreToolUse', tool_name: 'Edit', cwd: repo, tool_input: { file_path: path.join(repo, `hook/f${i % 20}.ts`) } });
    hookBase.push(timeRun(['-e', '0'], node.bin));
    const start = process.hrtime.bigint();
    const r = spawnSync(node.bin, [FLC, 'hook', 'claude'], { cwd: repo, env, input: payload, stdio: ['pipe', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hook on Node ${node.version} exited ${r.status}: ${r.stderr}`);
    hook.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const hb = median(hookBase);
  const hh = median(hook);
  console.log(`claude hook  ${label} PreToolUse grant ${hh.toFixed(1)} ms, node -e 0 ${hb.toFixed(1)} ms, ratio ${(hh / hb).toFixed(2)} (median of ${runs} alternating runs; aim <= 1.3)`);
}

// 2. claim + release throughput through the library
{
  const duration = 3000;
  const end = Date.now() + duration;
  let ops = 0;
  while (Date.now() < end) {
    const file = `ops/f${ops % 50}.ts`;
    const r = await coordinator.claim({ paths: [file], session: 'bench' });
    if (!r.granted) throw new Error('claim refused');
    await coordinator.release({ targets: [file], session: 'bench' });
    ops++;
  }
  console.log(`throughput   ${(ops / (duration / 1000)).toFixed(0)} claim+release pairs per second (library API, one process)`);
}

// 3. wake-up latency of a waiting process
{
  const samples = [];
  for (let i = 0; i < 10; i++) {
    const file = `wake/f${i}.ts`;
    await coordinator.claim({ paths: [file], session: 'holder' });
    const child = spawn(process.execPath, [FLC, 'claim', file, '--wait', '--timeout', '30s', '--json'], { cwd: repo, env: { ...env, FLC_SESSION: `waiter-${i}` }, stdio: ['ignore', 'pipe', 'ignore'] });
    const done = new Promise((resolve) => child.on('close', resolve));
    while (!coordinator.status().waiters.some((w) => w.session === `waiter-${i}`)) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    await coordinator.release({ targets: [file], session: 'holder' });
    const releasedAt = Date.now();
    await done;
    const granted = coordinator.store.journal.tail(50).find((e) => e.event === 'claim:acquired' && e.session === `waiter-${i}`);
    samples.push(Date.parse(granted.t) - releasedAt);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(`wake-up      median ${median(samples)} ms, max ${sorted.at(-1)} ms from release to the waiter's grant (10 waits; target < 50 ms)`);
}

// 4. the pre-commit guard: 10,000 staged files against 1,000 claims of another session
{
  const big = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-guard-')));
  execFileSync('git', ['init', '-q', big]);
  const files = [];
  for (let d = 0; d < 100; d++) {
    fs.mkdirSync(path.join(big, `pkg${d}`, 'src'), { recursive: true });
    for (let f = 0; f < 100; f++) {
      const file = `pkg${d}/src/file${f}.ts`;
      fs.writeFileSync(path.join(big, file), `${d} ${f}\n`);
      files.push(file);
    }
  }
  execFileSync('git', ['add', '-A'], { cwd: big });
  // 700 file claims, 200 directory claims, 100 glob claims, none covering the staged files
  const patterns = [
    ...Array.from({ length: 700 }, (_, i) => `other/file${i}.ts`),
    ...Array.from({ length: 200 }, (_, i) => `elsewhere${i}/`),
    ...Array.from({ length: 100 }, (_, i) => `gen${i}/**/*.ts`),
  ];
  const owner = Coordinator.open(big);
  const claimed = await owner.claim({ paths: patterns, session: 'someone-else' });
  if (!claimed.granted) throw new Error('bench claims refused');
  const claims = owner.status().claims;
  const changes = files.map((p) => ({ status: 'A', path: p }));
  const evalTimes = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    evaluateGuard({ changes, claims, session: 'me', worktree: big, otherWorktrees: 'warn', now: Date.now() });
    evalTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cmdTimes = [];
  for (let i = 0; i < 5; i++) cmdTimes.push(timeRunIn(big, [FLC, 'guard']));
  console.log(`guard        10,000 staged files vs 1,000 claims: decision ${median(evalTimes).toFixed(1)} ms, whole \`flc guard\` (start-up and git diff included) ${median(cmdTimes).toFixed(0)} ms`);
  fs.rmSync(big, { recursive: true, force: true });
}

// 5. flc serve: lock + unlock round trips per second, one keep-alive client
{
  const server = spawn(process.execPath, [FLC, 'serve', '--port', '0'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise((resolve) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const match = /:(\d+) for /.exec(out);
      if (match) resolve(Number(match[1]));
    });
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (route, body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: route, agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve(JSON.parse(data)));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const duration = 3000;
  const end = Date.now() + duration;
  let trips = 0;
  while (Date.now() < end) {
    const file = `/bench/http-${trips % 50}`;
    const r = await post('/lock?wait=false', { session: 'bench-http', file });
    if (!r.granted) throw new Error('http lock refused');
    await post('/unlock', { session: 'bench-http', file });
    trips++;
  }
  agent.destroy();
  server.kill('SIGTERM');
  console.log(`flc serve    ${(trips / (duration / 1000)).toFixed(0)} lock+unlock round trips per second (one keep-alive client)`);
}

fs.rmSync(repo, { recursive: true, force: true });
await import('./changes.mjs'); // owned changes: reference-transaction hook cost, guard with 1,000 owned files
await import('./shell-gate.mjs'); // the shell gate (PreToolUse on Bash) on 10,000 files
await import('./shell.mjs'); // Bash pre+post hooks on 10,000 tracked files
await import('./claude-hooks.mjs'); // real Claude Code, command against mcp hooks: bench/claude-hooks.mjs
await import('./pi-modes.mjs'); // the Pi extension, in-process against a process per edit: bench/pi-modes.mjs
await import('./serve.mjs'); // flc serve with many waiting long-polls: bench/serve.mjs (last: it ends the process)
