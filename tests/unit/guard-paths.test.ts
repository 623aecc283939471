import { describe, expect, it } from 'vitest';
import { evaluateGuard } from '../../src/core/guard.js';
import { NOW, claim } from './factories.js';

const base = { session: 'alice', worktree: '/repo', otherWorktrees: 'warn' as const, now: NOW };

describe('the guard and path identity', () => {
  it('matches staged names against literal keys with escaped glob characters', () => {
    const claims = [claim('app/\\[slug\\]/', 'bob'), claim('app/\\[...all\\]/page.tsx', 'carol'), claim(' lead.ts', 'dan')];
    const changes = ['app/[slug]/page.tsx', 'app/[...all]/page.tsx', 'app/s/page.tsx', ' lead.ts', 'lead.ts'].map((path) => ({ status: 'M', path }));
    const findings = evaluateGuard({ ...base, changes, claims });
    expect(findings.map((f) => [f.path, f.claim.session])).toEqual([
      ['app/[slug]/page.tsx', 'bob'],
      ['app/[...all]/page.tsx', 'carol'],
      [' lead.ts', 'dan'],
    ]);
  });

  it('counts a staged symbolic link as touching what it points to, once', () => {
    const claims = [claim('AGENTS.md', 'bob'), claim('src/a.ts', 'carol')];
    const links = [
      { path: 'CLAUDE.md', target: 'AGENTS.md' },
      { path: 'lib', target: 'src/' },
    ];
    const changes = [
      { status: 'T', path: 'CLAUDE.md' },
      { status: 'M', path: 'lib' },
      { status: 'M', path: 'AGENTS.md' },
    ];
    const findings = evaluateGuard({ ...base, changes, claims, links });
    expect(findings.map((f) => [f.path, f.change, f.claim.session])).toEqual([
      ['AGENTS.md', 'modified', 'bob'],
      ['src/', 'through its symbolic link lib', 'carol'],
    ]);
    expect(evaluateGuard({ ...base, changes: changes.slice(0, 2), claims, links }).map((f) => f.change)).toEqual([
      'through its symbolic link CLAUDE.md',
      'through its symbolic link lib',
    ]);
  });
});
