import type { OwnedChange } from './changes.js';
import type { KeptVersion } from './shell-changes.js';

export const CLAIM_KINDS = ['read', 'write', 'exclusive'] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];

/** Who holds a claim: a session, and within it optionally one subagent. */
export interface Holder {
  session: string;
  agent?: string | undefined;
}

export interface Claim extends Holder {
  id: string;
  /** Repo-relative POSIX path: a file, a directory ending in `/`, or a glob. */
  path: string;
  kind: ClaimKind;
  /** Absolute path of the worktree the claim was made from. */
  worktree: string;
  reason?: string | undefined;
  acquiredAt: string;
  renewedAt: string;
  /** ISO time, or null for a claim that never expires. */
  expiresAt: string | null;
  /** Time to live in ms applied at each renewal; null = never expires. */
  ttlMs: number | null;
}

/** A queued `claim --wait` request. It grants itself when it reaches the front. */
export interface Waiter extends Holder {
  id: string;
  paths: string[];
  kind: ClaimKind;
  worktree: string;
  reason?: string | undefined;
  ttlMs: number | null;
  enqueuedAt: string;
  /** Monotonic queue position; FIFO order among waiters. */
  seq: number;
  /** The waiter gives up at this time; past it (plus grace) the entry is a ghost. */
  deadline: string;
  pid: number;
  host: string;
  /** Where `pid` is meaningful (host boot + PID namespace); without it the pid is not checked. */
  scope?: string | undefined;
  /** When a transaction first saw it grantable (at the front, paths free); see core/waiting. */
  readyAt?: string | undefined;
}

export interface SessionRecord {
  id: string;
  firstSeen: string;
  lastSeen: string;
  worktree?: string | undefined;
  /** When the session ended (SessionEnd, Pi shutdown); it may own changes still. */
  endedAt?: string | undefined;
  /** The agent process the session runs in (Claude Code's CLAUDE_PID), recorded by its hooks. */
  process?: AgentProcess | undefined;
  /** Roots of nested repositories (submodules) the session claimed files in through this store. */
  nested?: string[] | undefined;
}

/** A process, identified well enough to tell it from a later one that reuses its pid. */
export interface AgentProcess {
  pid: number;
  host: string;
  /** The process's start time (Linux: clock ticks since boot, from /proc/<pid>/stat), when readable. */
  start?: string | undefined;
}

export interface DbData {
  version: 1;
  claims: Claim[];
  waiters: Waiter[];
  sessions: SessionRecord[];
  /** Files watched for, or holding, a session's uncommitted changes (core/changes); absent when none. */
  changes?: OwnedChange[] | undefined;
  /** Versions of files kept in git's object store so `flc restore` can put them back (core/shell-changes); absent when none. */
  kept?: KeptVersion[] | undefined;
  /** Next waiter sequence number. */
  nextSeq: number;
}

export function emptyDb(): DbData {
  return { version: 1, claims: [], waiters: [], sessions: [], nextSeq: 1 };
}

export function holderLabel(holder: Holder): string {
  return holder.agent ? `${holder.session}/${holder.agent}` : holder.session;
}
