// The Pi extension's two ways to reach flc (run by `npm run bench`, or alone after a build):
// library mode (flc resolves as a package: in-process calls, what `npm install -D
// file-lock-coordinator && npx flc init --pi` sets up) against CLI mode (no package in reach:
// the `flc` command, a process per claim and release). The real Pi (0.74 line, on this Node)
// with its faux provider scripting EDITS writes; wall time against the same session without the
// extension, and the cost per edit.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { timedRun } from './timed.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLC = path.join(ROOT, 'bin', 'flc.js');
const PI = path.join(ROOT, 'node_modules', '@earendil-works', 'pi-coding-agent', 'dist', 'cli.js');
const FAUX = path.join(ROOT, 'tests', 'fixtures', 'pi-faux.ts');
const EDITS = Number(process.env.BENCH_PI_EDITS ?? 20);
const RUNS = Number(process.env.BENCH_PI_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

if (!fs.existsSync(PI)) {
  console.log(`\nPi extension: skipped, no Pi at ${PI} (npm ci installs the @earendil-works/pi-coding-agent dev dependency)`);
} else {
  await bench();
}

async function bench() {
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-pi-')));
  const shim = path.join(work, 'shim');
  fs.mkdirSync(shim);
  fs.writeFileSync(path.join(shim, 'flc'), `#!/bin/sh\nexec "${process.execPath}" "${FLC}" "$@"\n`, { mode: 0o755 });
  let n = 0;
  const project = (mode) => {
    const repo = path.join(work, `repo-${++n}`);
    const home = path.join(work, `home-${n}`);
    fs.mkdirSync(repo);
    fs.mkdirSync(home);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    if (mode === 'library') {
      fs.mkdirSync(path.join(repo, 'node_modules'));
      fs.symlinkSync(ROOT, path.join(repo, 'node_modules', 'file-lock-coordinator'));
    }
    if (mode) execFileSync(process.execPath, [FLC, 'init', '--pi', '--no-pi-personal', '--no-guard'], { cwd: repo, env: { ...process.env, HOME: home }, stdio: 'ignore' });
    return { repo, home };
  };
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(PI), '..', 'package.json'), 'utf8')).version;
  console.log(`\nPi extension (real Pi ${version}, faux provider, ${EDITS} writes a session, median of ${RUNS}; a shared, loaded machine: load ${os.loadavg()[0].toFixed(1)})`);
  const wall = { none: [], library: [], cli: [] };
  try {
    for (let r = 0; r < RUNS; r++) {
      for (const mode of [null, 'library', 'cli']) {
        const { repo, home } = project(mode);
        const steps = [...Array.from({ length: EDITS }, (_, i) => ({ tool: 'write', args: { path: `f${i}.txt`, content: `${i}\n` } })), { text: 'done' }];
        const script = path.join(home, 'script.json');
        fs.writeFileSync(script, JSON.stringify(steps));
        const env = { ...process.env, HOME: home, PI_OFFLINE: '1', FAUX_SCRIPT: script, NO_COLOR: '1', PATH: `${shim}${path.delimiter}${process.env.PATH}` };
        for (const key of Object.keys(env)) if (/^(FLC_SESSION|PI_CODING_AGENT_DIR|PI_SESSION_ID|CLAUDE)/.test(key)) delete env[key];
        const run = await timedRun(process.execPath, [PI, '-e', FAUX, '--no-session', '--provider', 'faux', '--model', 'faux-1', '--mode', 'json', '-p', 'go'], repo, env);
        if (run.code !== 0) throw new Error(`pi exited ${run.code}: ${run.stderr.slice(-500)}`);
        if (mode && !fs.existsSync(path.join(repo, '.git', 'flc', 'events.jsonl'))) throw new Error(`pi (${mode}): the extension claimed nothing`);
        wall[mode ?? 'none'].push(run.ms);
      }
    }
    const base = median(wall.none);
    console.log(`  no extension   ${base.toFixed(0)} ms`);
    for (const mode of ['library', 'cli']) {
      const m = median(wall[mode]);
      console.log(`  ${(mode === 'library' ? 'library mode' : 'CLI mode').padEnd(14)} ${m.toFixed(0)} ms  ${(m / base).toFixed(2)}x  (${((m - base) / EDITS).toFixed(1)} ms per edit)`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true, maxRetries: 3 });
  }
}

