import { evaluateOwned } from '../core/changes.js';
import { type GuardMode, evaluateGuard } from '../core/guard.js';
import { isLive } from '../core/rules.js';
import { dirtyPaths } from '../git/dirty.js';
import { type UpdateKind, filesOfUpdate, headBranch, parseRefUpdates, relevantUpdates } from '../git/ref-transaction.js';
import type { RepoInfo } from '../git/repo.js';
import type { Store } from '../store/store.js';
import type { ChangesService } from './changes.js';

export interface RefGuardInput {
  session: string;
  /** The hook's stdin: `<old> <new> <ref>` lines. */
  updates: string;
  mode?: GuardMode | undefined;
}

export interface RefFinding {
  ref: string;
  kind: UpdateKind;
  path: string;
  /** The session whose uncommitted work it is. */
  owner: string;
  /** Owned changes, or changes being made under a live write/exclusive claim. */
  why: 'owned' | 'held';
}

export interface RefGuardReport {
  mode: GuardMode;
  session: string;
  blocked: RefFinding[];
}

/**
 * The `reference-transaction` check (git's `prepared` state): refuses a new commit on this
 * worktree's HEAD, or a new stash, that carries another session's uncommitted work — files it
 * owns the changes of, or is changing under a live write/exclusive claim — still present in
 * the working tree. `--no-verify` does not skip it. It reads the store first and asks git only
 * when another session owns or holds something.
 */
export async function guardRefUpdates(repo: RepoInfo, store: Store, changes: ChangesService, input: RefGuardInput): Promise<RefGuardReport> {
  const mode = input.mode ?? store.config()['guard.mode'];
  const report: RefGuardReport = { mode, session: input.session, blocked: [] };
  if (mode === 'off' || !store.exists()) return report;
  await changes.settleOrphans();
  const db = store.read();
  const now = Date.now();
  const othersOwn = (db.changes ?? []).some((c) => c.session !== input.session && c.worktree === repo.root && c.since !== undefined);
  const othersHold = db.claims.some((c) => c.session !== input.session && c.kind !== 'read' && isLive(c, now));
  if (!othersOwn && !othersHold) return report;
  const updates = relevantUpdates(parseRefUpdates(input.updates), headBranch(repo.gitDir));
  if (!updates.length) return report;

  const candidates: RefFinding[] = [];
  for (const update of updates) {
    const files = await filesOfUpdate(repo.root, update);
    const touched = files.map((path) => ({ path, change: update.kind }));
    for (const f of evaluateOwned(touched, db.changes, input.session, repo.root)) {
      candidates.push({ ref: update.ref, kind: update.kind, path: f.path, owner: f.record.session, why: 'owned' });
    }
    const held = evaluateGuard({ changes: files.map((path) => ({ status: 'M', path })), claims: db.claims, session: input.session, worktree: repo.root, otherWorktrees: 'ignore', now });
    for (const f of held) {
      if (f.severity === 'block' && !candidates.some((c) => c.path === f.path)) candidates.push({ ref: update.ref, kind: update.kind, path: f.path, owner: f.claim.session, why: 'held' });
    }
  }
  if (!candidates.length) return report;
  // Only work still in the working tree is at stake: a file that matches HEAD carries nothing.
  const dirty = await dirtyPaths(repo.root, [...new Set(candidates.map((c) => c.path))], { sameWorktree: true });
  report.blocked = candidates.filter((c) => dirty.has(c.path));
  const clean = candidates.filter((c) => c.why === 'owned' && !dirty.has(c.path));
  if (clean.length) await changes.clearClean((r) => r.worktree === repo.root && clean.some((c) => c.path === r.path));
  if (report.blocked.length && mode === 'block') {
    await store.record(
      report.blocked.map((f) => ({
        event: 'guard:blocked' as const,
        session: input.session,
        path: f.path,
        cause: f.why,
        detail: `reference-transaction: ${f.kind === 'stash' ? 'git stash' : `new commit on ${f.ref}`}; uncommitted work of ${f.owner}`,
      })),
    );
  }
  return report;
}
