import fs from 'node:fs';
import path from 'node:path';

/**
 * The real path of `absolute`, which may not exist yet (an agent about to create a file):
 * symlinks in its existing part are resolved (`/tmp` -> `/private/tmp` on macOS), the rest is
 * kept as written. On failure the path comes back unchanged.
 */
export function realPathAllowingMissing(absolute: string): string {
  let existing = absolute;
  const rest: string[] = [];
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  try {
    return path.join(fs.realpathSync(existing), ...rest);
  } catch {
    return absolute;
  }
}
