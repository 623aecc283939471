import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseTtl } from '../../src/core/duration.js';
import { patternsOverlap } from '../../src/core/overlap.js';
import { normalizeClaimPath, patternType } from '../../src/core/paths.js';

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

  it('refuses empty paths', () => {
    expect(() => normalizeClaimPath('  ', '/repo', root)).toThrow(/empty path/);
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
