/**
 * Which of these files differ from HEAD in `worktree` (in the index or the working tree, or
 * untracked): one `git status` for all of them. A file missing from the answer matches HEAD
 * (or is ignored). Runs git in the caller's environment (a hook's GIT_INDEX_FILE is the index
 * being committed), except for another worktree, whose own repository git must find itself.
 */
export async function dirtyPaths(worktree: string, paths: readonly string[], options: { sameWorktree?: boolean } = {}): Promise<Set<string>> {
  const dirty = new Set<string>();
  const env = { ...process.env };
  if (!options.sameWorktree) for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR']) delete env[key];
  for (let at = 0; at < paths.length; at += CHUNK) {
    const chunk = paths.slice(at, at + CHUNK);
    const out = await runGit(worktree, ['--no-optional-locks', '--literal-pathspecs', '-c', 'core.quotePath=false', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...chunk], env);
    for (const entry of out.split('\0')) if (entry.length > 3 && !entry.startsWith('!!')) dirty.add(entry.slice(3));
  }
  return dirty;
}

const CHUNK = 2000;

/** Runs git to completion and returns its stdout; rejects with git's message. */
export function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string): Promise<string> {
  const { execFile } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}: ${(stderr || error.message).trim()}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}
