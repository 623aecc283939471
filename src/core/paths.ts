import path from 'node:path';
import { isGlob, splitGlob } from './glob.js';
import { FlcError, badInput } from './errors.js';

export { isGlob };

export type PatternType = 'file' | 'dir' | 'glob';

/**
 * The key of a literal name: the characters that would make it a glob (and the backslash)
 * escaped with a backslash, as picomatch reads them: `app/[slug]` -> `app/\[slug\]`.
 */
export function escapeLiteral(name: string): string {
  return name.replace(/[\\*?[\]{}]|(?<=[!+@])\(/g, '\\$&');
}

/** The name a literal key stands for: backslash escapes removed (`app/\[slug\]` -> `app/[slug]`). */
export function unescapeLiteral(key: string): string {
  return key.replace(/\\(.)/gs, '$1');
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

/** Names are kept exactly as given (spaces included); only an empty name or a NUL byte is refused. */
export function checkName(input: string): void {
  if (input === '') throw badInput('empty path', 'name a file, a directory ending in / or a glob');
  if (input.includes('\0')) throw badInput('path contains a NUL byte', 'name a file, a directory ending in / or a glob');
}

export interface NormalizeOptions {
  /** `input` is a file name, never a pattern: glob characters and backslashes are part of it. */
  literal?: boolean | undefined;
}

/**
 * Normalises what a user or agent typed into the key claims are stored under: a
 * repo-relative POSIX path (`src/a.ts`), a directory prefix (`src/api/`) or a glob whose
 * static part is made repo-relative (`src/**\/*.test.ts`). `./a`, `sub/../a`, an absolute
 * path inside the repository and a path typed from a subdirectory all give the same key.
 * The whole repository (`.`) becomes `**`. Typed text is read as a pattern (a backslash
 * escapes the next character); a literal name's glob characters are escaped in its key.
 */
export function normalizeClaimPath(input: string, cwd: string, root: string, options: NormalizeOptions = {}): string {
  checkName(input);
  if (!options.literal && isGlob(input)) return normalizeGlob(input, cwd, root);
  const name = options.literal ? input : unescapeLiteral(input);
  const wantsDir = name.endsWith('/') || name.endsWith(`${path.sep}`) || /(^|\/)\.\.?$/.test(name);
  const rel = relativeToRoot(path.resolve(cwd, name), root);
  if (rel === null) throw outside(input, root);
  if (rel === '') return '**';
  const key = escapeLiteral(rel);
  return wantsDir ? `${key}/` : key;
}

function normalizeGlob(raw: string, cwd: string, root: string): string {
  const { base, glob } = splitGlob(raw);
  const rel = relativeToRoot(path.resolve(cwd, unescapeLiteral(base) || '.'), root);
  if (rel === null) throw outside(raw, root);
  if (!glob) throw badInput(`cannot read the glob "${raw}"`, 'quote globs so the shell leaves them alone');
  return rel === '' ? glob : `${escapeLiteral(rel)}/${glob}`;
}

function outside(input: string, root: string): FlcError {
  return new FlcError('OUTSIDE_REPO', `"${input}" is outside the repository ${root}`, 'claim paths inside the repository only');
}
