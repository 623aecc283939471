import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runGit } from './dirty.js';

/**
 * Snapshots of a working tree as git objects, before a command that discards changes runs:
 * tracked and untracked files (not ignored ones) go into a commit under a private ref,
 * `refs/flc/snapshots/<id>`, built with a temporary index (GIT_INDEX_FILE) so the user's index,
 * stash and branches are untouched. Nothing is written to the working tree except by `restore`.
 */
export const SNAPSHOT_REFS = 'refs/flc/snapshots/';

export interface SnapshotInfo {
  id: string;
  /** The snapshot commit. */
  commit: string;
  /** HEAD when it was taken (null before the first commit). */
  base: string | null;
  createdAt: string;
  session: string;
  /** The command it was taken before. */
  command: string;
  /** Absolute path of the worktree. */
  worktree: string;
  /** Files that differed from HEAD then (what it saves), with git's status letter: M, A, D. */
  files: Array<{ path: string; status: string }>;
}

export interface SaveInput {
  worktree: string;
  /** The worktree's own git dir (its index lives there). */
  gitDir: string;
  session: string;
  command: string;
  now?: number;
}

/** A clean environment for git: the caller's GIT_INDEX_FILE or GIT_DIR (inside a hook) must not leak in. */
function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_PREFIX']) delete env[key];
  return {
    ...env,
    GIT_AUTHOR_NAME: 'flc',
    GIT_AUTHOR_EMAIL: 'flc@localhost',
    GIT_COMMITTER_NAME: 'flc',
    GIT_COMMITTER_EMAIL: 'flc@localhost',
    ...extra,
  };
}

async function head(worktree: string): Promise<string | null> {
  return runGit(worktree, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], gitEnv()).then(
    (out) => out.trim() || null,
    () => null,
  );
}

/** A fresh temporary index file path; starting from a copy of the user's index makes `add -A` hash only changed files. */
function temporaryIndex(gitDir: string): string {
  const file = path.join(os.tmpdir(), `flc-index-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`);
  try {
    fs.copyFileSync(path.join(gitDir, 'index'), file);
  } catch {
    // no index yet: git starts an empty one
  }
  return file;
}

/**
 * Saves the working tree of `worktree`. Returns null when nothing differs from HEAD (there is
 * nothing a command could discard).
 */
export async function saveSnapshot(input: SaveInput): Promise<SnapshotInfo | null> {
  const index = temporaryIndex(input.gitDir);
  const env = gitEnv({ GIT_INDEX_FILE: index });
  try {
    const base = await head(input.worktree);
    await runGit(input.worktree, ['add', '-A', '--', ':/'], env);
    const tree = (await runGit(input.worktree, ['write-tree'], env)).trim();
    const files = await diffFiles(input.worktree, base, tree);
    if (!files.length) return null;
    const now = input.now ?? Date.now();
    const id = snapshotId(now);
    const meta = { id, session: input.session, command: input.command, worktree: input.worktree, createdAt: new Date(now).toISOString(), base, files };
    const message = `flc snapshot ${id} before: ${oneLine(input.command)}\n\n${JSON.stringify(meta)}\n`;
    const commit = (await runGit(input.worktree, ['commit-tree', tree, ...(base ? ['-p', base] : []), '-F', '-'], env, message)).trim();
    await runGit(input.worktree, ['update-ref', '-m', `flc snapshot ${id}`, `${SNAPSHOT_REFS}${id}`, commit], gitEnv());
    return { ...meta, commit };
  } finally {
    fs.rmSync(index, { force: true });
  }
}

/** Files of `tree` that differ from `base` (or all of them before the first commit). */
async function diffFiles(worktree: string, base: string | null, tree: string): Promise<SnapshotInfo['files']> {
  const args = base
    ? ['-c', 'core.quotePath=false', 'diff-tree', '-r', '-z', '--no-renames', '--name-status', base, tree]
    : ['-c', 'core.quotePath=false', 'ls-tree', '-r', '-z', '--name-only', tree];
  const out = await runGit(worktree, args, gitEnv());
  const fields = out.split('\0').filter((f) => f !== '');
  if (!base) return fields.map((p) => ({ path: p, status: 'A' }));
  const files: SnapshotInfo['files'] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) files.push({ status: fields[i]!.slice(0, 1), path: fields[i + 1]! });
  return files;
}

function snapshotId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

