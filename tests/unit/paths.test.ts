import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseTtl } from '../../src/core/duration.js';
import { splitGlob } from '../../src/core/glob.js';
import { patternsOverlap } from '../../src/core/overlap.js';
import { escapeLiteral, isGlob, normalizeClaimPath, patternType, unescapeLiteral } from '../../src/core/paths.js';

describe('path normalisation', () => {
  const root = '/repo';
  it.each([
    ['a.ts', '/repo', 'a.ts'],
    ['./a.ts', '/repo', 'a.ts'],
    ['sub/../a.ts', '/repo', 'a.ts'],
    ['/repo/a.ts', '/elsewhere', 'a.ts'],
    ['../a.ts', '/repo/sub', 'a.ts'],
    ['b.ts', '/repo/sub', 'sub/b.ts'],
    ['src/api/', '/repo', 'src/api/'],
    ['api/', '/repo/src', 'src/api/'],
    ['.', '/repo/src', 'src/'],
    ['.', '/repo', '**'],
    ['**/*.test.ts', '/repo/src', 'src/**/*.test.ts'],
    ['./src/*.ts', '/repo', 'src/*.ts'],
    ['/repo/lib/**', '/', 'lib/**'],
  ])('%s from %s is %s', (input, cwd, expected) => {
    expect(normalizeClaimPath(input, cwd, root)).toBe(expected);
  });

  it.each([['../x.ts'], ['/etc/passwd'], ['/repo-other/a.ts'], ['../**/*.ts']])('refuses %s outside the repository', (input) => {
    expect(() => normalizeClaimPath(input, '/repo', root)).toThrow(/outside the repository/);
  });

  it('refuses an empty path and a NUL byte, and keeps every other name exactly, spaces included', () => {
    expect(() => normalizeClaimPath('', '/repo', root)).toThrow(/empty path/);
    expect(() => normalizeClaimPath('a\0b', '/repo', root)).toThrow(/NUL byte/);
    expect(normalizeClaimPath(' lead.ts', '/repo', root)).toBe(' lead.ts');
    expect(normalizeClaimPath('trail.ts ', '/repo', root)).toBe('trail.ts ');
    expect(normalizeClaimPath('  ', '/repo', root)).toBe('  ');
  });

  it.each([
    // typed text is a pattern: a backslash escapes the next character
    ['app/\\[slug\\]/page.tsx', {}, 'app/\\[slug\\]/page.tsx'],
    ['app/\\[slug\\]/', {}, 'app/\\[slug\\]/'],
    ['app/\\[slug\\]/*.tsx', {}, 'app/\\[slug\\]/*.tsx'],
    ['a\\b.ts', {}, 'ab.ts'],
    // a literal name (an agent's file_path, or a name that exists) is escaped into its key
    ['app/[slug]/page.tsx', { literal: true }, 'app/\\[slug\\]/page.tsx'],
    ['/repo/app/[...all]/', { literal: true }, 'app/\\[...all\\]/'],
    ['a\\b{1}.ts', { literal: true }, 'a\\\\b\\{1\\}.ts'],
    ['x/@(y).ts', { literal: true }, 'x/@\\(y).ts'],
    ['a(b)!.ts', { literal: true }, 'a(b)!.ts'],
  ])('%s %j is %s', (input, options, expected) => {
    expect(normalizeClaimPath(input, '/repo', root, options)).toBe(expected);
  });

  it.each([
    ['src/**/*.ts', 'src', '**/*.ts'],
    ['**', '', '**'],
    ['/*.ts', '/', '*.ts'],
    ['/t/\\[work\\] \\{x\\}/repo/src/*.ts', '/t/\\[work\\] \\{x\\}/repo/src', '*.ts'],
    ['src/{a,b}/x.ts', 'src', '{a,b}/x.ts'],
    ['{src/a,lib/b}.ts', '', '{src/a,lib/b}.ts'],
  ])('splits %s into %s and %s', (pattern, base, glob) => {
    expect(splitGlob(pattern)).toEqual({ base, glob });
  });

  it('escapes exactly what makes a name a glob, and undoes it', () => {
    for (const name of ['app/[slug]/page.tsx', 'a\\b', 'x{1,2}*?.ts', '@(a)', '!(b)', '+(c)', 'plain/name.ts', ' sp ace ']) {
      expect(isGlob(escapeLiteral(name))).toBe(false);
      expect(unescapeLiteral(escapeLiteral(name))).toBe(name);
    }
    expect(escapeLiteral('plain/name (1).ts')).toBe('plain/name (1).ts');
    expect(isGlob('app/\\[slug]/x')).toBe(true); // the unescaped ] still reads as a glob
    expect(patternType('app/\\[slug\\]/')).toBe('dir');
    expect(patternType('app/\\[slug\\]/page.tsx')).toBe('file');
    expect(patternType('app/\\[slug\\]/*.tsx')).toBe('glob');
  });

  it('classifies patterns', () => {
    expect(patternType('a.ts')).toBe('file');
    expect(patternType('src/')).toBe('dir');
    expect(patternType('src/**/*.ts')).toBe('glob');
    expect(patternType('src/{a,b}.ts')).toBe('glob');
  });
});

