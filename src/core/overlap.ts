import { globMatcher, splitGlob } from './glob.js';
import { patternType } from './paths.js';

/**
 * Could two claim patterns name a common file? Exact for files and directories; for globs
 * it answers "no" only when it can prove it (the rule: undecidable overlap is a conflict).
 */
export function patternsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = patternType(a);
  const tb = patternType(b);
  if (ta === 'glob' && tb === 'glob') return globsMayOverlap(a, b);
  if (ta === 'glob') return globMayReach(a, b, tb as 'file' | 'dir');
  if (tb === 'glob') return globMayReach(b, a, ta as 'file' | 'dir');
  if (ta === 'dir' && tb === 'dir') return a.startsWith(b) || b.startsWith(a);
  if (ta === 'dir') return b.startsWith(a);
  if (tb === 'dir') return a.startsWith(b);
  return false;
}

const matcherCache = new Map<string, (s: string) => boolean>();
function matches(glob: string, candidate: string): boolean {
  let matcher = matcherCache.get(glob);
  if (!matcher) {
    matcher = globMatcher(glob);
    if (matcherCache.size > 5000) matcherCache.clear();
    matcherCache.set(glob, matcher);
  }
  return matcher(candidate);
}

/** A glob against a file (exact) or a directory (the files below it). */
function globMayReach(glob: string, other: string, type: 'file' | 'dir'): boolean {
  if (type === 'file') return matches(glob, other);
  const dirSegments = other.slice(0, -1).split('/');
  const globSegments = glob.split('/');
  // Without `**` or braces a glob matches paths of exactly its own depth, segment by segment.
  if (glob.includes('**') || glob.includes('{')) return prefixesCompatible(glob, other);
  if (globSegments.length <= dirSegments.length) return false;
  return dirSegments.every((segment, i) => segmentsMayOverlap(globSegments[i]!, segment));
}

function globsMayOverlap(a: string, b: string): boolean {
  if (!prefixesCompatible(a, b)) return false;
  const simple = (g: string) => !g.includes('**') && !g.includes('{');
  const sa = a.split('/');
  const sb = b.split('/');
  if (simple(a) && simple(b)) {
    return sa.length === sb.length && sa.every((segment, i) => segmentsMayOverlap(segment, sb[i]!));
  }
  // Both globs' last segments match the file name itself, unless one of them is `**`.
  const lastA = sa[sa.length - 1]!;
  const lastB = sb[sb.length - 1]!;
  if (lastA.includes('**') || lastB.includes('**') || lastA.includes('{') || lastB.includes('{')) return true;
  return segmentsMayOverlap(lastA, lastB);
}

/** The literal directory parts before the first wildcard must agree as far as both go. */
function prefixesCompatible(a: string, b: string): boolean {
  const baseA = literalSegments(a);
  const baseB = literalSegments(b);
  const n = Math.min(baseA.length, baseB.length);
  for (let i = 0; i < n; i++) if (baseA[i] !== baseB[i]) return false;
  return true;
}

function literalSegments(pattern: string): string[] {
  const { base } = splitGlob(pattern);
  return base === '' ? [] : base.split('/').filter(Boolean);
}

const SPECIAL = /[*?[\]{}()!+@]/;

/** Could one path segment match both patterns? Sound: false only when provably disjoint. */
function segmentsMayOverlap(x: string, y: string): boolean {
  const xWild = SPECIAL.test(x);
  const yWild = SPECIAL.test(y);
  if (!xWild && !yWild) return x === y;
  if (!xWild) return matches(y, x);
  if (!yWild) return matches(x, y);
  if (/[()!+@{]/.test(x) || /[()!+@{]/.test(y)) return true;
  const [px, sx] = literalEnds(x);
  const [py, sy] = literalEnds(y);
  const prefixesAgree = px.startsWith(py) || py.startsWith(px);
  const suffixesAgree = sx.endsWith(sy) || sy.endsWith(sx);
  return prefixesAgree && suffixesAgree;
}

function literalEnds(segment: string): [string, string] {
  const first = segment.search(SPECIAL);
  let last = segment.length - 1;
  while (last >= 0 && !SPECIAL.test(segment[last]!)) last--;
  return [segment.slice(0, first), segment.slice(last + 1)];
}
