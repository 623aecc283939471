import { describe, expect, it } from 'vitest';
import {
  type OwnedChange,
  evaluateOwned,
  findOwnedBlockers,
  observe,
  ownFoundChange,
  ownedBy,
  ownerState,
  settle,
  transfer,
  watchFile,
  watchedBy,
} from '../../src/core/changes.js';
import { blobId } from '../../src/git/fingerprint.js';
import { parseRefUpdates, relevantUpdates } from '../../src/git/ref-transaction.js';
import { repairDb, validateDb } from '../../src/core/validate.js';
import { NOW } from './factories.js';

const WT = '/repo';

function owned(path: string, session: string, extra: Partial<OwnedChange> = {}): OwnedChange {
  const t = new Date(NOW - 60_000).toISOString();
  return { path, session, worktree: WT, watchedAt: t, base: 'b0', seen: 'b1', since: t, ...extra };
}

describe('recording ownership', () => {
  it('watches a file at claim start and makes it owned only once it differs from that state', () => {
    const changes: OwnedChange[] = [];
    const record = watchFile(changes, { session: 'alice' }, { path: 'a.ts', worktree: WT, fingerprint: 'b0' }, NOW)!;
    expect(record.since).toBeUndefined();
    expect(observe(record, 'b0', NOW + 1)).toBe('unchanged');
    expect(observe(record, 'b1', NOW + 2)).toBe('owned');
    expect(record.since).toBe(new Date(NOW + 2).toISOString());
    expect(observe(record, 'b0', NOW + 3)).toBe('already-owned'); // reverting does not clear: only HEAD does
  });

  it('forgets a watched file that never changed when the claim ends, keeps a changed one', () => {
    const changes: OwnedChange[] = [];
    const same = watchFile(changes, { session: 'alice' }, { path: 'a.ts', worktree: WT, fingerprint: 'x' }, NOW)!;
    const edited = watchFile(changes, { session: 'alice' }, { path: 'b.ts', worktree: WT, fingerprint: 'y' }, NOW)!;
    expect(settle(changes, same, 'x', NOW)).toBe('unchanged');
    expect(settle(changes, edited, 'y2', NOW)).toBe('owned');
    expect(changes).toEqual([edited]);
  });

  it('counts creation and deletion as changes (null = no file)', () => {
    const changes: OwnedChange[] = [];
    const created = watchFile(changes, { session: 'a' }, { path: 'new.ts', worktree: WT, fingerprint: null }, NOW)!;
    const deleted = watchFile(changes, { session: 'a' }, { path: 'old.ts', worktree: WT, fingerprint: 'z' }, NOW)!;
    expect(observe(created, 'n', NOW)).toBe('owned');
    expect(observe(deleted, null, NOW)).toBe('owned');
  });

  it('keeps an existing record (its owner and base) when the file is claimed again, and never watches directories or globs', () => {
    const changes = [owned('a.ts', 'alice')];
    expect(watchFile(changes, { session: 'bob' }, { path: 'a.ts', worktree: WT, fingerprint: 'q' }, NOW)).toBeNull();
    expect(changes[0]!.session).toBe('alice');
    expect(watchFile(changes, { session: 'bob' }, { path: 'src/', worktree: WT, fingerprint: null }, NOW)).toBeNull();
    expect(watchFile(changes, { session: 'bob' }, { path: '**/*.ts', worktree: WT, fingerprint: null }, NOW)).toBeNull();
    // the same path in another worktree is another file
    expect(watchFile(changes, { session: 'bob' }, { path: 'a.ts', worktree: '/other', fingerprint: 'q' }, NOW)).not.toBeNull();
  });

  it('records files whose names hold glob characters by their real name, and finds them from their claim keys', () => {
    const changes: OwnedChange[] = [];
    const record = watchFile(changes, { session: 'a' }, { path: 'app/\\[slug\\]/page.ts', worktree: WT, fingerprint: '1' }, NOW)!;
    expect(record.path).toBe('app/[slug]/page.ts');
    expect(watchedBy(changes, { session: 'a' }, ['app/\\[slug\\]/page.ts'])).toEqual([record]);
    observe(record, '2', NOW);
    expect(findOwnedBlockers({ session: 'b', paths: ['app/\\[slug\\]/page.ts'], kind: 'write' }, changes, WT, 'block')).toHaveLength(1);
    expect(findOwnedBlockers({ session: 'b', paths: ['app/s/page.ts'], kind: 'write' }, changes, WT, 'block')).toHaveLength(0);
    expect(evaluateOwned([{ path: 'app/[slug]/page.ts', change: 'modified' }], changes, 'b', WT)).toHaveLength(1);
  });

  it('finds the watched records of one holder exactly (subagents apart)', () => {
    const changes: OwnedChange[] = [];
    watchFile(changes, { session: 's', agent: 'x' }, { path: 'a.ts', worktree: WT, fingerprint: '1' }, NOW);
    watchFile(changes, { session: 's' }, { path: 'b.ts', worktree: WT, fingerprint: '1' }, NOW);
    expect(watchedBy(changes, { session: 's', agent: 'x' }, ['a.ts', 'b.ts']).map((r) => r.path)).toEqual(['a.ts']);
    expect(watchedBy(changes, { session: 's' }, ['a.ts', 'b.ts']).map((r) => r.path)).toEqual(['b.ts']);
  });
});

