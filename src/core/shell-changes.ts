import type { OwnedChange } from './changes.js';
import { isOwned } from './changes.js';
import { kindsConflict } from './kinds.js';
import { patternType, unescapeLiteral } from './paths.js';
import type { Claim, Holder } from './types.js';

/**
 * What an agent's shell command changed, and whose it is. Pure: the caller takes the times.
 *
 * A command runs in a *window* [startedAt, endedAt]. After it, one look at the working tree's
 * dirty files (git status) with each one's change time (ctime, which no program can set back;
 * for a deleted file, its directory's modification time) says which changed during the window.
 * flc cannot see which process wrote a file, so a change is attributed to the command's session
 * only when no other session can have made it: no other session held or owned the file when the
 * command began (that is an *overwrite* of their work, found by comparing its content before
 * and after, reported, not taken), none claimed or started owning it during the window, and no
 * other session's command was running when it changed (*ambiguous*: journaled, owned by no one
 * new).
 */

/**
 * How far back a window reaches before its start: the kernel stamps ctime from a coarse clock
 * that lags the real time by up to a tick (1-10 ms), so a write just after the start can carry
 * a time just before it.
 */
export const CLOCK_SLACK_MS = 20;

/** A dirty file (differs from HEAD, or untracked) as the look after the command saw it. */
export interface DirtyEntry {
  /** When it last changed (ctime, ms); null when it does not exist (deleted). */
  changedAt: number | null;
  /** For a deleted file: when its directory last changed (an entry added or removed), if it exists. */
  dirChangedAt?: number | null | undefined;
  /** Untracked, or added to the index (not in HEAD). */
  untracked: boolean;
}

/** The dirty files of a worktree, by repo-relative path. Files missing are clean (match HEAD) or ignored. */
export type TreeState = Record<string, DirtyEntry>;

/** Another session's hold on a file when the command began: a write/exclusive claim or a watched/owned record. */
export interface OthersHold {
  session: string;
  agent?: string | undefined;
  /** owned: it holds their uncommitted changes; held: they hold a write or exclusive claim on it (editing now). */
  how: 'owned' | 'held';
  /** Fingerprint (git blob id) of the file's content when the command began; null when it did not exist. */
  fingerprint: string | null;
  /** The newest blob of theirs kept in git's object store, when there is one. */
  kept?: string | undefined;
}

/** One command window, as stored between the pre and the post hook (and kept for a while after). */
export interface ShellWindow extends Holder {
  v: 2;
  /** The tool call (Claude Code's tool_use_id, Pi's toolCallId). */
  id: string;
  worktree: string;
  /** When the command began, less CLOCK_SLACK_MS. */
  startedAt: number;
  /** Set when the post hook ran. */
  endedAt?: number | undefined;
  /** Other sessions' files when the command began. */
  others: Record<string, OthersHold>;
}

export type ChangeKind = 'created' | 'modified' | 'deleted' | 'reverted';

export interface ShellChange {
  path: string;
  what: ChangeKind;
  /** When it changed (null: not known, e.g. a file that matches HEAD again). */
  at: number | null;
}

/**
 * The dirty files that changed at or after `since`: by their ctime, or for a deleted one by its
 * directory's (a deletion whose directory did not change since is older).
 */
