import { describe, expect, it } from 'vitest';
import { evaluateGuard, touchedPaths } from '../../src/core/guard.js';
import { parseNameStatus } from '../../src/git/changes.js';
import { BLOCK_END, BLOCK_START, guardBlock, insertBlock, removeBlock } from '../../src/git/hooks.js';
import { NOW, claim } from './factories.js';

const base = { session: 'alice', worktree: '/repo', otherWorktrees: 'warn' as const, now: NOW };

describe('the guard decision', () => {
  it('blocks write and exclusive claims of others, warns on read, ignores own and expired ones', () => {
    const claims = [
      claim('a.ts', 'bob'),
      claim('b.ts', 'bob', 'exclusive'),
      claim('c.ts', 'bob', 'read'),
      claim('d.ts', 'alice', 'exclusive', { agent: 'sub' }),
      claim('e.ts', 'bob', 'write', { expiresAt: new Date(NOW - 1).toISOString() }),
    ];
    const changes = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'].map((path) => ({ status: 'M', path }));
    const findings = evaluateGuard({ ...base, changes, claims });
    expect(findings.map((f) => [f.path, f.severity, f.why])).toEqual([
      ['a.ts', 'block', 'held'],
      ['b.ts', 'block', 'held'],
      ['c.ts', 'warn', 'read'],
    ]);
  });

  it('matches directory and glob claims', () => {
    const claims = [claim('src/api/', 'bob'), claim('**/*.test.ts', 'carol')];
    const changes = [
      { status: 'A', path: 'src/api/users.ts' },
      { status: 'M', path: 'lib/x.test.ts' },
      { status: 'M', path: 'lib/x.ts' },
    ];
    expect(evaluateGuard({ ...base, changes, claims }).map((f) => [f.path, f.claim.session])).toEqual([
      ['src/api/users.ts', 'bob'],
      ['lib/x.test.ts', 'carol'],
    ]);
  });

  it('checks both sides of a rename and the target of a copy', () => {
    expect(touchedPaths([{ status: 'R087', from: 'a.ts', path: 'b.ts' }, { status: 'C100', from: 'c.ts', path: 'd.ts' }, { status: 'D', path: 'e.ts' }])).toEqual([
      { path: 'a.ts', change: 'renamed to b.ts' },
      { path: 'b.ts', change: 'renamed from a.ts' },
      { path: 'd.ts', change: 'copied from c.ts' },
      { path: 'e.ts', change: 'deleted' },
    ]);
  });

  it('applies the other-worktree policy', () => {
    const claims = [claim('a.ts', 'bob', 'write', { worktree: '/elsewhere' })];
    const changes = [{ status: 'M', path: 'a.ts' }];
    expect(evaluateGuard({ ...base, changes, claims })[0]).toMatchObject({ severity: 'warn', why: 'other-worktree' });
    expect(evaluateGuard({ ...base, otherWorktrees: 'block', changes, claims })[0]).toMatchObject({ severity: 'block' });
    expect(evaluateGuard({ ...base, otherWorktrees: 'ignore', changes, claims })).toEqual([]);
  });

  it('parses git name-status -z output, odd names included', () => {
    const out = ['M', 'a b.ts', 'R100', 'old\nname.ts', 'new ü.ts', 'D', 'gone.ts', ''].join('\0');
    expect(parseNameStatus(out)).toEqual([
      { status: 'M', path: 'a b.ts' },
      { status: 'R100', from: 'old\nname.ts', path: 'new ü.ts' },
      { status: 'D', path: 'gone.ts' },
    ]);
  });
});

describe('the hook block', () => {
  it('goes after the shebang and husky line, and comes out leaving the script as it was', () => {
    const script = '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\n\nnpm test\n';
    const withBlock = insertBlock(script, guardBlock());
    expect(withBlock.split('\n')[2]).toContain(BLOCK_START);
    expect(withBlock.indexOf(BLOCK_END)).toBeLessThan(withBlock.indexOf('npm test'));
    expect(removeBlock(withBlock)).toBe(script);
    expect(insertBlock('', guardBlock()).startsWith(BLOCK_START)).toBe(true);
  });

  it('quotes a fallback path with spaces and quotes safely', () => {
    expect(guardBlock("/opt/my tools/it's/flc.js")).toContain(`'/opt/my tools/it'\\''s/flc.js'`);
  });
});
