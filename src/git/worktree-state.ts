import fs from 'node:fs';
import path from 'node:path';
import type { TreeState } from '../core/shell-changes.js';
import { runGit } from './dirty.js';

/**
 * The working tree's dirty files (tracked ones that differ from HEAD in the index or on disk,
 * untracked ones; ignored files and submodules left out), each with its change time: one
 * `git status` (which stats every tracked file: its cost grows with the repository) and one
 * lstat per dirty file (and per deleted file's directory); no file is read.
 */
export async function readTreeState(worktree: string): Promise<TreeState> {
  const out = await runGit(worktree, [
    '--no-optional-locks',
    '-c',
    'core.quotePath=false',
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    '--no-renames',
    '--ignore-submodules=all',
  ]);
  const state: TreeState = {};
  for (const entry of out.split('\0')) {
    if (entry.length < 4 || entry.startsWith('!!')) continue;
    const file = entry.slice(3);
    const absolute = path.join(worktree, file);
    const stat = lstat(absolute);
    if (stat?.isDirectory()) continue; // a nested repository shown as an untracked directory
    // ctime: any write, truncation, chmod or rename of the file sets it, and no program can set it back.
    if (stat) state[file] = { changedAt: stat.ctimeMs, untracked: entry[0] === '?' || entry[0] === 'A' };
    else state[file] = { changedAt: null, dirChangedAt: existingParentChanged(absolute, worktree), untracked: entry[0] === '?' || entry[0] === 'A' };
  }
  return state;
}

/** When the nearest existing directory above a deleted file last changed (`rm -r dir` changes dir's parent). */
function existingParentChanged(file: string, worktree: string): number | null {
  for (let dir = path.dirname(file); dir.length >= worktree.length; dir = path.dirname(dir)) {
    const stat = lstat(dir);
    if (stat) return stat.mtimeMs;
    if (dir === worktree) break;
  }
  return null;
}

function lstat(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch {
    return null;
  }
}

/**
 * Writes these files' current content (raw, no filters: what restoring writes back) into git's
 * object store, one `git hash-object` for all. Returns their blob ids, in order.
 */
export async function keepBlobs(worktree: string, files: readonly string[]): Promise<string[]> {
  if (!files.length) return [];
  const out = await runGit(worktree, ['hash-object', '-w', '--no-filters', '--stdin-paths'], process.env, files.map((f) => `${f}\n`).join(''));
  return out.split('\n').filter(Boolean);
}

/** The content of a blob, as bytes. */
export function readBlob(worktree: string, blob: string): Promise<Buffer> {
  const { execFile } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('git', ['cat-file', 'blob', blob], { cwd: worktree, encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git cat-file: ${(stderr.toString() || error.message).trim()}`));
      else resolve(stdout);
    });
  });
}
