// flc benchmarks for owned changes: prints numbers, asserts nothing. `node scripts/build.mjs && node bench/changes.mjs`
//  1. the reference-transaction hook on ref updates that involve nothing of flc's: median extra
//     wall time of `git update-ref` with the hook against the same repository without it
//  2. the pre-commit guard with 1,000 files owned by another session, all staged
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Coordinator } from '../dist/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLC = path.join(ROOT, 'bin', 'flc.js');
const runs = Number(process.env.BENCH_RUNS ?? 40);
const env = { ...process.env, NO_COLOR: '1', FLC_SESSION: 'bench-b' };

const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', env });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(cwd, command, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd, env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
function makeRepo(files = 1) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-changes-')));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'bench@example.com');
  git(dir, 'config', 'user.name', 'bench');
  fs.mkdirSync(path.join(dir, 'src'));
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(dir, 'src', `f${i}.ts`), `export const v${i} = ${i};\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

// 1. reference-transaction hook, nothing of flc's involved
{
  const withHook = makeRepo();
  const without = makeRepo();
  execFileSync(process.execPath, [FLC, 'init'], { cwd: withHook, env, stdio: 'ignore' });
  const head = git(withHook, 'rev-parse', 'HEAD').trim();
  const headWithout = git(without, 'rev-parse', 'HEAD').trim();
  const cases = [
    ['a fetch-like update (refs/remotes/...), store with a claim', 'refs/remotes/origin/main', true],
    ['a branch update, empty store', 'refs/heads/main', false],
  ];
  for (const [label, ref, withClaim] of cases) {
    if (withClaim) await Coordinator.open(withHook).claim({ session: 'bench-a', paths: ['src/f0.ts'] });
    else fs.writeFileSync(path.join(withHook, '.git/flc/db.json'), JSON.stringify({ version: 1, claims: [], waiters: [], sessions: [], nextSeq: 1 }, null, 2));
    const a = [];
    const b = [];
    for (let i = 0; i < runs; i++) {
      b.push(time(without, 'git', ['update-ref', ref, headWithout]));
      a.push(time(withHook, 'git', ['update-ref', ref, head]));
    }
    console.log(`ref hook     ${label}: git update-ref ${median(a).toFixed(1)} ms with the hook, ${median(b).toFixed(1)} ms without, +${(median(a) - median(b)).toFixed(1)} ms (median of ${runs})`);
  }
  // For scale: when flc is involved (another session holds a file) the hook starts flc.
  await Coordinator.open(withHook).claim({ session: 'bench-a', paths: ['src/f0.ts'] });
  const involved = [];
  const plain = [];
  for (let i = 0; i < Math.min(runs, 15); i++) {
    plain.push(time(without, 'git', ['update-ref', 'refs/heads/main', headWithout]));
    involved.push(time(withHook, 'git', ['update-ref', 'refs/heads/main', head]));
  }
  console.log(`ref hook     a branch update while another session holds a claim (flc runs): +${(median(involved) - median(plain)).toFixed(1)} ms`);
}

// 2. the guard with 1,000 owned files
{
  const n = 1000;
  const repo = makeRepo(n);
  const coordinator = Coordinator.open(repo);
  const paths = Array.from({ length: n }, (_, i) => `src/f${i}.ts`);
  await coordinator.claim({ session: 'bench-a', paths });
  for (const p of paths) fs.appendFileSync(path.join(repo, p), '// changed by bench-a\n');
  await coordinator.release({ session: 'bench-a', all: true });
  const owned = coordinator.changes.list('bench-a').length;
  git(repo, 'add', '-A');
  const refused = [];
  const own = [];
  for (let i = 0; i < 7; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [FLC, 'guard'], { cwd: repo, env, stdio: 'ignore' });
    refused.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 1) throw new Error(`guard exited ${r.status}, expected a refusal`);
    own.push(time(repo, process.execPath, [FLC, 'guard', '--session', 'bench-a']));
  }
  console.log(`guard        ${owned} owned files staged: refused in ${median(refused).toFixed(0)} ms (another session), passed in ${median(own).toFixed(0)} ms (the owner) (median of 7)`);
}
