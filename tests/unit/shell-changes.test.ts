import { describe, expect, it } from 'vitest';
import type { OwnedChange } from '../../src/core/changes.js';
import {
  type KeptVersion,
  type OthersHold,
  type ShellChange,
  type TreeState,
  KEPT_PER_FILE,
  attribute,
  describeForModel,
  describeForUser,
  changesSince,
  othersChanged,
  holdsOf,
  keepVersion,
  latestKept,
  windowsOverlap,
} from '../../src/core/shell-changes.js';
import type { Claim } from '../../src/core/types.js';

const at = (changedAt: number | null, untracked = false, dirChangedAt?: number | null) => ({ changedAt, untracked, ...(dirChangedAt !== undefined ? { dirChangedAt } : {}) });

describe('changesSince: which dirty files changed during the window, by their change time', () => {
  const cases: Array<[string, TreeState, Array<[string, string]>]> = [
    ['nothing dirty', {}, []],
    ['a file dirty from before the command is left out', { 'a.txt': at(50) }, []],
    ['a new untracked file is created', { 'new.txt': at(150, true) }, [['new.txt', 'created']]],
    ['a tracked file is modified', { 'a.txt': at(100) }, [['a.txt', 'modified']]],
    ['a deleted file whose directory changed during the window', { 'd/a.txt': at(null, false, 120) }, [['d/a.txt', 'deleted']]],
    ['a deletion from before (its directory unchanged since) is left out', { 'd/a.txt': at(null, false, 90) }, []],
    ['a deletion with no directory left to tell is left out', { 'd/a.txt': at(null, false, null) }, []],
    ['a rename: the old name deleted, the new one created', { 'old.txt': at(null, false, 130), 'new.txt': at(130, true) }, [['new.txt', 'created'], ['old.txt', 'deleted']]],
  ];
  for (const [name, after, expected] of cases) {
    it(name, () => expect(changesSince(after, 100).map((c) => [c.path, c.what])).toEqual(expected));
  }
});

describe("othersChanged: other sessions' files, by content", () => {
  const others = { 'a.txt': { session: 'A', how: 'owned' as const, fingerprint: 'f1' }, 'n.txt': { session: 'A', how: 'held' as const, fingerprint: null }, 't.txt': { session: 'C', how: 'owned' as const, fingerprint: 'f3' } };
  it('a changed content is a change whatever the times say; the same content (a touch) is not; a file that matches HEAD again was reverted', () => {
    const now = new Map<string, string | null>([['a.txt', 'f2'], ['n.txt', 'f9'], ['t.txt', 'f3']]);
    expect(othersChanged(others, now, { 'a.txt': at(5), 'n.txt': at(7, true), 't.txt': at(200) }).map((c) => [c.path, c.what, c.at])).toEqual([
      ['a.txt', 'modified', 5],
      ['n.txt', 'created', 7],
    ]);
    const reverted = new Map<string, string | null>([['a.txt', 'head'], ['n.txt', null], ['t.txt', null]]);
    expect(othersChanged(others, reverted, { 't.txt': at(null, false, 150) }).map((c) => [c.path, c.what, c.at])).toEqual([
      ['a.txt', 'reverted', null],
      ['t.txt', 'deleted', 150],
    ]);
  });
});

const change = (path: string, what: ShellChange['what'] = 'modified', when: number | null = 150): ShellChange => ({ path, what, at: when });
const hold = (session: string, how: OthersHold['how'] = 'owned', kept?: string): OthersHold => ({ session, how, fingerprint: 'f', ...(kept ? { kept } : {}) });

