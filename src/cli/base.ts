import { Command, Option } from './clipanion.js';
import { FlcError, isFlcError } from '../core/errors.js';
import { Coordinator } from '../coordinator.js';
import { resolveSession } from '../identity.js';
import { type Style, styleFor } from './style.js';

/**
 * Shared shape of flc commands: `run()` returns an exit code; FlcErrors become one line (and
 * a hint) on stderr, or a JSON object on stdout with --json; nothing prints a stack trace
 * unless FLC_DEBUG is set.
 */
export abstract class FlcCommand extends Command {
  json = Option.Boolean('--json', false, { description: 'Print machine-readable JSON on stdout' });

  abstract run(): Promise<number>;

  async execute(): Promise<number> {
    try {
      return await this.run();
    } catch (error) {
      return this.fail(error);
    }
  }

  protected coordinator(): Coordinator {
    return Coordinator.open(process.cwd());
  }

  protected session(flag: string | undefined): string {
    return resolveSession({ flag });
  }

  protected get out(): Style {
    return styleFor(this.context.stdout);
  }

  protected get err(): Style {
    return styleFor(this.context.stderr);
  }

  protected print(text: string): void {
    this.context.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  protected warn(text: string): void {
    this.context.stderr.write(`${text}\n`);
  }

  protected printJson(value: unknown): void {
    this.context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  protected fail(error: unknown): number {
    const flcError = isFlcError(error) ? error : internal(error);
    if (this.json) {
      this.printJson({ error: flcError.message, code: flcError.code, ...(flcError.hint ? { hint: flcError.hint } : {}) });
    } else {
      this.warn(`${this.err.red('flc:')} ${flcError.message}`);
      if (flcError.hint) this.warn(`${this.err.dim('hint:')} ${flcError.hint}`);
    }
    if (process.env.FLC_DEBUG && error instanceof Error) this.warn(error.stack ?? '');
    return flcError.exitCode;
  }
}

function internal(error: unknown): FlcError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC') {
    return new FlcError('STORE_UNREADABLE', message, 'check permissions and free space of the .git directory');
  }
  return new FlcError('STORE_UNREADABLE', `internal error: ${message}`, 'run again with FLC_DEBUG=1 for details, and report it');
}

/** Throws a usage error for an option value that failed to parse. */
export function usage(message: string, hint?: string): FlcError {
  return new FlcError('USAGE', message, hint);
}
