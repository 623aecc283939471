import { createRequire } from 'node:module';
import type { SimpleGit, simpleGit as SimpleGitFactory } from 'simple-git';
import type { StagedChange } from '../core/guard.js';

/**
 * flc runs git for its user, in the user's environment, and must pass it on unchanged: during
 * `git commit -a` or `commit --only` a hook is given GIT_INDEX_FILE, the temporary index that
 * will be committed, and GIT_AUTHOR_*, EDITOR and friends must reach `flc commit`'s commit.
 * simple-git drops such variables unless they are allowed, so every present one is allowed.
 */
function ambientEnvironment(): string[] {
  return Object.keys(process.env);
}

/**
 * simple-git's guards against injected editors, pagers, ssh commands... protect servers that
 * pass untrusted input to git. flc's arguments are its own and its environment is the user's,
 * which git must see as it is (EDITOR, GIT_SSH_COMMAND, GIT_CONFIG_* included).
 */
const USER_ENVIRONMENT = {
  allowUnsafeEditor: true,
  allowUnsafeAskPass: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeExec: true,
  allowUnsafeDiffExternal: true,
  allowUnsafePager: true,
  allowUnsafeGitProxy: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeSshCommand: true,
};

/** simple-git, loaded on first use: only commit-time commands need it, never the edit path. */
export async function gitAt(root: string): Promise<SimpleGit> {
  const { simpleGit } = createRequire(import.meta.url)('simple-git') as { simpleGit: typeof SimpleGitFactory };
  return simpleGit({ baseDir: root, trimmed: false, allowEnvironment: ambientEnvironment(), unsafe: USER_ENVIRONMENT });
}

/**
 * The staged changes, with rename and copy detection: `--name-status -z` keeps paths with
 * spaces, quotes, newlines or non-ASCII characters intact. Works before the first commit too.
 */
export async function stagedChanges(root: string): Promise<StagedChange[]> {
  const git = await gitAt(root);
  const out = await git.raw(['-c', 'core.quotePath=false', 'diff', '--cached', '--name-status', '-z', '-M', '-C', '--no-color']);
  return parseNameStatus(out);
}

export function parseNameStatus(out: string): StagedChange[] {
  const fields = out.split('\0');
  const changes: StagedChange[] = [];
  for (let i = 0; i < fields.length; ) {
    const status = fields[i++];
    if (!status) continue;
    if (status[0] === 'R' || status[0] === 'C') {
      const from = fields[i++]!;
      const path = fields[i++]!;
      changes.push({ status, from, path });
    } else {
      changes.push({ status, path: fields[i++]! });
    }
  }
  return changes;
}

/** Files that differ from HEAD in the index or the work tree, and untracked files (not ignored). */
export async function changedFiles(root: string): Promise<{ tracked: string[]; untracked: string[] }> {
  const git = await gitAt(root);
  const out = await git.raw(['-c', 'core.quotePath=false', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  const tracked: string[] = [];
  const untracked: string[] = [];
  for (const entry of out.split('\0')) {
    if (entry.length < 4) continue;
    const code = entry.slice(0, 2);
    const path = entry.slice(3);
    if (code === '??') untracked.push(path);
    else if (code !== '!!') tracked.push(path);
  }
  return { tracked, untracked };
}
