import path from 'node:path';
import { splitGlob } from './glob.js';
import { FlcError, badInput } from './errors.js';

export type PatternType = 'file' | 'dir' | 'glob';

const GLOB_CHARS = /[*?[\]{}]|[!+@]\(/;

export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

export function patternType(pattern: string): PatternType {
  if (isGlob(pattern)) return 'glob';
  return pattern.endsWith('/') ? 'dir' : 'file';
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

/** Repo-relative POSIX form of an absolute path, or null when it lies outside `root`. */
export function relativeToRoot(absolute: string, root: string): string | null {
  const rel = path.relative(root, absolute);
  if (rel === '') return '';
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return null;
  return toPosix(rel);
}

/**
 * Normalises what a user or agent typed into the key claims are stored under: a
 * repo-relative POSIX path (`src/a.ts`), a directory prefix (`src/api/`) or a glob whose
 * static part is made repo-relative (`src/**\/*.test.ts`). `./a`, `sub/../a`, an absolute
 * path inside the repository and a path typed from a subdirectory all give the same key.
 * The whole repository (`.`) becomes `**`.
 */
export function normalizeClaimPath(input: string, cwd: string, root: string): string {
  const raw = input.trim();
  if (raw === '') throw badInput('empty path', 'name a file, a directory ending in / or a glob');
  if (raw.includes('\0')) throw badInput('path contains a NUL byte');
  if (isGlob(raw)) return normalizeGlob(raw, cwd, root);
  const wantsDir = raw.endsWith('/') || raw.endsWith(`${path.sep}`) || /(^|\/)\.\.?$/.test(raw);
  const rel = relativeToRoot(path.resolve(cwd, raw), root);
  if (rel === null) throw outside(input, root);
  if (rel === '') return '**';
  return wantsDir ? `${rel}/` : rel;
}

function normalizeGlob(raw: string, cwd: string, root: string): string {
  const { base, glob } = splitGlob(raw);
  const rel = relativeToRoot(path.resolve(cwd, base || '.'), root);
  if (rel === null) throw outside(raw, root);
  if (!glob) throw badInput(`cannot read the glob "${raw}"`, 'quote globs so the shell leaves them alone');
  return rel === '' ? glob : `${rel}/${glob}`;
}

function outside(input: string, root: string): FlcError {
  return new FlcError('OUTSIDE_REPO', `"${input}" is outside the repository ${root}`, 'claim paths inside the repository only');
}
