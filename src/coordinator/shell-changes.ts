import fs from 'node:fs';
import path from 'node:path';
import { type OwnedChange, isOwned, observe, removeRecord } from '../core/changes.js';
import { FlcError } from '../core/errors.js';
import { unescapeLiteral } from '../core/paths.js';
import { isLive } from '../core/rules.js';
import {
  type Attribution,
  type KeptVersion,
  type OthersHold,
  type OverlappingWindow,
  type ShellChange,
  type ShellWindow,
  CLOCK_SLACK_MS,
  attribute,
  changesSince,
  describeForModel,
  describeForUser,
  othersChanged,
  holdsOf,
  keepVersion,
  latestKept,
  windowsOverlap,
} from '../core/shell-changes.js';
import type { DbData, Holder } from '../core/types.js';
import { fingerprint } from '../git/fingerprint.js';
import type { RepoInfo } from '../git/repo.js';
import { keepBlobs, readBlob, readTreeState } from '../git/worktree-state.js';
import type { Store, Tx } from '../store/store.js';
import { claimsWithLiveSessionsRenewed } from './sessions.js';

/** A closed window is kept this long, so a command that ran at the same time and ends later sees it. */
const CLOSED_KEEP_MS = 15 * 60_000;
/** A window whose post hook never came (a failed or cancelled command, a crash) is dropped after this. */
const OPEN_KEEP_MS = 3 * 3_600_000;

export interface ShellReport {
  attribution: Attribution;
  /** Files recorded as the session's owned changes. */
  owned: string[];
  /** What the model should read (null: nothing to say). */
  forModel: string | null;
  /** What the user should see. */
  forUser: string | null;
}

export interface RestoreResult {
  path: string;
  version: KeptVersion;
  /** The content the file had before, kept too (null: there was none). */
  replaced: string | null;
  /** The file already had that content: nothing was written. */
  unchanged: boolean;
}

/**
 * Shell commands' changes (issue 11, after a command runs): before an agent's command, a cheap
 * look at the working tree (its dirty files' stat signatures) and a copy of other sessions'
 * files into git's object store; after it, what changed is recorded as the session's owned
 * changes, or reported as an overwrite or an ambiguity (see core/shell-changes). The window
 * lives in `<store>/shell/` between the two hooks.
 */
export class ShellChangesService {
  readonly dir: string;

  constructor(
    private readonly repo: RepoInfo,
    private readonly store: Store,
  ) {
    this.dir = path.join(store.dir, 'shell');
  }

  /** Is attribution on here? Off when flc is not set up in this repository (no git is run then) or `shell.track` is off. */
  enabled(): boolean {
    return this.store.exists() && this.store.config()['shell.track'];
  }

  /**
   * Before a command: notes when it starts and keeps other sessions' files restorable. Runs no
   * git unless one of those files changed since its last kept copy. Returns false when off.
   */
  async begin(holder: Holder, id: string): Promise<boolean> {
    if (!this.enabled()) return false;
    const others = await this.keepOthers(holder.session);
    const startedAt = Date.now() - CLOCK_SLACK_MS;
    const window: ShellWindow = { v: 2, ...holder, id, worktree: this.repo.root, startedAt, others };
    fs.mkdirSync(this.dir, { recursive: true });
    this.prune(startedAt);
    writeAtomic(this.fileOf(holder.session, id), JSON.stringify(window));
    return true;
  }

  /** After a command: attributes what changed since `begin`. Null when there was no window (or nothing changed). */
  async finish(holder: Holder, id: string): Promise<ShellReport | null> {
    const file = this.fileOf(holder.session, id);
    const window = readWindow(file);
    if (!window || window.endedAt !== undefined) return null;
    return this.close(window, file);
  }

  /**
   * Windows of `session` left open (their post hook did not come: Claude Code sends none for a
   * failed or interrupted tool) are closed now (at the agent's next Bash call, or the end of the
   * turn): what changed since they began is attributed as if the command had just ended.
   * `which` picks them by subagent (a subagent still running keeps its commands open); `except`
   * is the command starting now.
   */
  async finishOpen(session: string, which: (agent: string | undefined) => boolean = () => true, except?: string): Promise<ShellReport[]> {
    const reports: ShellReport[] = [];
    for (const { file, window } of this.windows()) {
      if (window.session !== session || window.endedAt !== undefined || window.worktree !== this.repo.root || !which(window.agent) || window.id === except) continue;
      const report = await this.close(window, file);
      if (report) reports.push(report);
    }
    return reports;
  }

