import fs from 'node:fs';
import path from 'node:path';
import { FlcError } from '../core/errors.js';

export interface RepoInfo {
  /** Absolute, real path of the worktree's top level. */
  root: string;
  /** This worktree's git dir (`.git`, or `.git/worktrees/<name>` for a linked worktree). */
  gitDir: string;
  /** The git dir shared by all worktrees; flc's store lives in `<commonDir>/flc`. */
  commonDir: string;
}

/**
 * Finds the repository around `cwd`. Reads `.git` directly (no process spawn: hooks run on
 * every edit), and asks git itself only when the layout is unusual (GIT_DIR and friends set,
 * or no `.git` found on the way up).
 */
export function findRepo(cwd: string): RepoInfo {
  const fast = process.env.GIT_DIR || process.env.GIT_WORK_TREE || process.env.GIT_COMMON_DIR || process.env.GIT_CEILING_DIRECTORIES ? null : findRepoFast(cwd);
  return fast ?? findRepoWithGit(cwd);
}

export function findRepoFast(cwd: string): RepoInfo | null {
  let dir: string;
  try {
    dir = fs.realpathSync(cwd);
  } catch {
    return null;
  }
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const gitDir = resolveDotGit(dotGit);
    if (gitDir) return { root: dir, gitDir, commonDir: readCommonDir(gitDir) };
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function resolveDotGit(dotGit: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dotGit);
  } catch {
    return null;
  }
  if (stat.isDirectory()) return fs.existsSync(path.join(dotGit, 'HEAD')) ? dotGit : null;
  try {
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(dotGit, 'utf8'));
    return match ? path.resolve(path.dirname(dotGit), match[1]!) : null;
  } catch {
    return null;
  }
}

function readCommonDir(gitDir: string): string {
  try {
    const text = fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim();
    return path.resolve(gitDir, text);
  } catch {
    return gitDir;
  }
}

function findRepoWithGit(cwd: string): RepoInfo {
  // Loaded only here: child_process costs milliseconds of every start and the fast path needs none.
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  let out: string;
  try {
    out = execFileSync('git', ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT' && !fs.existsSync(cwd)) {
      throw new FlcError('NOT_A_REPO', `the directory ${cwd} does not exist`, 'run flc from inside a git repository');
    }
    if (err.code === 'ENOENT') throw new FlcError('NOT_A_REPO', 'git is not installed or not on PATH', 'install git');
    throw new FlcError('NOT_A_REPO', `not inside a git work tree: ${cwd}`, 'run flc inside a git repository (or `git init` one first)');
  }
  const [root, gitDir, commonDir] = out.trim().split('\n');
  if (!root || !gitDir || !commonDir) throw new FlcError('NOT_A_REPO', `not inside a git work tree: ${cwd}`, 'run flc inside a git repository');
  return { root: fs.realpathSync(root), gitDir, commonDir: path.resolve(cwd, commonDir) };
}
