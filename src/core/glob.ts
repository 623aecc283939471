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

/** The literal directory part of a glob and the rest (`src/**\/*.ts` -> `src`, `**\/*.ts`). */
export function splitGlob(pattern: string): { base: string; glob: string } {
  const { base, glob } = picomatch().scan(pattern);
  return { base, glob };
}