  private async close(window: ShellWindow, file: string): Promise<ShellReport | null> {
    const endedAt = Date.now();
    const after = await readTreeState(this.repo.root);
    const keptBefore = Object.keys(window.others).length ? (this.store.read().kept ?? []) : [];
    // Other sessions' files are judged by content: changed, unless it is what it was (a touch)
    // or again a version of theirs (`flc restore` run by the command).
    // A file not changed since the command began (by its ctime) is not read again.
    const contentNow = new Map(Object.entries(window.others).map(([p, hold]) => [p, fingerprintSince(path.join(this.repo.root, p), window.startedAt, hold.fingerprint)] as const));
    const restored = (c: ShellChange) => keptBefore.some((k) => k.worktree === this.repo.root && k.path === c.path && k.session === window.others[c.path]!.session && k.blob === contentNow.get(c.path));
    const changes = [
      ...changesSince(after, window.startedAt).filter((c) => !window.others[c.path]),
      ...othersChanged(window.others, contentNow, after).filter((c) => !restored(c)),
    ];
    if (!changes.length) {
      fs.rmSync(file, { force: true });
      return null;
    }
    // What the command wrote over others' work is kept as the command's version (so a restore
    // can be undone, and it is never taken for theirs before a later command).
    const overwriting = changes.filter((c) => window.others[c.path] && isBlobId(contentNow.get(c.path) ?? ''));
    const overwriteReadAt = Date.now() - CLOCK_SLACK_MS;
    const overwriteBlobs = await keepBlobs(this.repo.root, overwriting.map((c) => c.path)).catch(() => [] as string[]);
    const overlapping = this.overlapping(window, endedAt);
    const holder: Holder = { session: window.session, agent: window.agent };
    const report = await this.store.transaction((db, tx) => {
      const holdsNow = holdsOf(claimsWithLiveSessionsRenewed(db, tx.now).filter((c) => isLive(c, tx.now)), db.changes, this.repo.root, window.session);
      const ownHolds = new Set([
        ...(db.changes ?? []).filter((r) => r.session === window.session && r.worktree === this.repo.root).map((r) => r.path),
        ...db.claims.filter((c) => c.session === window.session && c.worktree === this.repo.root && c.kind !== 'read' && isLive(c, tx.now)).map((c) => unescapeLiteral(c.path)),
      ]);
      const attribution = attribute({ changes, window, holdsNow, ownHolds, overlapping, now: endedAt });
      const owned = this.record(db, tx, holder, attribution.own, window.startedAt);
      seen(db, window.session, this.repo.root, tx.now);
      overwriting.forEach((c, i) => {
        const blob = overwriteBlobs[i];
        if (blob && blob === contentNow.get(c.path)) {
          keepVersion((db.kept ??= []), { path: c.path, worktree: this.repo.root, session: window.session, blob, at: new Date(tx.now).toISOString(), readAt: overwriteReadAt, why: `overwrote ${window.others[c.path]!.session}'s version` });
        }
      });
      for (const { change, hold } of attribution.overwritten) {
        tx.emit({
          event: 'changes:overwritten',
          session: window.session,
          agent: window.agent,
          path: change.path,
          cause: change.what,
          holder: { session: hold.session, agent: hold.agent, kind: 'write', path: change.path },
          detail: `${hold.how === 'owned' ? 'uncommitted changes' : 'a write claim'} of ${hold.session}${hold.kept ? `; their version is blob ${hold.kept}: flc restore ${change.path} --from ${hold.session}` : ''}`,
        });
      }
      for (const { change, why } of attribution.ambiguous) {
        tx.emit({ event: 'changes:ambiguous', session: window.session, agent: window.agent, path: change.path, cause: change.what, detail: why });
      }
      if (db.changes && !db.changes.length) delete db.changes;
      return { attribution, owned, forModel: describeForModel(attribution, window.session), forUser: describeForUser(attribution) };
    });
    writeAtomic(file, JSON.stringify({ ...window, endedAt } satisfies ShellWindow));
    return report;
  }