describe('attribute: whose each change is', () => {
  const window = (others: Record<string, OthersHold> = {}) => ({ session: 'B', others });

  it('a change nobody else holds is the command\'s own; a revert is nobody\'s', () => {
    const r = attribute({ changes: [change('new.txt', 'created'), change('a.txt'), change('gone.txt', 'reverted')], window: window(), holdsNow: new Map(), overlapping: [], now: 200 });
    expect(r.own.map((c) => c.path)).toEqual(['new.txt', 'a.txt']);
    expect(r.overwritten).toEqual([]);
    expect(r.ambiguous).toEqual([]);
  });

  it('a file another session owned or held when the command began is an overwrite, not taken', () => {
    const r = attribute({ changes: [change('a.txt'), change('h.txt', 'reverted')], window: window({ 'a.txt': hold('A'), 'h.txt': hold('C', 'held') }), holdsNow: new Map(), overlapping: [], now: 200 });
    expect(r.own).toEqual([]);
    expect(r.overwritten.map((o) => [o.change.path, o.hold.session, o.hold.how])).toEqual([
      ['a.txt', 'A', 'owned'],
      ['h.txt', 'C', 'held'],
    ]);
  });

  it('a file another session claimed or began to own during the command is ambiguous', () => {
    const holdsNow = new Map([['a.txt', { session: 'A', how: 'held' as const }]]);
    const r = attribute({ changes: [change('a.txt')], window: window(), holdsNow, overlapping: [], now: 200 });
    expect(r.own).toEqual([]);
    expect(r.ambiguous).toMatchObject([{ sessions: ['A'], why: 'A claimed it while the command ran' }]);
  });

  it('the session\'s own holds never make its changes ambiguous', () => {
    const holdsNow = new Map([['a.txt', { session: 'B', how: 'held' as const }]]);
    expect(attribute({ changes: [change('a.txt')], window: window(), holdsNow, overlapping: [], now: 200 }).own).toHaveLength(1);
  });

  it("a change made while another session's command was running is ambiguous; one before it began or after it ended is not", () => {
    const running = { session: 'C', startedAt: 120 };
    const startedLater = { session: 'D', startedAt: 160 };
    const r = attribute({ changes: [change('a.txt', 'modified', 150)], window: window(), holdsNow: new Map(), overlapping: [running], now: 200 });
    expect(r.ambiguous).toMatchObject([{ sessions: ['C'], why: 'a command of C was running when it changed' }]);
    expect(attribute({ changes: [change('a.txt', 'modified', 150)], window: window(), holdsNow: new Map(), overlapping: [startedLater], now: 200 }).own).toHaveLength(1);
    const claimed = attribute({ changes: [change('a.txt', 'modified', 150)], window: window(), holdsNow: new Map(), ownHolds: new Set(['a.txt']), overlapping: [running], now: 200 });
    expect(claimed.own.map((x) => x.path)).toEqual(['a.txt']); // B claimed it before: C's command had no business writing it
    const closed = { session: 'C', startedAt: 100, endedAt: 120 };
    const c = attribute({ changes: [change('early.txt', 'modified', 110), change('late.txt', 'modified', 170)], window: window(), holdsNow: new Map(), overlapping: [closed], now: 200 });
    expect(c.ambiguous.map((a) => a.change.path)).toEqual(['early.txt']);
    expect(c.own.map((x) => x.path)).toEqual(['late.txt']);
  });

  it('tells the model and the user whose files, and the one command that restores them', () => {
    const r = attribute({ changes: [change('a.txt'), change('c.txt')], window: window({ 'a.txt': hold('A', 'owned', 'abc') }), holdsNow: new Map([['c.txt', { session: 'C', how: 'held' as const }]]), overlapping: [], now: 200 });
    const model = describeForModel(r, 'B')!;
    expect(model).toContain('a.txt held uncommitted changes of session A');
    expect(model).toContain('`flc restore a.txt --from A`');
    expect(model).toContain('c.txt changed while your command ran');
    expect(describeForUser(r)).toBe("flc: a shell command changed other sessions' files: a.txt (owned by A; flc restore a.txt --from A), c.txt (changed at the same time as C; not attributed)");
    expect(describeForModel({ own: [change('x')], overwritten: [], ambiguous: [] }, 'B')).toBeNull();
  });
});

describe('holdsOf: other sessions\' files when a command begins', () => {
  const claim = (path: string, session: string, kind: Claim['kind'], worktree = '/r'): Claim => ({ id: 'c', path, session, kind, worktree, acquiredAt: '', renewedAt: '', expiresAt: null, ttlMs: null });
  const record = (path: string, session: string, since?: string): OwnedChange => ({ path, session, worktree: '/r', watchedAt: '2026-01-01T00:00:00Z', base: null, seen: null, ...(since ? { since } : {}) });
  it('write and exclusive claims of files and watched/owned records of others, in this worktree', () => {
    const holds = holdsOf(
      [claim('w.txt', 'A', 'write'), claim('r.txt', 'A', 'read'), claim('dir/', 'A', 'write'), claim('x.txt', 'A', 'exclusive', '/other'), claim('mine.txt', 'B', 'write'), claim('a\\*.txt', 'C', 'exclusive')],
      [record('o.txt', 'A', '2026-01-01T00:00:00Z'), record('watched.txt', 'C'), record('mine2.txt', 'B', '2026-01-01T00:00:00Z')],
      '/r',
      'B',
    );
    expect([...holds.entries()].sort()).toEqual([
      ['a*.txt', { session: 'C', agent: undefined, how: 'held' }],
      ['o.txt', { session: 'A', agent: undefined, how: 'owned' }],
      ['w.txt', { session: 'A', agent: undefined, how: 'held' }],
      ['watched.txt', { session: 'C', agent: undefined, how: 'held' }],
    ]);
  });
});

describe('kept versions', () => {
  const v = (blob: string, session = 'A', path = 'a.txt'): KeptVersion => ({ path, worktree: '/r', session, blob, at: '2026-01-01T00:00:00Z' });
  it('keeps a version once (the newest of a session is not repeated), bounded per file', () => {
    const kept: KeptVersion[] = [];
    expect(keepVersion(kept, v('1'))).toBe(true);
    expect(keepVersion(kept, v('1'))).toBe(false);
    expect(keepVersion(kept, v('1', 'C'))).toBe(true);
    for (let i = 2; i < 10; i++) keepVersion(kept, v(String(i)));
    keepVersion(kept, v('z', 'A', 'other.txt'));
    expect(kept.filter((k) => k.path === 'a.txt')).toHaveLength(KEPT_PER_FILE);
    expect(latestKept(kept, '/r', 'a.txt')?.blob).toBe('9');
    expect(latestKept(kept, '/r', 'a.txt', 'C')).toBeUndefined(); // trimmed: older than five newer versions
    expect(latestKept(kept, '/r', 'other.txt', 'A')?.blob).toBe('z');
  });
});

describe('windowsOverlap', () => {
  it('open windows run until now', () => {
    expect(windowsOverlap({ startedAt: 0, endedAt: 10 }, { startedAt: 5 }, 100)).toBe(true);
    expect(windowsOverlap({ startedAt: 0, endedAt: 10 }, { startedAt: 11, endedAt: 20 }, 100)).toBe(false);
    expect(windowsOverlap({ startedAt: 50 }, { startedAt: 0, endedAt: 20 }, 100)).toBe(false);
  });
});
