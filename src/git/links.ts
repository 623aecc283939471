import { gitAt } from './changes.js';

/** A staged change to a symbolic link, with what it pointed to before and points to after. */
export interface StagedLinkChange {
  /** The link's repo-relative path. */
  path: string;
  /** The link texts (as `ln -s` wrote them) of HEAD's and the index's versions, where there is one. */
  targets: string[];
}

const LINK_MODE = '120000';
const NO_BLOB = /^0+$/;

/**
 * The staged changes that touch symbolic links (git mode 120000 on either side), read from
 * `git diff --cached --raw`. A link's target text lives in its blob, so a deleted or
 * retargeted link still says what it pointed to. Runs git: for the guard only, never a hook.
 */
export async function stagedLinkChanges(root: string): Promise<StagedLinkChange[]> {
  const git = await gitAt(root);
  const out = await git.raw(['-c', 'core.quotePath=false', 'diff', '--cached', '--raw', '-z', '--no-renames', '--no-abbrev', '--no-color']);
  const changes: StagedLinkChange[] = [];
  const fields = out.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [oldMode, newMode, oldBlob, newBlob] = fields[i]!.replace(/^:/, '').split(' ');
    const path = fields[i + 1]!;
    const blobs = [oldMode === LINK_MODE ? oldBlob : undefined, newMode === LINK_MODE ? newBlob : undefined].filter((b): b is string => !!b && !NO_BLOB.test(b));
    if (!blobs.length) continue;
    const targets = await Promise.all(blobs.map(async (blob) => await git.raw(['cat-file', 'blob', blob])));
    changes.push({ path, targets: [...new Set(targets)] });
  }
  return changes;
}
