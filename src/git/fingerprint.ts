import fs from 'node:fs';

/** Files larger than this are fingerprinted by size, mtime and inode instead of their content. */
const HASH_LIMIT = 32 * 1024 * 1024;

/**
 * What a file in the working tree looks like now, cheaply and without spawning git (this runs
 * on the agent hook path): git's blob id of its content (`sha1("blob <len>\0" + content)`, so
 * it equals `git hash-object` when no filters apply), of a symlink's target, or null when the
 * file does not exist. Only compared with other fingerprints of the same file, never with
 * HEAD: git itself says whether a file matches HEAD (filters, line endings).
 */
export function fingerprint(file: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return null;
  }
  if (stat.isSymbolicLink()) return blobId(Buffer.from(fs.readlinkSync(file)));
  if (stat.isDirectory()) return 'dir';
  if (stat.size > HASH_LIMIT) return `stat:${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  try {
    return blobId(fs.readFileSync(file));
  } catch {
    return `stat:${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  }
}

/** When the file (or symlink) was last modified, in ms, or null when it does not exist. */
export function modifiedAt(file: string): number | null {
  try {
    return fs.lstatSync(file).mtimeMs;
  } catch {
    return null;
  }
}

export function blobId(content: Buffer): string {
  // Loaded on first use: the agent hook path pays for it only when a file is fingerprinted.
  return process.getBuiltinModule('node:crypto').createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}
