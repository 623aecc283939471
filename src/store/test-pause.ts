import fs from 'node:fs';

/**
 * A test-only hook. With FLC_TEST_PAUSE_BEFORE_WRITE=<file>, a writer that has passed every
 * check stops right before its write commits, creates `<file>.reached`, and waits for <file>
 * to appear — so a test can freeze it (SIGSTOP) at the worst moment. In production the
 * variable is unset: one environment read at load, then a return.
 */
const pauseFile = process.env.FLC_TEST_PAUSE_BEFORE_WRITE;

export function pauseBeforeWrite(): void {
  if (!pauseFile) return;
  fs.writeFileSync(`${pauseFile}.reached`, String(process.pid));
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!fs.existsSync(pauseFile)) Atomics.wait(cell, 0, 0, 20);
}
