// flc benchmark for shell attribution (issue 11, after a command): prints numbers, asserts nothing.
// `node scripts/build.mjs && node bench/shell.mjs`
// On a repository of 10,000 tracked files where another session owns 3 files: the extra wall time
// of a Bash call's PreToolUse + PostToolUse hooks (`flc hook claude`, as installed), for a command
// that changes nothing and for one that changes one file, against two `node -e 0` starts measured
// alternately in the same run (aim <= 1.5x). Then what it is made of: one `git status` of the
// repository, and the same hook pair where flc is not set up (no git is run there).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLC = path.join(ROOT, 'bin', 'flc.js');
const runs = Number(process.env.BENCH_RUNS ?? 30);
const env = { ...process.env, NO_COLOR: '1' };
for (const key of Object.keys(env)) if (/^(CLAUDE|FLC_)/.test(key)) delete env[key];

const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', env });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(cwd, command, args, input) {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd, env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function makeRepo(dirs, perDir) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-shell-')));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'bench@example.com');
  git(dir, 'config', 'user.name', 'bench');
  for (let d = 0; d < dirs; d++) {
    fs.mkdirSync(path.join(dir, `d${d}`));
    for (let f = 0; f < perDir; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}.ts`), `export const v${d}_${f} = ${f};\n`);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

const hook = (cwd, event, id) => JSON.stringify({ session_id: 'bench-shell', hook_event_name: event, tool_name: 'Bash', tool_use_id: id, cwd, tool_input: { command: 'make' } });

/** One Bash call's hooks: [pre ms, post ms]; `command` runs between them, untimed. */
function bashCall(cwd, id, command) {
  const pre = time(cwd, process.execPath, [FLC, 'hook', 'claude'], hook(cwd, 'PreToolUse', id));
  command?.();
  const post = time(cwd, process.execPath, [FLC, 'hook', 'claude'], hook(cwd, 'PostToolUse', id));
  return pre + post;
}

const repo = makeRepo(100, 100);
execFileSync(process.execPath, [FLC, 'init'], { cwd: repo, env, stdio: 'ignore' });
// Another session owns three files (their content is kept before each command: once, then only checked).
for (const f of ['d1/f1.ts', 'd2/f2.ts', 'd3/f3.ts']) {
  execFileSync(process.execPath, [FLC, 'claim', f], { cwd: repo, env: { ...env, FLC_SESSION: 'bench-other' }, stdio: 'ignore' });
  fs.appendFileSync(path.join(repo, f), '// other session\n');
}
execFileSync(process.execPath, [FLC, 'release', '--all'], { cwd: repo, env: { ...env, FLC_SESSION: 'bench-other' }, stdio: 'ignore' });
const plain = makeRepo(100, 100); // flc not set up: the hooks run no git

const cases = [
  ['changes nothing', repo, undefined],
  ['changes one file', repo, () => fs.appendFileSync(path.join(repo, 'd9/f9.ts'), '// one more line\n')],
  ['flc not set up here', plain, undefined],
];
bashCall(repo, 'warm-up'); // writes the code cache, keeps the others' versions
const results = cases.map(() => []);
const baseline = [];
const status = [];
for (let i = 0; i < runs; i++) {
  baseline.push(time(repo, process.execPath, ['-e', '0']) + time(repo, process.execPath, ['-e', '0']));
  cases.forEach(([, cwd, command], c) => results[c].push(bashCall(cwd, `t${i}-${c}`, command)));
  status.push(time(repo, 'git', ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--ignore-submodules=all']));
}
const base = median(baseline);
console.log(`shell hooks  10,000 tracked files; two node -e 0 starts ${base.toFixed(1)} ms (median of ${runs}, alternating)`);
cases.forEach(([label], c) => {
  const m = median(results[c]);
  console.log(`shell hooks  Bash pre+post, ${label.padEnd(19)} ${m.toFixed(1)} ms, ratio ${(m / base).toFixed(2)} (aim <= 1.5)`);
});
console.log(`shell hooks  of which git status (once per hook) ${median(status).toFixed(1)} ms; the rest is two flc starts (compare "flc not set up here")`);
for (const dir of [repo, plain]) fs.rmSync(dir, { recursive: true, force: true });