/** Every snapshot of the repository (all worktrees), newest first. */
export async function listSnapshots(worktree: string): Promise<SnapshotInfo[]> {
  const out = await runGit(worktree, ['for-each-ref', '--sort=-creatordate', '--format=%(objectname)%00%(contents:body)%00%00', SNAPSHOT_REFS], gitEnv());
  const snapshots: SnapshotInfo[] = [];
  for (const entry of out.split('\0\0')) {
    const [commit, body] = entry.replace(/^\n/, '').split('\0');
    if (!commit || !body) continue;
    try {
      const meta = JSON.parse(body.trim()) as Omit<SnapshotInfo, 'commit'>;
      if (typeof meta.id === 'string' && Array.isArray(meta.files)) snapshots.push({ ...meta, commit: commit.trim() });
    } catch {
      // not one of ours
    }
  }
  return snapshots.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** Deletes snapshots beyond the newest `keep`, and those older than `maxAgeMs`. Returns the ids deleted. */
export async function pruneSnapshots(worktree: string, keep: number, maxAgeMs: number | null, now = Date.now()): Promise<string[]> {
  const all = await listSnapshots(worktree);
  const doomed = all.filter((s, i) => i >= keep || (maxAgeMs !== null && Date.parse(s.createdAt) + maxAgeMs < now));
  if (!doomed.length) return [];
  const input = doomed.map((s) => `delete ${SNAPSHOT_REFS}${s.id}\n`).join('');
  await runGit(worktree, ['update-ref', '--stdin'], gitEnv(), input);
  return doomed.map((s) => s.id);
}

export interface RestorePlan {
  /** Files written back (or deleted again, for a file the snapshot did not have). */
  restore: string[];
  /** Already as in the snapshot. */
  same: string[];
  /** Changed since the snapshot was taken (neither as it was then nor as HEAD had it): kept unless forced. */
  changed: string[];
}

/**
 * What restoring `snapshot` into its worktree would do, file by file: a file the command
 * reset (now as in the snapshot's base) is restored; one already as in the snapshot is left;
 * one that is neither has changed since, and is only overwritten with `force`.
 */
export async function planRestore(snapshot: SnapshotInfo, paths?: readonly string[]): Promise<RestorePlan> {
  const wanted = snapshot.files.filter((f) => !paths?.length || paths.some((p) => f.path === p || f.path.startsWith(p.endsWith('/') ? p : `${p}/`)));
  const saved = await blobIds(snapshot.worktree, snapshot.commit, wanted.map((f) => f.path));
  const before = snapshot.base ? await blobIds(snapshot.worktree, snapshot.base, wanted.map((f) => f.path)) : new Map<string, string>();
  const current = await currentBlobIds(snapshot.worktree, wanted.map((f) => f.path));
  const plan: RestorePlan = { restore: [], same: [], changed: [] };
  for (const { path: file } of wanted) {
    const now = current.get(file) ?? null;
    const then = saved.get(file) ?? null;
    const was = before.get(file) ?? null;
    if (now === then) plan.same.push(file);
    else if (now === was) plan.restore.push(file);
    else plan.changed.push(file);
  }
  return plan;
}

/** Writes the snapshot's version of `files` into its worktree (deleting those the snapshot did not have). The user's index is untouched. */
export async function restoreFiles(snapshot: SnapshotInfo, files: readonly string[]): Promise<void> {
  if (!files.length) return;
  const saved = await blobIds(snapshot.worktree, snapshot.commit, files);
  const present = files.filter((f) => saved.has(f));
  for (const file of files.filter((f) => !saved.has(f))) fs.rmSync(path.join(snapshot.worktree, file), { force: true });
  if (!present.length) return;
  const index = path.join(os.tmpdir(), `flc-restore-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`);
  const env = gitEnv({ GIT_INDEX_FILE: index });
  try {
    await runGit(snapshot.worktree, ['read-tree', snapshot.commit], env);
    await runGit(snapshot.worktree, ['checkout-index', '-f', '-z', '--stdin'], env, present.map((f) => `${f}\0`).join(''));
  } finally {
    fs.rmSync(index, { force: true });
  }
}

/** Blob ids of `files` in `commit` (absent when the commit does not have the file). */
async function blobIds(worktree: string, commit: string, files: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (!files.length) return ids;
  const out = await runGit(worktree, ['-c', 'core.quotePath=false', 'ls-tree', '-r', '-z', '--full-tree', commit, '--', ...files.map((f) => `:(literal)${f}`)], gitEnv());
  for (const entry of out.split('\0')) {
    const match = /^\d+ blob ([0-9a-f]+)\t([\s\S]*)$/.exec(entry);
    if (match) ids.set(match[2]!, match[1]!);
  }
  return ids;
}

/** Blob ids of the working-tree files as git would store them (filters applied); missing files are absent. */
async function currentBlobIds(worktree: string, files: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const existing = files.filter((f) => {
    try {
      const stat = fs.lstatSync(path.join(worktree, f));
      return stat.isFile() || stat.isSymbolicLink();
    } catch {
      return false;
    }
  });
  const links = existing.filter((f) => fs.lstatSync(path.join(worktree, f)).isSymbolicLink());
  const regular = existing.filter((f) => !links.includes(f));
  if (regular.length) {
    const out = await runGit(worktree, ['hash-object', '--stdin-paths'], gitEnv(), regular.map((f) => `${f}\n`).join(''));
    out.trim().split('\n').forEach((id, i) => ids.set(regular[i]!, id));
  }
  for (const link of links) {
    const id = await runGit(worktree, ['hash-object', '--stdin'], gitEnv(), fs.readlinkSync(path.join(worktree, link)));
    ids.set(link, id.trim());
  }
  return ids;
}

/** The stash entries (newest first) with their commit, first parent and creation time. */
export async function stashEntries(worktree: string): Promise<Array<{ ref: string; commit: string; parent: string; time: number }>> {
  const out = await runGit(worktree, ['stash', 'list', '--format=%gd%x00%H%x00%P%x00%ct'], gitEnv()).catch(() => '');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref, commit, parents, time] = line.split('\0');
      return { ref: ref!, commit: commit!, parent: (parents ?? '').split(' ')[0] ?? '', time: Number(time) * 1000 };
    });
}
