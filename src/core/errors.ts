/**
 * Errors are values with a code, a one-line message and a hint. Front doors turn them into
 * exit codes (CLI), HTTP statuses (server) or thrown tool errors (agents).
 */
export type ErrorCode =
  | 'USAGE' // bad flags or arguments
  | 'BAD_INPUT' // a value that cannot be parsed or is not allowed
  | 'OUTSIDE_REPO' // a path that is not inside the repository
  | 'NOT_A_REPO' // no git repository around the working directory
  | 'STORE_CORRUPT' // db.json or config.json is not valid
  | 'STORE_UNREADABLE' // the store cannot be read or written
  | 'STORE_BUSY' // the store mutex could not be taken in time
  | 'LOCK_COMPROMISED' // our mutex was broken by another process while we held it
  | 'REFUSED'; // understood but not allowed: held by another session, nothing to commit

/** Exit codes shared by every command; see README "Exit codes". */
export const EXIT = { ok: 0, refused: 1, usage: 2, environment: 3 } as const;

const exitByCode: Record<ErrorCode, number> = {
  USAGE: EXIT.usage,
  BAD_INPUT: EXIT.usage,
  OUTSIDE_REPO: EXIT.usage,
  REFUSED: EXIT.refused,
  NOT_A_REPO: EXIT.environment,
  STORE_CORRUPT: EXIT.environment,
  STORE_UNREADABLE: EXIT.environment,
  STORE_BUSY: EXIT.environment,
  LOCK_COMPROMISED: EXIT.environment,
};

export class FlcError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'FlcError';
    this.code = code;
    this.hint = hint;
  }

  get exitCode(): number {
    return exitByCode[this.code];
  }
}

export function isFlcError(error: unknown): error is FlcError {
  return error instanceof FlcError;
}

export function badInput(message: string, hint?: string): FlcError {
  return new FlcError('BAD_INPUT', message, hint);
}
