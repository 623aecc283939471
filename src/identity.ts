import os from 'node:os';
import { badInput } from './core/errors.js';

export interface IdentitySources {
  /** `--session` on the command line. */
  flag?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * The session a command acts for, in order: `--session`, `FLC_SESSION`,
 * `CLAUDE_CODE_SESSION_ID`, `PI_SESSION_ID` (as `pi:<id>`, what Pi >= 0.82 gives its bash
 * tool; the same id flc's Pi extension uses), else `cli:<user>@<host>` for a person at a
 * terminal. Agent hooks do not use this: see `hookSession`.
 */
export function resolveSession(sources: IdentitySources = {}): string {
  const env = sources.env ?? process.env;
  const piSession = env.PI_SESSION_ID?.trim() ? `pi:${env.PI_SESSION_ID.trim()}` : undefined;
  const candidates = [sources.flag, env.FLC_SESSION, env.CLAUDE_CODE_SESSION_ID, piSession];
  for (const candidate of candidates) {
    if (candidate !== undefined && candidate.trim() !== '') return validateSession(candidate.trim());
  }
  return defaultSession();
}

/**
 * The session an agent hook acts for: the payload's `session_id`, and nothing else. The
 * environment a hook inherits may belong to the shell that started Claude Code (an exported
 * FLC_SESSION) or to a parent Claude session (a `claude -p` run from its Bash tool), so it never
 * names the session here. A payload without a usable session_id acts for no one.
 */
export function hookSession(payloadSession: string | undefined): { ok: true; session: string } | { ok: false; problem: string } {
  const session = payloadSession?.trim() ?? '';
  if (session === '') return { ok: false, problem: 'hook input has no session_id' };
  if (session.length > 200 || /[\u0000-\u001f]/.test(session)) return { ok: false, problem: 'hook input has an unusable session_id (control characters, or over 200 characters)' };
  return { ok: true, session };
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