describe('overlap of files, directories and globs', () => {
  it.each([
    ['a.ts', 'a.ts', true],
    ['a.ts', 'b.ts', false],
    ['src/', 'src/a.ts', true],
    ['src/', 'srcx/a.ts', false],
    ['src/', 'src/api/', true],
    ['src/api/', 'src/web/', false],
    ['src/**/*.test.ts', 'src/a/b.test.ts', true],
    ['src/**/*.test.ts', 'src/a/b.ts', false],
    ['src/*.ts', 'src/a/b.ts', false],
    ['src/**', 'src/.env', true],
    ['**', 'anything/at/all', true],
    ['src/**/*.ts', 'src/api/', true],
    ['src/*.ts', 'src/api/', false],
    ['src/*/x.ts', 'src/api/', true],
    ['lib/**', 'src/api/', false],
    ['src/**/*.test.ts', 'src/**/*.md', false],
    ['src/**/*.ts', 'src/api/**', true],
    ['src/*.ts', 'src/*.md', false],
    ['src/*.ts', 'src/a*', true],
    ['src/{a,b}.ts', 'src/**/*.md', true], // braces: undecided, so a conflict
    ['src/*.ts', 'lib/*.ts', false],
    ['**/*.ts', 'src/a/*.js', false],
    ['a/*/c.ts', 'a/b/*.ts', true],
    // literal keys with escaped glob characters stand for their names
    ['app/\\[slug\\]/', 'app/\\[slug\\]/page.tsx', true],
    ['app/\\[slug\\]/', 'app/s/page.tsx', false],
    ['app/\\[slug\\]/page.tsx', 'app/\\[slug\\]/page.tsx', true],
    ['app/\\[slug\\]/page.tsx', 'app/s/page.tsx', false],
    ['app/*/page.tsx', 'app/\\[slug\\]/page.tsx', true],
    ['app/*/page.tsx', 'app/\\[slug\\]/', true],
    ['app/[slug]/page.tsx', 'app/\\[slug\\]/page.tsx', true], // picomatch: a name equal to the glob's text matches it
    ['app/[slug]/page.tsx', 'app/s/page.tsx', true],
    ['app/**', 'app/\\[...all\\]/page.tsx', true],
    ['app/\\[slug\\]/*.tsx', 'app/\\[slug\\]/page.tsx', true],
    ['app/\\[slug\\]/*.tsx', 'app/s/page.tsx', false],
    ['app/\\[slug\\]/*.tsx', 'app/\\[slug\\]/', true],
    ['app/\\[slug\\]/*.tsx', 'app/*/page.tsx', true],
    ['app/\\[slug\\]/**', 'app/\\[id\\]/**', false],
    ['a\\\\b.ts', 'a\\\\b.ts', true],
    ['*.ts', 'a\\\\b.ts', true],
    ['a(b).ts', '*.ts', true],
  ])('%s ~ %s: %s', (a, b, expected) => {
    expect(patternsOverlap(a, b)).toBe(expected);
    expect(patternsOverlap(b, a)).toBe(expected);
  });
});

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['45', 45_000],
    [' 2M ', 120_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([['abc'], [''], ['-5s'], ['5 s'], ['1y'], ['10000d']])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow();
  });

  it('reads ttl none as no expiry', () => {
    expect(parseTtl('none')).toBeNull();
    expect(parseTtl('0')).toBeNull();
    expect(parseTtl('10m')).toBe(600_000);
  });

  it('formats for people', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(250_000)).toBe('4m 10s');
    expect(formatDuration(7_500_000)).toBe('2h 5m');
  });
});
