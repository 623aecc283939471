import fs from 'node:fs';
import os from 'node:os';
import { renewLiveSessions, sessionsDueForRenewal } from '../core/liveness.js';
import type { AgentProcess, Claim, DbData } from '../core/types.js';
import { pidAlive } from '../store/mutex.js';

/**
 * The imperative half of session liveness (see core/liveness): which recorded agent processes
 * still run on this machine. A process on another host cannot be checked, so its session's
 * claims live by the TTL alone.
 */
const HOST = os.hostname();

/** The process `pid` on this host, with its start time where the OS tells it cheaply (Linux). */
export function agentProcess(pid: number): AgentProcess {
  const start = processStart(pid);
  return { pid, host: HOST, ...(start !== undefined ? { start } : {}) };
}

/**
 * Is the recorded process still the one running? Same host, pid alive and, where both start
 * times are known, the same start time: a pid reused by a later process does not count. Without
 * /proc (macOS) a reused pid is taken for the session's process until it exits too.
 */
export function processAlive(process: AgentProcess | undefined): boolean {
  if (!process || process.host !== HOST || !pidAlive(process.pid)) return false;
  if (process.start === undefined) return true;
  const start = processStart(process.pid);
  return start === undefined || start === process.start;
}

/** Renews, in place, the claims of sessions whose agent process is alive (only those due). */
export function renewClaimsOfLiveSessions(db: DbData, now: number): Claim[] {
  const due = sessionsDueForRenewal(db.claims, now);
  if (!due.size) return [];
  const live = new Set(db.sessions.filter((s) => due.has(s.id) && processAlive(s.process)).map((s) => s.id));
  return live.size ? renewLiveSessions(db.claims, live, now) : [];
}

/** The claims as a reader should judge them: those of live sessions renewed (on copies). */
export function claimsWithLiveSessionsRenewed(db: DbData, now: number): Claim[] {
  const claims = db.claims.map((c) => ({ ...c }));
  renewClaimsOfLiveSessions({ ...db, claims }, now);
  return claims;
}

/** The command line of process `pid` on this host (Linux /proc), or undefined where it cannot be read. */
export function processArgs(pid: number): string[] | undefined {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.at(-1) === '') args.pop();
    return args;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), after the `(comm)` that may hold spaces. */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
