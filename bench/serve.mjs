// flc serve under many waiting long-polls (run by `npm run bench`, or alone after a build):
// N clients long-poll for one file; each grant is released at once, so the file is handed
// from waiter to waiter. Prints the time from a release to the next grant (p50/max) against
// the same hand-over with a single waiter, measured in the same run, and the server's CPU use
// while the N long-polls just wait.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLC = path.join(ROOT, 'bin', 'flc.js');
const WAITERS = Number(process.env.BENCH_SERVE_WAITERS ?? 200);
const HANDOVERS = Math.min(WAITERS, Number(process.env.BENCH_SERVE_HANDOVERS ?? WAITERS));
const BASELINE_RUNS = 20;

const repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-serve-')));
execFileSync('git', ['init', '-q', repo]);
const dbFile = path.join(repo, '.git', 'flc', 'db.json');
const server = spawn(process.execPath, [FLC, 'serve', '--port', '0'], { cwd: repo, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
try {
  const port = await new Promise((resolve, reject) => {
    let out = '';
    server.on('exit', (code) => reject(new Error(`flc serve exited ${code}`)));
    server.stdout.on('data', (d) => {
      out += d;
      const match = /:(\d+) for /.exec(out);
      if (match) resolve(Number(match[1]));
    });
  });
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const post = (route, body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: route, agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => (data ? resolve(JSON.parse(data)) : reject(new Error(`${route}: HTTP ${res.statusCode} with no body`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const queued = () => {
    try {
      return JSON.parse(fs.readFileSync(dbFile, 'utf8')).waiters.length;
    } catch {
      return 0;
    }
  };
  const untilQueued = async (n) => {
    const end = Date.now() + 120_000;
    while (queued() < n) {
      if (Date.now() > end) throw new Error(`only ${queued()} of ${n} requests queued`);
      await sleep(20);
    }
  };
  const cpuSeconds = () => {
    const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
  };
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: s[Math.floor(s.length / 2)], max: s.at(-1) };
  };

  // Baseline: one waiter, one hand-over, repeated.
  const single = [];
  for (let i = 0; i < BASELINE_RUNS; i++) {
    const file = `/bench/single-${i}`;
    await post('/lock', { session: 'holder', file });
    const waiting = post('/lock?timeout=60s', { session: `solo-${i}`, file });
    await untilQueued(1);
    await sleep(50);
    const released = performance.now();
    await post('/unlock', { session: 'holder', file });
    const reply = await waiting;
    if (!reply.granted) throw new Error(`single waiter refused: ${reply.error}`);
    single.push(performance.now() - released);
    await post('/unlock', { session: `solo-${i}`, file });
  }

  // N waiters on one file, chained.
  const file = '/bench/contended';
  await post('/lock', { session: 'holder', file });
  const replies = [];
  for (let i = 0; i < WAITERS; i++) replies.push(post('/lock?timeout=600s', { session: `w${i}`, file }));
  await untilQueued(WAITERS);
  let idleCpu = null;
  if (fs.existsSync(`/proc/${server.pid}/stat`)) {
    const before = cpuSeconds();
    await sleep(3000);
    idleCpu = ((cpuSeconds() - before) / 3) * 100;
  }
  const handovers = [];
  let refused = 0;
  let releasedAt = performance.now();
  await post('/unlock', { session: 'holder', file });
  for (let i = 0; i < HANDOVERS; i++) {
    const reply = await replies[i];
    if (!reply.granted) {
      refused++;
      continue;
    }
    handovers.push(performance.now() - releasedAt);
    releasedAt = performance.now();
    await post('/unlock', { session: `w${i}`, file });
  }
  const base = stats(single);
  const many = stats(handovers);
  const idle = idleCpu === null ? '' : `; server CPU while they wait ${idleCpu.toFixed(0)}%`;
  console.log(
    `serve wait   ${WAITERS} waiting long-polls: release -> next grant p50 ${many.p50.toFixed(1)} ms, max ${many.max.toFixed(1)} ms over ${handovers.length} hand-overs` +
      `${refused ? ` (${refused} refused)` : ''}; one waiter: p50 ${base.p50.toFixed(1)} ms, max ${base.max.toFixed(1)} ms${idle}`,
  );
  agent.destroy();
} finally {
  server.kill('SIGKILL');
  fs.rmSync(repo, { recursive: true, force: true });
}
process.exit(0);
