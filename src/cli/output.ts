import fs from 'node:fs';

/**
 * Synchronous output straight to a file descriptor. `process.stdout` would load Node's whole
 * stream stack (several milliseconds of every start), and flc is started by agent hooks on
 * every edit; its output is small and written at once, so plain write(2) is enough.
 */
export class FdWriter {
  private tty: boolean | undefined;

  constructor(readonly fd: number) {}

  /**
   * Only a character device can be a terminal, and /dev/null (where scripts send output) is
   * none; ask tty, a heavier module, only for the rest.
   */
  get isTTY(): boolean {
    if (this.tty === undefined) {
      try {
        const stat = fs.fstatSync(this.fd);
        this.tty = stat.isCharacterDevice() && !isDevNull(stat) && process.getBuiltinModule('node:tty').isatty(this.fd);
      } catch {
        this.tty = false;
      }
    }
    return this.tty;
  }

  write(chunk: string | Uint8Array): boolean {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let offset = 0; offset < buffer.length; ) {
      try {
        offset += fs.writeSync(this.fd, buffer, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') pause(1); // a non-blocking pipe is full: let the reader catch up
        else if (code === 'EPIPE') return false; // the reader went away (`flc log | head`)
        else throw error;
      }
    }
    return true;
  }
}

function isDevNull(stat: fs.Stats): boolean {
  try {
    return stat.rdev === fs.statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