  /** Inside a transaction: the session's own changes become (or stay) its owned changes (a file made to match HEAD again is cleared lazily, as always: see ChangesService.clearClean). */
  private record(db: DbData, tx: Tx, holder: Holder, own: ShellChange[], startedAt: number): string[] {
    const recorded: string[] = [];
    const changes = (db.changes ??= []);
    for (const change of own) {
      const file = path.join(this.repo.root, change.path);
      const fp = change.what === 'deleted' ? null : fingerprint(file);
      const existing = changes.find((c) => c.path === change.path && c.worktree === this.repo.root);
      if (existing && existing.session !== holder.session) continue; // attribute() left those out; a race since then keeps theirs
      if (existing) {
        // A file it holds (watched since its claim began): owned once it differs from then.
        if (observe(existing, fp, tx.now) === 'owned') tx.emit({ event: 'changes:owned', session: existing.session, agent: existing.agent, path: change.path, cause: 'shell', detail: change.what });
        if (isOwned(existing)) recorded.push(change.path);
        continue;
      }
      const record: OwnedChange = {
        path: change.path,
        session: holder.session,
        ...(holder.agent ? { agent: holder.agent } : {}),
        worktree: this.repo.root,
        watchedAt: new Date(startedAt).toISOString(),
        base: change.what === 'created' ? null : 'before-shell-command',
        seen: fp,
        since: new Date(tx.now).toISOString(),
      };
      changes.push(record);
      recorded.push(change.path);
      tx.emit({ event: 'changes:owned', session: holder.session, agent: holder.agent, path: change.path, cause: 'shell', detail: change.what });
    }
    return recorded;
  }

  /**
   * Other sessions' held and owned files in this worktree, with their current content kept in
   * git's object store (one `git hash-object` for those whose content is not kept yet; none when
   * nothing changed since the last command).
   */
  private async keepOthers(session: string): Promise<Record<string, OthersHold>> {
    const db = this.store.read();
    const now = Date.now();
    const holds = holdsOf(claimsWithLiveSessionsRenewed(db, now).filter((c) => isLive(c, now)), db.changes, this.repo.root, session);
    const others: Record<string, OthersHold> = {};
    const toKeep: string[] = [];
    for (const [file, hold] of holds) {
      const theirs = latestKept(db.kept, this.repo.root, file, hold.session);
      // Unchanged since their version was kept (by ctime): that version is its content, unread.
      const fp = theirs?.readAt !== undefined ? fingerprintSince(path.join(this.repo.root, file), theirs.readAt, theirs.blob) : fingerprint(path.join(this.repo.root, file));
      const entry: OthersHold = { ...hold, fingerprint: fp, ...(theirs ? { kept: theirs.blob } : {}) };
      // Content another session's command wrote over theirs is not their version.
      const foreign = (db.kept ?? []).some((k) => k.worktree === this.repo.root && k.path === file && k.blob === fp && k.session !== hold.session);
      if (fp && isBlobId(fp) && !foreign && theirs?.blob !== fp) toKeep.push(file);
      others[file] = entry;
    }
    if (!toKeep.length) return others;
    const readAt = Date.now() - CLOCK_SLACK_MS;
    const blobs = await keepBlobs(this.repo.root, toKeep);
    await this.store.transaction((db2, tx) => {
      const kept = (db2.kept ??= []);
      toKeep.forEach((file, i) => {
        const blob = blobs[i];
        const entry = others[file]!;
        if (!blob || blob !== entry.fingerprint) return; // changed while being read: not the version seen
        entry.kept = blob;
        keepVersion(kept, { path: file, worktree: this.repo.root, session: entry.session, blob, at: new Date(tx.now).toISOString(), readAt, why: 'before a shell command' });
      });
    });
    return others;
  }

