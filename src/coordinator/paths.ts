import fs from 'node:fs';
import path from 'node:path';
import { FlcError, isFlcError } from '../core/errors.js';
import type { StagedLink } from '../core/guard.js';
import { splitGlob } from '../core/glob.js';
import { checkName, escapeLiteral, isGlob, normalizeClaimPath, relativeToRoot, unescapeLiteral } from '../core/paths.js';
import type { StagedLinkChange } from '../git/links.js';
import { lexists, realPathAllowingMissing } from '../git/real-path.js';
import { findRepoFast, type RepoInfo } from '../git/repo.js';

/**
 * One file, one key: how the paths every front door is given (the CLI's, an agent hook's
 * absolute file_path, the servers') become claim keys. The pure rules are in core/paths; this
 * module asks the filesystem what core cannot know:
 * - a name that exists is a name, not a pattern (`app/[slug]/page.tsx`);
 * - symbolic links in the existing part of a path are resolved, so `CLAUDE.md -> AGENTS.md`
 *   and `lib/a.ts` with `lib -> src` are keyed by the file they reach; what a link reaches
 *   outside the repository is outside it (git does not track files beyond a link either);
 * - an existing directory is a directory claim (`src` -> `src/`).
 * It only stats and reads links: no git, so agent hooks stay fast.
 */

export interface ClaimKeyOptions {
  /** Keep paths outside the repository as absolute names instead of refusing them (HTTP API). */
  external?: boolean | undefined;
  /** The paths are file names, never patterns (an agent's file_path). */
  literal?: boolean | undefined;
}

export function claimKeys(paths: string[], cwd: string, root: string, options: ClaimKeyOptions = {}): string[] {
  if (!paths.length) throw new FlcError('USAGE', 'no path given', 'name at least one file, directory/ or glob');
  const keys = paths.map((p) => {
    try {
      return claimKey(p, cwd, root, options.literal);
    } catch (error) {
      // An external name (the HTTP API's `/test.txt`) is kept as an absolute path: no
      // repo-relative key starts with `/`, so it can only ever meet itself.
      if (options.external && isFlcError(error) && error.code === 'OUTSIDE_REPO') return externalKey(p, cwd);
      throw error;
    }
  });
  return [...new Set(keys)];
}

function claimKey(input: string, cwd: string, root: string, literal = false): string {
  checkName(input);
  const target = literal ? { name: path.resolve(cwd, input) } : readTyped(input, cwd);
  if ('glob' in target) return globKey(target.glob, cwd, root);
  const wantsDir = input.endsWith('/') || /(^|\/)\.\.?$/.test(input) || isDirectory(target.name);
  const name = realPathAllowingMissing(target.name);
  if (relativeToRoot(name, root) === null) throw outside(input, name, cwd, root);
  return normalizeClaimPath(wantsDir ? `${name}${path.sep}` : name, cwd, root, { literal: true });
}

/**
 * Typed text is a pattern, except where it names what exists: the longest part of it that
 * exists as typed is literal (`app/[slug]/` in `app/[slug]/new.tsx`). What follows is a glob
 * when it has unescaped glob characters, else a name with its backslash escapes removed.
 */
function readTyped(input: string, cwd: string): { name: string } | { glob: string } {
  const absolute = path.resolve(cwd, input);
  if (!isGlob(input) && !input.includes('\\')) return { name: absolute };
  let existing = absolute;
  const rest: string[] = [];
  while (!lexists(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  const tail = rest.join('/');
  if (isGlob(tail)) return { glob: `${escapeLiteral(existing)}/${tail}` };
  return { name: tail ? path.join(existing, unescapeLiteral(tail)) : existing };
}

/** A glob's literal directory part is resolved like a name (`lib/*.ts` with `lib -> src`). */
function globKey(glob: string, cwd: string, root: string): string {
  const { base, glob: rest } = splitGlob(glob);
  const dir = realPathAllowingMissing(path.resolve(cwd, unescapeLiteral(base) || '.'));
  if (relativeToRoot(dir, root) === null) throw outside(glob, dir, cwd, root);
  return normalizeClaimPath(`${escapeLiteral(dir)}/${rest}`, cwd, root);
}

function outside(input: string, real: string, cwd: string, root: string): FlcError {
  const throughLink = relativeToRoot(path.resolve(cwd, input), root) !== null;
  const shown = throughLink ? `"${input}" leads through a symbolic link to ${real}, which` : `"${input}"`;
  return new FlcError('OUTSIDE_REPO', `${shown} is outside the repository ${root}`, 'claim paths inside the repository only');
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function externalKey(input: string, cwd: string): string {
  const key = path.posix.normalize(path.resolve(cwd, input).split(path.sep).join('/'));
  return input.endsWith('/') && !key.endsWith('/') ? `${key}/` : key;
}

/**
 * The repository nested inside `root` that owns all of `paths` — a submodule, a linked
 * worktree placed inside this one, any repository git itself would not look into — or null
 * when they are this repository's. Its files are claimed in its own store, as git keeps them
 * in its own repository. Paths split between repositories are refused.
 */
export function nestedRepoOf(paths: string[], cwd: string, root: string, literal = false): RepoInfo | null {
  let owner: RepoInfo | null | undefined;
  for (const input of paths) {
    const repo = nestedRepoOfPath(input, cwd, root, literal);
    if (owner !== undefined && (owner?.root ?? null) !== (repo?.root ?? null)) {
      throw new FlcError('USAGE', `the paths belong to different repositories (${owner?.root ?? root} and ${repo?.root ?? root})`, 'claim the files of a submodule or nested worktree separately, from inside it');
    }
    owner = repo;
  }
  return owner ?? null;
}

function nestedRepoOfPath(input: string, cwd: string, root: string, literal: boolean): RepoInfo | null {
  if (input === '' || input.includes('\0')) return null; // refused with its own message later
  const target = literal ? { name: path.resolve(cwd, input) } : readTyped(input, cwd);
  const named = 'name' in target ? target.name : path.resolve(cwd, unescapeLiteral(splitGlob(target.glob).base) || '.');
  let dir = realPathAllowingMissing(named);
  while (!isDirectory(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const rel = relativeToRoot(dir, root);
  if (rel === null || rel === '' || rel === '.git' || rel.startsWith('.git/')) return null;
  // Only the directories between the file and the root can hold a nested repository's `.git`.
  for (let d = dir; d !== root && d !== path.dirname(d); d = path.dirname(d)) {
    if (!lexists(path.join(d, '.git'))) continue;
    const repo = findRepoFast(d);
    return repo && repo.root !== root && relativeToRoot(repo.root, root) ? repo : null;
  }
  return null;
}

/** The claim keys of what staged symbolic links pointed to and point to, inside the repository. */
export function stagedLinkTargets(changes: StagedLinkChange[], root: string): StagedLink[] {
  const links: StagedLink[] = [];
  for (const change of changes) {
    const dir = path.dirname(path.join(root, change.path));
    for (const text of change.targets) {
      try {
        const target = claimKey(path.resolve(dir, text), root, root, true);
        if (target !== '**') links.push({ path: change.path, target });
      } catch {
        // a link out of the repository: nothing there is claimed
      }
    }
  }
  return links;
}
