import { createRequire } from 'node:module';
import type Picomatch from 'picomatch';

let loaded: typeof Picomatch | undefined;

/**
 * picomatch, loaded on first use: plain file and directory claims never need it, and agent
 * hooks, which run on every edit, should not pay for loading it.
 */
export function picomatch(): typeof Picomatch {
  loaded ??= createRequire(import.meta.url)('picomatch') as typeof Picomatch;
  return loaded;
}

/** Compiles a glob the way flc matches claims: dotfiles included. */
export function globMatcher(glob: string): (path: string) => boolean {
  return picomatch()(glob, { dot: true });
}

/**
 * Does `pattern` contain a glob character that is not escaped with a backslash? `*?[]{}`
 * and the extglob openers `!( +( @(`. `app/\[slug\]/page.tsx` is a literal name.
 */
export function isGlob(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') i++;
    else if ('*?[]{}'.includes(c)) return true;
    else if ('!+@'.includes(c) && pattern[i + 1] === '(') return true;
  }
  return false;
}

/**
 * The literal directory part of a glob and the rest (`src/**\/*.ts` -> `src`, `**\/*.ts`):
 * the leading segments without an unescaped glob character. (picomatch's own scan loses its
 * way at escaped braces, as in a directory named `\{x\}`.)
 */
export function splitGlob(pattern: string): { base: string; glob: string } {
  const segments = pattern.split('/');
  let literal = 0;
  while (literal < segments.length - 1 && !isGlob(segments[literal]!)) literal++;
  const base = segments.slice(0, literal).join('/');
  return { base: base === '' && pattern.startsWith('/') ? '/' : base, glob: segments.slice(literal).join('/') };
}
