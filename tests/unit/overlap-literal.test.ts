import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/core/glob.js';
import { patternsOverlap } from '../../src/core/overlap.js';
import { escapeLiteral, patternType } from '../../src/core/paths.js';

/** A small deterministic PRNG, so a failure names a reproducible case. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const NAME_PARTS = ['app', '[slug]', '[...all]', '{x}', 'a*b', 'q?', 's', 'l', 'page.tsx', 'x.ts', '(group)', '@(y)', 'a\\b', ' sp'];
const GLOB_PARTS = ['app', '*', '**', '[slug]', '\\[slug\\]', 's', '*.tsx', 'page.tsx', '{s,l}', '?', '\\{x\\}', 'x.ts', '(group)'];

describe('overlap of literal keys against globs (property)', () => {
  it('is sound: whenever a glob matches a name, it overlaps that name\'s literal key and every directory above it', () => {
    const next = random(12);
    const pick = <T,>(list: T[]) => list[Math.floor(next() * list.length)]!;
    let matched = 0;
    for (let i = 0; i < 4000; i++) {
      const name = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(NAME_PARTS)).join('/');
      const glob = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(GLOB_PARTS)).join('/');
      if (patternType(glob) !== 'glob') continue;
      const key = escapeLiteral(name);
      expect(patternType(key), key).not.toBe('glob');
      if (!globMatcher(glob)(name)) continue;
      matched++;
      expect(patternsOverlap(glob, key), `${glob} ~ ${key}`).toBe(true);
      const segments = name.split('/');
      for (let d = 1; d < segments.length; d++) {
        const dirKey = `${escapeLiteral(segments.slice(0, d).join('/'))}/`;
        expect(patternsOverlap(glob, dirKey), `${glob} ~ ${dirKey}`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(50); // the property was exercised
  });

  it('compares literal keys by the names they stand for', () => {
    const next = random(7);
    for (let i = 0; i < 2000; i++) {
      const a = Array.from({ length: 1 + Math.floor(next() * 3) }, () => NAME_PARTS[Math.floor(next() * NAME_PARTS.length)]!).join('/');
      const b = next() < 0.3 ? a : Array.from({ length: 1 + Math.floor(next() * 3) }, () => NAME_PARTS[Math.floor(next() * NAME_PARTS.length)]!).join('/');
      expect(patternsOverlap(escapeLiteral(a), escapeLiteral(b))).toBe(a === b);
      expect(patternsOverlap(`${escapeLiteral(a)}/`, escapeLiteral(`${a}/${b}`))).toBe(true);
    }
  });
});
