import { runGit } from './dirty.js';

/**
 * Every path of the worktree that differs from HEAD, with git's two-letter status code (`??`
 * untracked, ` M`, `A `, `D `...), untracked files listed one by one, ignored ones left out.
 * One `git status`, run only for a git command that could discard something.
 */
export async function worktreeStatus(worktree: string): Promise<Map<string, string>> {
  const env = { ...process.env };
  for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR']) delete env[key];
  const out = await runGit(worktree, ['--no-optional-locks', '-c', 'core.quotePath=false', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'], env);
  const status = new Map<string, string>();
  for (const entry of out.split('\0')) if (entry.length > 3) status.set(entry.slice(3), entry.slice(0, 2));
  return status;
}
