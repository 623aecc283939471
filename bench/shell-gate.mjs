// flc benchmarks for the shell gate (issue 11, before a command runs): prints numbers, asserts
// nothing. `node scripts/build.mjs && node bench/shell-gate.mjs`
// On a repository of 10,000 tracked files, the Claude Code PreToolUse hook on Bash against a
// `node -e 0` start in the same run (alternating, medians):
//  1. a harmless command (`ls -la && npm test`): parse only
//  2. an obvious write (`echo x > out.txt`): parse + claim
//  3. a destructive git verb refused (`git stash -u` while another session owns a file): parse + git status
//  4. the session's own `git checkout -- .` allowed: parse + git status + snapshot (1 changed file)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Coordinator } from '../dist/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLC = path.join(ROOT, 'bin', 'flc.js');
const runs = Number(process.env.BENCH_RUNS ?? 20);
const env = { ...process.env, NO_COLOR: '1' };
delete env.FLC_SESSION;

const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', env });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(cwd, args, input, okCodes = [0]) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env, input, stdio: ['pipe', 'ignore', 'pipe'], encoding: 'utf8' });
  if (!okCodes.includes(r.status)) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flc-bench-shell-')));
git(repo, 'init', '-q', '-b', 'main');
git(repo, 'config', 'user.email', 'bench@example.com');
git(repo, 'config', 'user.name', 'bench');
for (let d = 0; d < 100; d++) {
  fs.mkdirSync(path.join(repo, 'src', `d${d}`), { recursive: true });
  for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(repo, 'src', `d${d}`, `f${i}.ts`), `export const v${i} = ${d * 100 + i};\n`);
}
git(repo, 'add', '-A');
git(repo, 'commit', '-q', '-m', 'base');
execFileSync(process.execPath, [FLC, 'init', '--no-guard'], { cwd: repo, env, stdio: 'ignore' });
// another session owns src/d0/f0.ts
const coordinator = Coordinator.open(repo);
await coordinator.claim({ session: 'other', paths: ['src/d0/f0.ts'] });
fs.writeFileSync(path.join(repo, 'src/d0/f0.ts'), 'changed by other\n');
await coordinator.release({ session: 'other', all: true });

const payload = (command) => JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 'bench', cwd: repo, tool_name: 'Bash', tool_input: { command } });
const cases = [
  ['harmless command (parse only)', 'ls -la && npm test 2>&1 | tail -5', [0], null],
  ['obvious write (parse + claim)', 'echo x > out.txt', [0], () => coordinator.release({ session: 'bench', all: true })],
  ['git stash -u refused (parse + git status)', 'git stash -u', [2], null],
  ["own checkout -- . allowed (status + snapshot)", 'git checkout -- src/d1/f1.ts', [0], () => fs.writeFileSync(path.join(repo, 'src/d1/f1.ts'), `mine ${Math.random()}\n`)],
];
time(repo, [FLC, 'hook', 'claude'], payload('ls')); // writes the code cache
console.log(`shell gate, Claude Code PreToolUse on Bash, 10,000 tracked files, ${runs} runs, medians:`);
for (const [label, command, ok, before] of cases) {
  const base = [];
  const hook = [];
  for (let i = 0; i < runs; i++) {
    base.push(time(repo, ['-e', '0']));
    if (before) await before();
    hook.push(time(repo, [FLC, 'hook', 'claude'], payload(command), ok));
  }
  const b = median(base);
  const h = median(hook);
  console.log(`  ${label.padEnd(48)} ${h.toFixed(1).padStart(7)} ms vs node -e 0 ${b.toFixed(1).padStart(6)} ms  (${(h / b).toFixed(2)}x, +${(h - b).toFixed(1)} ms)`);
}
fs.rmSync(repo, { recursive: true, force: true });
