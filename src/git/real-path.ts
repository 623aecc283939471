import fs from 'node:fs';
import path from 'node:path';

const MAX_LINKS = 40; // as the kernel's ELOOP limit

/**
 * The real path of `absolute`, which may not exist yet (an agent about to create a file):
 * symlinks in its existing part are resolved (`/tmp` -> `/private/tmp` on macOS, `lib` ->
 * `src` inside a repository), the rest keeps its name under the real parent. A dangling link
 * is followed to where its target would be (`CLAUDE.md` -> `AGENTS.md` before AGENTS.md is
 * written). On a loop or an unreadable link the path comes back unchanged.
 */
export function realPathAllowingMissing(absolute: string, depth = 0): string {
  let existing = absolute;
  const rest: string[] = [];
  while (!lexists(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  try {
    return path.join(fs.realpathSync.native(existing), ...rest);
  } catch {
    // `existing` is a dangling link (or runs through one): follow it by hand.
    if (depth >= MAX_LINKS) return absolute;
    try {
      const target = path.resolve(path.dirname(existing), fs.readlinkSync(existing));
      return realPathAllowingMissing(path.join(target, ...rest), depth + 1);
    } catch {
      return absolute;
    }
  }
}

/** Does an entry exist at `file`, a dangling symlink included? */
export function lexists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
