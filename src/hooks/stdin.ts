import fs from 'node:fs';

export interface StdinResult {
  text: string;
  problem?: string;
}

/**
 * Reads all of stdin, but never more than `maxBytes` and never longer than `timeoutMs`: a hook
 * must not hang on a writer that never closes, nor swallow gigabytes. A terminal gives "".
 *
 * stdin is reopened non-blocking (`/dev/stdin` is a new open file description of the same
 * pipe) and read synchronously: no stream machinery (milliseconds of every hook), and no
 * blocking read in Node's thread pool, which would keep the process from exiting at the
 * deadline. Where /dev/stdin cannot be opened, process.stdin does the job.
 */
export function readStdin(maxBytes: number, timeoutMs: number): Promise<StdinResult> {
  try {
    if (fs.fstatSync(0).isCharacterDevice()) return Promise.resolve({ text: '' });
  } catch {
    return Promise.resolve({ text: '' }); // no stdin at all
  }
  let fd: number;
  try {
    fd = fs.openSync('/dev/stdin', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return readStdinStream(maxBytes, timeoutMs);
  }
  try {
    return Promise.resolve(readNonBlocking(fd, maxBytes, Date.now() + timeoutMs, timeoutMs));
  } finally {
    fs.closeSync(fd);
  }
}

function readNonBlocking(fd: number, maxBytes: number, deadline: number, timeoutMs: number): StdinResult {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65536);
  let total = 0;
  const result = (problem?: string): StdinResult => ({ text: Buffer.concat(chunks).toString('utf8'), ...(problem ? { problem } : {}) });
  for (;;) {
    let bytes: number;
    try {
      bytes = fs.readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return result(`cannot read hook input (${(error as Error).message})`);
      if (Date.now() > deadline) return result(`hook input did not end within ${timeoutMs} ms`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); // the writer is still writing
      continue;
    }
    if (bytes === 0) return result();
    total += bytes;
    if (total > maxBytes) return result(`hook input is larger than ${maxBytes} bytes`);
    chunks.push(Buffer.from(buffer.subarray(0, bytes)));
  }
}

function readStdinStream(maxBytes: number, timeoutMs: number): Promise<StdinResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (problem?: string) => {
      clearTimeout(timer);
      process.stdin.removeAllListeners();
      process.stdin.pause();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), ...(problem ? { problem } : {}) });
    };
    const timer = setTimeout(() => finish(`hook input did not end within ${timeoutMs} ms`), timeoutMs);
    process.stdin.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) return finish(`hook input is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    });
    process.stdin.on('end', () => finish());
    process.stdin.on('error', (error) => finish(`cannot read hook input (${error.message})`));
  });
}