describe('files found changed below a directory or glob claim', () => {
  it('are owned at once, created or modified by whether git tracks them, never taking a record that exists', () => {
    const changes: OwnedChange[] = [];
    const at = '2026-01-01T00:00:00.000Z';
    const made = ownFoundChange(changes, { session: 'B', agent: 'sub' }, { path: 'src/new.ts', worktree: '/r', tracked: false, fingerprint: 'f1' }, at, 1000);
    expect(made).toEqual({ path: 'src/new.ts', session: 'B', agent: 'sub', worktree: '/r', watchedAt: at, base: null, seen: 'f1', since: new Date(1000).toISOString() });
    expect(ownFoundChange(changes, { session: 'B' }, { path: 'src/a.ts', worktree: '/r', tracked: true, fingerprint: 'f2' }, at, 1000)!.base).toBe('tracked');
    expect(ownFoundChange(changes, { session: 'C' }, { path: 'src/new.ts', worktree: '/r', tracked: false, fingerprint: 'f3' }, at, 2000)).toBeNull();
    expect(ownFoundChange(changes, { session: 'C' }, { path: 'src/new.ts', worktree: '/other', tracked: false, fingerprint: 'f3' }, at, 2000)!.session).toBe('C');
    expect(changes.map((c) => `${c.worktree}:${c.path}:${c.session}`)).toEqual(['/r:src/new.ts:B', '/r:src/a.ts:B', '/other:src/new.ts:C']);
  });
});

describe('what owned changes block', () => {
  const changes = [owned('src/a.ts', 'alice'), owned('b.ts', 'bob'), { ...owned('w.ts', 'alice'), since: undefined }];

  it("blocks other sessions' write and exclusive claims, directories and globs included, not reads", () => {
    const blockers = findOwnedBlockers({ session: 'bob', paths: ['src/', 'w.ts', 'x.ts'], kind: 'write' }, changes, WT, 'block');
    expect(blockers.map((b) => [b.path, b.record.path, b.record.session])).toEqual([['src/', 'src/a.ts', 'alice']]);
    expect(findOwnedBlockers({ session: 'bob', paths: ['**/*.ts'], kind: 'exclusive' }, changes, WT, 'block')).toHaveLength(1);
    expect(findOwnedBlockers({ session: 'bob', paths: ['src/a.ts'], kind: 'read' }, changes, WT, 'block')).toEqual([]);
  });

  it('never blocks its owner (subagents included), another worktree, or under the allow policy', () => {
    expect(findOwnedBlockers({ session: 'alice', agent: 'sub', paths: ['src/a.ts'], kind: 'write' }, changes, WT, 'block')).toEqual([]);
    expect(findOwnedBlockers({ session: 'bob', paths: ['src/a.ts'], kind: 'write' }, changes, '/other', 'block')).toEqual([]);
    expect(findOwnedBlockers({ session: 'bob', paths: ['src/a.ts'], kind: 'write' }, changes, WT, 'allow')).toEqual([]);
  });

  it('makes the guard refuse staged paths holding other sessions’ owned changes (both sides of a rename)', () => {
    const touched = [
      { path: 'src/a.ts', change: 'renamed to src/c.ts' },
      { path: 'src/c.ts', change: 'renamed from src/a.ts' },
      { path: 'b.ts', change: 'modified' },
      { path: 'w.ts', change: 'modified' },
    ];
    expect(evaluateOwned(touched, changes, 'bob', WT).map((f) => [f.path, f.record.session])).toEqual([['src/a.ts', 'alice']]);
    expect(evaluateOwned(touched, changes, 'carol', WT).map((f) => f.path)).toEqual(['src/a.ts', 'b.ts']);
    expect(evaluateOwned(touched, changes, 'carol', '/other')).toEqual([]);
    expect(evaluateOwned(touched, undefined, 'carol', WT)).toEqual([]);
  });

  it('moves ownership on adoption and hand-over', () => {
    const records = [owned('a.ts', 'alice', { agent: 'sub' })];
    transfer(records, { session: 'bob' });
    expect(records[0]).toMatchObject({ session: 'bob' });
    expect(records[0]!.agent).toBeUndefined();
    expect(ownedBy(records, 'bob', ['a.ts']).length).toBe(1);
    expect(ownedBy(records, 'bob', ['src/']).length).toBe(0);
  });
});