  /**
   * `flc restore`: puts a kept version of a file back (the newest, or the newest of `from`).
   * The content it replaces is kept first, so a restore can be undone the same way. The
   * version's session owns the file's changes again. Journaled as `changes:restored`.
   */
  async restore(file: string, by: string, from?: string): Promise<RestoreResult> {
    if (!this.store.exists()) throw new FlcError('REFUSED', 'flc is not set up in this repository', 'run `flc init` first');
    const version = latestKept(this.store.read().kept, this.repo.root, file, from);
    if (!version) {
      const any = latestKept(this.store.read().kept, this.repo.root, file);
      throw new FlcError('REFUSED', `no kept version of ${file}${from ? ` from ${from}` : ''}`, any ? `there is one from ${any.session}: flc restore ${file} --from ${any.session}` : 'flc keeps other sessions\' files before an agent\'s shell command; see `flc restore --list`');
    }
    const content = await readBlob(this.repo.root, version.blob);
    const absolute = path.join(this.repo.root, file);
    const current = fingerprint(absolute);
    let replaced: string | null = null;
    if (current !== null && current !== 'dir') {
      if (current === version.blob) return { path: file, version, replaced: null, unchanged: true };
      replaced = (await keepBlobs(this.repo.root, [file]))[0] ?? null;
    }
    fs.mkdirSync(path.dirname(absolute), { recursive: true });
    fs.writeFileSync(absolute, content);
    await this.store.transaction((db, tx) => {
      const at = new Date(tx.now).toISOString();
      if (replaced) keepVersion((db.kept ??= []), { path: file, worktree: this.repo.root, session: by, blob: replaced, at, why: 'replaced by flc restore' });
      const changes = (db.changes ??= []);
      const record = changes.find((c) => c.path === file && c.worktree === this.repo.root);
      if (record && record.session !== version.session) removeRecord(changes, record);
      const mine = changes.find((c) => c.path === file && c.worktree === this.repo.root);
      if (mine) {
        mine.seen = version.blob;
        mine.since ??= at;
      } else {
        changes.push({ path: file, session: version.session, worktree: this.repo.root, watchedAt: at, base: 'restored', seen: version.blob, since: at });
      }
      tx.emit({ event: 'changes:restored', session: by, path: file, holder: { session: version.session, kind: 'write', path: file }, detail: `blob ${version.blob} of ${version.session}${replaced ? `; the replaced content is blob ${replaced}` : ''}` });
    });
    return { path: file, version, replaced, unchanged: false };
  }

  /** Kept versions, newest last (optionally of one file). */
  kept(file?: string): KeptVersion[] {
    if (!this.store.exists()) return [];
    return (this.store.read().kept ?? []).filter((k) => k.worktree === this.repo.root && (!file || k.path === file));
  }

  /** Other sessions' windows that ran at the same time as `window`. */
  private overlapping(window: ShellWindow, now: number): OverlappingWindow[] {
    return this.windows()
      .map((w) => w.window)
      .filter((w) => w.session !== window.session && w.worktree === window.worktree && windowsOverlap(w, window, now))
      .map((w) => ({ session: w.session, startedAt: w.startedAt, endedAt: w.endedAt }));
  }

  private windows(): Array<{ file: string; window: ShellWindow }> {
    const names = safeReaddir(this.dir);
    const found: Array<{ file: string; window: ShellWindow }> = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(this.dir, name);
      const window = readWindow(file);
      if (window) found.push({ file, window });
    }
    return found;
  }

  /** Drops closed windows nobody can overlap any more, open ones whose command is long over, and temp files of killed hooks. */
  private prune(now: number): void {
    for (const { file, window } of this.windows()) {
      const old = window.endedAt !== undefined ? now - window.endedAt > CLOSED_KEEP_MS : now - window.startedAt > OPEN_KEEP_MS;
      if (old) fs.rmSync(file, { force: true });
    }
    for (const name of safeReaddir(this.dir)) {
      if (!name.endsWith('.tmp')) continue;
      const file = path.join(this.dir, name);
      try {
        if (now - fs.statSync(file).mtimeMs > OPEN_KEEP_MS) fs.rmSync(file, { force: true });
      } catch {
        // gone meanwhile
      }
    }
  }

  private fileOf(session: string, id: string): string {
    return path.join(this.dir, `${safeName(session)}--${safeName(id)}.json`);
  }
}

/** The session acted (its command ended): a sign of life, as every hook event is. */
function seen(db: DbData, session: string, worktree: string, now: number): void {
  const at = new Date(now).toISOString();
  const record = db.sessions.find((s) => s.id === session);
  if (record) record.lastSeen = at;
  else db.sessions.push({ id: session, firstSeen: at, lastSeen: at, worktree });
}

/**
 * The file's fingerprint, or `known` without reading it when its ctime says it has not changed
 * since `since` (any write, truncation, chmod or rename since would have set a later ctime).
 */
function fingerprintSince(file: string, since: number, known: string | null): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return null;
  }
  if (known !== null && stat.ctimeMs < since) return known;
  return fingerprint(file);
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function readWindow(file: string): ShellWindow | null {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as ShellWindow;
    return data && data.v === 2 && typeof data.session === 'string' && typeof data.startedAt === 'number' && data.others ? data : null;
  } catch {
    return null;
  }
}

function writeAtomic(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** A file name for any session or tool call id (ids with unusual characters are hashed). */
function safeName(text: string): string {
  if (/^[\w.-]{1,80}$/.test(text)) return text;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return `h-${(h >>> 0).toString(36)}-${text.replace(/[^\w.-]/g, '').slice(0, 40)}`;
}

function isBlobId(fp: string): boolean {
  return /^[0-9a-f]{40}$/.test(fp);
}
