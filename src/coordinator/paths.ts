import fs from 'node:fs';
import path from 'node:path';
import { FlcError, isFlcError } from '../core/errors.js';
import { isGlob, normalizeClaimPath, relativeToRoot } from '../core/paths.js';
import { realPathAllowingMissing } from '../git/real-path.js';

export interface ClaimKeyOptions {
  /** Keep paths outside the repository as absolute names instead of refusing them (HTTP API). */
  external?: boolean | undefined;
}

/**
 * Turns user paths into claim keys (see core/paths), marking existing directories with `/`.
 * The one place every front door's paths become keys: the CLI, agent hooks, the servers.
 */
export function claimKeys(paths: string[], cwd: string, root: string, options: ClaimKeyOptions = {}): string[] {
  if (!paths.length) throw new FlcError('USAGE', 'no path given', 'name at least one file, directory/ or glob');
  const keys = paths.map((p) => {
    const resolved = resolveLinks(markDirectory(p, cwd), cwd, root);
    try {
      return normalizeClaimPath(resolved, cwd, root);
    } catch (error) {
      // An external name (the HTTP API's `/test.txt`) is kept as an absolute path: no
      // repo-relative key starts with `/`, so it can only ever meet itself.
      if (options.external && isFlcError(error) && error.code === 'OUTSIDE_REPO') return externalKey(p, cwd);
      throw error;
    }
  });
  return [...new Set(keys)];
}

/** An absolute path through a symlink (e.g. /tmp -> /private/tmp) is mapped onto the real root. */
function resolveLinks(input: string, cwd: string, root: string): string {
  if (isGlob(input)) return input;
  const absolute = path.resolve(cwd, input);
  if (relativeToRoot(absolute, root) !== null) return input;
  const real = realPathAllowingMissing(absolute);
  return input.endsWith('/') ? `${real}/` : real;
}

function externalKey(input: string, cwd: string): string {
  const key = path.posix.normalize(path.resolve(cwd, input).split(path.sep).join('/'));
  return input.endsWith('/') && !key.endsWith('/') ? `${key}/` : key;
}

function markDirectory(input: string, cwd: string): string {
  if (isGlob(input) || input.endsWith('/')) return input;
  try {
    return fs.statSync(path.resolve(cwd, input)).isDirectory() ? `${input}/` : input;
  } catch {
    return input;
  }
}
