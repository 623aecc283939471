import os from 'node:os';
import { badInput } from './core/errors.js';

export interface IdentitySources {
  /** `--session` on the command line. */
  flag?: string | undefined;
  /** A hook payload's `session_id`. */
  payloadSession?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * The session a request acts for, in order: `--session`, `FLC_SESSION`,
 * `CLAUDE_CODE_SESSION_ID`, `PI_SESSION_ID` (as `pi:<id>`, what Pi >= 0.82 gives its bash
 * tool; the same id flc's Pi extension uses), a hook payload's `session_id`, else
 * `cli:<user>@<host>` for a person at a terminal.
 */
export function resolveSession(sources: IdentitySources = {}): string {
  const env = sources.env ?? process.env;
  const piSession = env.PI_SESSION_ID?.trim() ? `pi:${env.PI_SESSION_ID.trim()}` : undefined;
  const candidates = [sources.flag, env.FLC_SESSION, env.CLAUDE_CODE_SESSION_ID, piSession, sources.payloadSession];
  for (const candidate of candidates) {
    if (candidate !== undefined && candidate.trim() !== '') return validateSession(candidate.trim());
  }
  return defaultSession();
}

export function defaultSession(): string {
  let user = process.env.USER || process.env.USERNAME || '';
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `cli:${user}@${os.hostname()}`;
}

export function validateSession(session: string): string {
  if (session.length > 200) throw badInput('session id is longer than 200 characters', 'use a shorter --session or FLC_SESSION');
  if (/[\u0000-\u001f]/.test(session)) throw badInput('session id contains control characters', 'use printable characters in --session or FLC_SESSION');
  return session;
}