export function changesSince(after: TreeState, since: number): ShellChange[] {
  const changes: ShellChange[] = [];
  for (const [path, entry] of Object.entries(after)) {
    const at = entry.changedAt ?? entry.dirChangedAt ?? null;
    if (at === null || at < since) continue;
    const what: ChangeKind = entry.changedAt === null ? 'deleted' : entry.untracked ? 'created' : 'modified';
    changes.push({ path, what, at });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Other sessions' files whose content differs from what it was when the command began (by
 * fingerprint): changes flc finds whatever their times say, including a file made to match HEAD
 * again (`git checkout -- f`), which `changesSince` cannot see. `now` maps path to fingerprint.
 */
export function othersChanged(others: Record<string, OthersHold>, now: ReadonlyMap<string, string | null>, after: TreeState): ShellChange[] {
  const changes: ShellChange[] = [];
  for (const [path, hold] of Object.entries(others)) {
    const fp = now.get(path);
    if (fp === undefined || fp === hold.fingerprint) continue;
    const entry = after[path];
    const what: ChangeKind = !entry ? 'reverted' : fp === null ? 'deleted' : hold.fingerprint === null ? 'created' : 'modified';
    changes.push({ path, what, at: entry?.changedAt ?? entry?.dirChangedAt ?? null });
  }
  return changes;
}

/** Another session's claim or record on `path` in `worktree`, as a hold (write/exclusive claims and watched/owned records). */
export function holdsOf(claims: readonly Claim[], records: readonly OwnedChange[] | undefined, worktree: string, session: string): Map<string, Omit<OthersHold, 'fingerprint'>> {
  const holds = new Map<string, Omit<OthersHold, 'fingerprint'>>();
  for (const record of records ?? []) {
    if (record.session === session || record.worktree !== worktree) continue;
    holds.set(record.path, { session: record.session, agent: record.agent, how: isOwned(record) ? 'owned' : 'held' });
  }
  for (const claim of claims) {
    if (claim.session === session || claim.worktree !== worktree || !kindsConflict('write', claim.kind) || patternType(claim.path) !== 'file') continue;
    const path = unescapeLiteral(claim.path);
    if (!holds.has(path)) holds.set(path, { session: claim.session, agent: claim.agent, how: 'held' });
  }
  return holds;
}

/** Another session's command window that ran at the same time as this one. */
export interface OverlappingWindow {
  session: string;
  startedAt: number;
  /** Unset: still running (its post hook has not run). */
  endedAt?: number | undefined;
}

export interface Overwrite {
  change: ShellChange;
  hold: OthersHold;
}

export interface Ambiguity {
  change: ShellChange;
  /** The other sessions that may have made the change. */
  sessions: string[];
  why: string;
}

export interface Attribution {
  /** Changes that are the command's session's own (to record as owned changes). */
  own: ShellChange[];
  /** Files another session held or owned when the command began: their work was overwritten (or discarded). */
  overwritten: Overwrite[];
  /** Changes flc cannot attribute: another session may have made them at the same time. */
  ambiguous: Ambiguity[];
}

/**
 * Decides whose each change is. `holdsNow` are other sessions' holds after the command (a
 * hold that is new since the window began means that session claimed or edited the file
 * during the command); `overlapping` are other sessions' command windows that ran meanwhile: a
 * change made while one ran is ambiguous, unless the command's own session holds or owns the
 * file (a claim taken before the command, e.g. of an obvious write target, says whose it is).
 */
export function attribute(input: {
  changes: readonly ShellChange[];
  window: Pick<ShellWindow, 'others' | 'session'>;
  holdsNow: ReadonlyMap<string, Omit<OthersHold, 'fingerprint'>>;
  /** Files the command's own session holds (write/exclusive claim) or owns: another command running meanwhile had no business writing them. */
  ownHolds?: ReadonlySet<string>;
  overlapping: readonly OverlappingWindow[];
  now: number;
}): Attribution {
  const result: Attribution = { own: [], overwritten: [], ambiguous: [] };
  for (const change of input.changes) {
    const before = input.window.others[change.path];
    if (before) {
      result.overwritten.push({ change, hold: before });
      continue;
    }
    const now = input.holdsNow.get(change.path);
    if (now && now.session !== input.window.session) {
      result.ambiguous.push({ change, sessions: [now.session], why: `${now.session} ${now.how === 'owned' ? 'started owning' : 'claimed'} it while the command ran` });
      continue;
    }
    const racing = input.overlapping.filter((w) => w.session !== input.window.session && changedDuring(change, w, input.now));
    if (racing.length && !input.ownHolds?.has(change.path)) {
      const sessions = [...new Set(racing.map((w) => w.session))];
      result.ambiguous.push({ change, sessions, why: `a command of ${sessions.join(', ')} was running when it changed` });
      continue;
    }
    if (change.what !== 'reverted') result.own.push(change);
  }
  return result;
}

/** Did the change happen while `window` ran (a change of unknown time: whenever they overlap)? */
function changedDuring(change: ShellChange, window: OverlappingWindow, now: number): boolean {
  if (change.at === null) return true;
  return change.at >= window.startedAt && change.at <= (window.endedAt ?? now) + CLOCK_SLACK_MS;
}

/** Do two windows overlap in time (an open window runs until now)? */
export function windowsOverlap(a: { startedAt: number; endedAt?: number | undefined }, b: { startedAt: number; endedAt?: number | undefined }, now: number): boolean {
  return a.startedAt <= (b.endedAt ?? now) && b.startedAt <= (a.endedAt ?? now);
}

/** A version of a file kept in git's object store so it can be restored (`flc restore`). */
export interface KeptVersion {
  path: string;
  worktree: string;
  /** Whose work it is. */
  session: string;
  /** git blob id of the content. */
  blob: string;
  /** When it was kept. */
  at: string;
  /** Its content was read after this time (ms, less the clock slack): a file whose ctime is older still has it. */
  readAt?: number | undefined;
  /** Why: "before a shell command", "overwritten by <session>", "replaced by flc restore". */
  why?: string | undefined;
}

/** How many kept versions of one file flc remembers (newest first). */
export const KEPT_PER_FILE = 5;
/** How many kept versions in all (the oldest go first). */
export const KEPT_TOTAL = 500;

/** Adds a kept version unless the newest of that file and session has the same blob; trims old ones. Returns whether it was added. */
export function keepVersion(kept: KeptVersion[], version: KeptVersion): boolean {
  const same = kept.filter((k) => k.path === version.path && k.worktree === version.worktree);
  const newestOfSession = same.filter((k) => k.session === version.session).at(-1);
  if (newestOfSession?.blob === version.blob) return false;
  kept.push(version);
  if (same.length + 1 > KEPT_PER_FILE) kept.splice(kept.indexOf(same[0]!), 1);
  while (kept.length > KEPT_TOTAL) kept.shift();
  return true;
}

/** The newest kept version of a file (of one session when `from` is given). */
export function latestKept(kept: readonly KeptVersion[] | undefined, worktree: string, path: string, from?: string): KeptVersion | undefined {
  return (kept ?? []).filter((k) => k.worktree === worktree && k.path === path && (!from || k.session === from)).at(-1);
}

/** The note the model reads after a command that changed other sessions' files. */
export function describeForModel(result: Attribution, session: string): string | null {
  const lines: string[] = [];
  for (const { change, hold } of result.overwritten) {
    const whose = hold.how === 'owned' ? `held uncommitted changes of session ${hold.session}` : `was being edited by session ${hold.session} (it holds a claim on it)`;
    const did = change.what === 'reverted' ? 'discarded them (the file matches HEAD again)' : change.what === 'deleted' ? 'deleted it' : 'changed it';
    const back = hold.kept ? ` Their version is kept: \`flc restore ${change.path} --from ${hold.session}\` puts it back.` : '';
    lines.push(`- ${change.path} ${whose}; your command ${did}. flc cannot tell whether ${hold.session} changed it at the same time.${back} Do not change this file again: it is not yours; ask the user or leave it to ${hold.session}.`);
  }
  for (const { change, sessions, why } of result.ambiguous) {
    lines.push(`- ${change.path} changed while your command ran, but ${why}; flc cannot tell who changed it, so it is not recorded as yours (${sessions.join(', ')} may have changed it). If it is your work, claim the file before you change it (\`flc claim ${change.path}\`), so the change is recorded as yours.`);
  }
  if (!lines.length) return null;
  return `flc: your command touched files of other sessions (you are ${session}):\n${lines.join('\n')}`;
}

/** The one-line note for the user. */
export function describeForUser(result: Attribution): string | null {
  const parts = [
    ...result.overwritten.map(({ change, hold }) => `${change.path} (${hold.how === 'owned' ? 'owned' : 'held'} by ${hold.session}${hold.kept ? `; flc restore ${change.path} --from ${hold.session}` : ''})`),
    ...result.ambiguous.map(({ change, sessions }) => `${change.path} (changed at the same time as ${sessions.join(', ')}; not attributed)`),
  ];
  if (!parts.length) return null;
  return `flc: a shell command changed other sessions' files: ${parts.join(', ')}`;
}
