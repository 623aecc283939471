import fs from 'node:fs';
import path from 'node:path';
import { FlcError } from '../core/errors.js';
import { clip } from '../core/shell-refusal.js';
import type { RepoInfo } from '../git/repo.js';
import { type SnapshotInfo, listSnapshots, planRestore, pruneSnapshots, restoreFiles, saveSnapshot } from '../git/snapshot.js';
import type { Store } from '../store/store.js';

export interface UndoInput {
  session: string;
  /** Snapshot id (or a unique start of it); default the newest of this worktree. */
  id?: string | undefined;
  /** Only these files (relative to `cwd`). */
  paths?: string[] | undefined;
  cwd?: string | undefined;
  /** Overwrite files that changed since the snapshot too. */
  force?: boolean | undefined;
}

export interface UndoResult {
  snapshot: SnapshotInfo;
  restored: string[];
  /** Already as in the snapshot. */
  same: string[];
  /** Changed since the snapshot: kept (restore them with force). */
  kept: string[];
}

/**
 * Snapshots of the working tree saved before an agent's command discards changes (git
 * mechanics in git/snapshot), their expiry (`snapshots.keep`, `snapshots.maxAge`), and
 * `flc undo`. Journals `snapshot:saved` and `snapshot:restored`.
 */
export class SnapshotService {
  constructor(
    private readonly repo: RepoInfo,
    private readonly store: Store,
    private readonly cwd: string,
  ) {}

  /** Saves a snapshot of this worktree now, prunes old ones and journals it. */
  async save(session: string, command: string): Promise<SnapshotInfo | null> {
    const saved = await saveSnapshot({ worktree: this.repo.root, gitDir: this.repo.gitDir, session, command });
    if (!saved) return null;
    await this.store.record([{ event: 'snapshot:saved', session, detail: `${saved.id}: ${saved.files.length} file(s) before ${clip(command)}` }]);
    const config = this.store.config();
    await pruneSnapshots(this.repo.root, config['snapshots.keep'], config['snapshots.maxAge']).catch(() => []);
    return saved;
  }

  /** Every snapshot of the repository, newest first (those of other worktrees too). */
  async list(): Promise<SnapshotInfo[]> {
    return listSnapshots(this.repo.root);
  }

  /**
   * `flc undo`: writes a snapshot's files back into its worktree. A file that changed since
   * the snapshot (neither as it was then nor as the command left it) is kept unless `force`.
   * The restored files are owned again by the snapshot's session. Journals `snapshot:restored`.
   */
  async undo(input: UndoInput): Promise<UndoResult> {
    const all = await listSnapshots(this.repo.root);
    const snapshot = input.id ? all.find((s) => s.id === input.id || s.id.startsWith(input.id!)) : all.find((s) => s.worktree === this.repo.root);
    if (!snapshot) {
      throw new FlcError('BAD_INPUT', input.id ? `no snapshot ${input.id}` : 'no snapshot of this worktree to restore', 'flc snapshots lists them');
    }
    if (!fs.existsSync(snapshot.worktree)) throw new FlcError('BAD_INPUT', `snapshot ${snapshot.id} is of worktree ${snapshot.worktree}, which no longer exists`, 'restore single files with git show <commit>:<path>');
    const paths = input.paths?.map((p) => path.relative(snapshot.worktree, path.resolve(input.cwd ?? this.cwd, p)).split(path.sep).join('/'));
    const plan = await planRestore(snapshot, paths);
    const restore = input.force ? [...plan.restore, ...plan.changed] : plan.restore;
    await restoreFiles(snapshot, restore);
    if (restore.length) {
      await this.store.transaction((db, tx) => {
        const changes = (db.changes ??= []);
        for (const file of restore) {
          if (changes.some((c) => c.path === file && c.worktree === snapshot.worktree)) continue;
          const at = new Date(tx.now).toISOString();
          changes.push({ path: file, session: snapshot.session, worktree: snapshot.worktree, watchedAt: at, base: null, seen: null, since: at });
          tx.emit({ event: 'changes:owned', session: snapshot.session, path: file, cause: 'undo', detail: `restored from snapshot ${snapshot.id}` });
        }
        tx.emit({ event: 'snapshot:restored', session: input.session, detail: `${snapshot.id}: ${restore.length} file(s) restored${plan.changed.length && !input.force ? `, ${plan.changed.length} changed since and kept` : ''}` });
      });
    }
    return { snapshot, restored: restore, same: plan.same, kept: input.force ? [] : plan.changed };
  }
}
