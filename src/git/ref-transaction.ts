import fs from 'node:fs';
import path from 'node:path';
import { runGit } from './dirty.js';

/**
 * The git side of the `reference-transaction` hook (git >= 2.28): which ref updates can carry
 * this worktree's uncommitted work, and which files they carry. git runs the hook for every ref
 * update (fetches too) with `prepared`, `committed` or `aborted` as its argument and one
 * `<old> <new> <ref>` line per update on stdin; a non-zero exit in `prepared` aborts them all.
 */
export interface RefUpdate {
  old: string;
  new: string;
  ref: string;
}

const ZERO = /^0+$/;

export function parseRefUpdates(text: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of text.split('\n')) {
    const [old, next, ref] = line.trim().split(' ');
    if (old && next && ref) updates.push({ old, new: next, ref });
  }
  return updates;
}

/** The branch this worktree's HEAD points to (refs/heads/...), or null when detached. */
export function headBranch(gitDir: string): string | null {
  try {
    const match = /^ref:\s*(\S+)/.exec(fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8'));
    return match ? match[1]! : null;
  } catch {
    return null;
  }
}

export type UpdateKind = 'commit' | 'stash';

/**
 * The updates that can take uncommitted work of this worktree: a new commit on its HEAD (the
 * branch it is on, or HEAD itself when detached), and a new stash. Deletions and other refs
 * (remote-tracking branches, tags, other branches) cannot, and are left alone.
 */
export function relevantUpdates(updates: RefUpdate[], branch: string | null): Array<RefUpdate & { kind: UpdateKind }> {
  const seen = new Set<string>();
  const relevant: Array<RefUpdate & { kind: UpdateKind }> = [];
  for (const update of updates) {
    if (ZERO.test(update.new)) continue;
    const kind: UpdateKind | null = update.ref === 'refs/stash' ? 'stash' : update.ref === 'HEAD' || update.ref === branch ? 'commit' : null;
    if (!kind) continue;
    const key = `${kind} ${update.old} ${update.new}`;
    if (seen.has(key)) continue; // HEAD and its branch are reported together
    seen.add(key);
    relevant.push({ ...update, kind });
  }
  return relevant;
}

/**
 * The files an update brings in: for a branch, every file the new commits change
 * (`old..new`, a merge's changes to its first parent); for a stash, what it saves (the working
 * tree's and the index's changes, and its untracked files).
 */
export async function filesOfUpdate(root: string, update: RefUpdate & { kind: UpdateKind }): Promise<string[]> {
  const files = new Set<string>();
  const add = (out: string) => {
    for (const name of out.split('\0')) if (name) files.add(name);
  };
  const git = (args: string[]) => runGit(root, ['-c', 'core.quotePath=false', ...args]);
  if (update.kind === 'stash') {
    const parents = (await git(['log', '-1', '--format=%P', update.new])).trim().split(/\s+/).filter(Boolean);
    const [base, index, untracked] = parents;
    if (base) add(await git(['diff', '--name-only', '-z', '--no-renames', base, update.new]));
    if (base && index) add(await git(['diff', '--name-only', '-z', '--no-renames', base, index]));
    if (untracked) add(await git(['ls-tree', '-r', '--name-only', '-z', untracked]));
    return [...files];
  }
  const range = ZERO.test(update.old) ? [update.new] : [`${update.old}..${update.new}`];
  add(await git(['log', '--format=', '--name-only', '-z', '--no-renames', '--diff-merges=first-parent', '--max-count=500', ...range]));
  return [...files];
}
