import { spawn } from 'node:child_process';

/** Runs a command to its end (killed after five minutes) and says how long it took: `{ code, stderr, ms }`. */
export function timedRun(command, args, cwd, env) {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    }),
  );
}