describe('the owner state', () => {
  const seen = (ago: number) => new Date(NOW - ago).toISOString();
  it('is live with a live claim or recent activity, inactive after a TTL of silence, ended once its end is recorded', () => {
    const sessions = [
      { id: 'a', lastSeen: seen(1000) },
      { id: 'b', lastSeen: seen(600_000) },
      { id: 'c', lastSeen: seen(600_000), endedAt: seen(600_000) },
    ];
    expect(ownerState('a', sessions, new Set(), NOW, 300_000).state).toBe('live');
    expect(ownerState('b', sessions, new Set(), NOW, 300_000).state).toBe('inactive');
    expect(ownerState('b', sessions, new Set(['b']), NOW, 300_000).state).toBe('live');
    expect(ownerState('b', sessions, new Set(), NOW, null).state).toBe('live');
    expect(ownerState('c', sessions, new Set(), NOW, 300_000).state).toBe('ended');
    expect(ownerState('nobody', sessions, new Set(), NOW, 300_000)).toEqual({ state: 'inactive', lastSeen: null });
  });
});

describe('git mechanics without git', () => {
  it('fingerprints content as git blob ids', () => {
    expect(blobId(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a'); // git hash-object
    expect(blobId(Buffer.alloc(0))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });

  it('keeps only new commits on the current branch (or detached HEAD) and new stashes, once each', () => {
    const z = '0'.repeat(40);
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const updates = parseRefUpdates([`${a} ${b} HEAD`, `${a} ${b} refs/heads/main`, `${a} ${b} refs/heads/other`, `${z} ${b} refs/stash`, `${a} ${z} refs/heads/main`, `${a} ${b} refs/remotes/origin/main`, ''].join('\n'));
    expect(relevantUpdates(updates, 'refs/heads/main').map((u) => [u.ref, u.kind])).toEqual([
      ['HEAD', 'commit'],
      ['refs/stash', 'stash'],
    ]);
    expect(relevantUpdates(parseRefUpdates(`${a} ${b} refs/heads/main`), null)).toEqual([]);
  });
});

describe('db.json validation of owned changes', () => {
  const base = { version: 1, claims: [], waiters: [], sessions: [], nextSeq: 1 };
  it('accepts a store without changes, and valid records', () => {
    expect(validateDb(base).problems).toEqual([]);
    expect(validateDb({ ...base, changes: [owned('a.ts', 'alice'), { ...owned('b.ts', 'bob'), since: undefined, base: null }] }).problems).toEqual([]);
  });
  it('reports bad records, and repair keeps the good ones', () => {
    const data = { ...base, changes: [owned('a.ts', 'alice'), { path: 'b.ts' }, null] };
    expect(validateDb(data).problems.map((p) => p.where)).toEqual(['changes[1]', 'changes[2]']);
    expect(repairDb(data).db.changes).toEqual([owned('a.ts', 'alice')]);
    expect(validateDb({ ...base, changes: 'x' }).problems).toEqual([{ where: 'changes', why: 'is not a list' }]);
  });
});
