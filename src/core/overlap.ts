import { globMatcher, splitGlob } from './glob.js';
import { isGlob, patternType, unescapeLiteral } from './paths.js';

/**
 * Could two claim keys name a common file? Exact for files and directories; for globs it
 * answers "no" only when it can prove it (the rule: undecidable overlap is a conflict).
 * Literal keys may carry escaped glob characters (`app/\[slug\]/`): they are compared, and
 * matched against globs, by the names they stand for.
 */
export function patternsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = patternType(a);
  const tb = patternType(b);
  if (ta === 'glob' && tb === 'glob') return globsMayOverlap(a, b);
  if (ta === 'glob') return globMayReach(a, unescapeLiteral(b), tb as 'file' | 'dir');
  if (tb === 'glob') return globMayReach(b, unescapeLiteral(a), ta as 'file' | 'dir');
  const na = unescapeLiteral(a);
  const nb = unescapeLiteral(b);
  if (ta === 'dir' && tb === 'dir') return na.startsWith(nb) || nb.startsWith(na);
  if (ta === 'dir') return nb.startsWith(na);
  if (tb === 'dir') return na.startsWith(nb);
  return na === nb;
}

/** Does the glob `glob` match the file name `name` (a name, not a key: no escapes)? */
export function globMatches(glob: string, name: string): boolean {
  let matcher = matcherCache.get(glob);
  if (!matcher) {
    matcher = globMatcher(glob);
    if (matcherCache.size > 5000) matcherCache.clear();
    matcherCache.set(glob, matcher);
  }
  return matcher(name);
}
const matcherCache = new Map<string, (s: string) => boolean>();

/** A glob against a file or a directory (the files below it), both given by name. */
function globMayReach(glob: string, name: string, type: 'file' | 'dir'): boolean {
  if (type === 'file') return globMatches(glob, name);
  const dirSegments = name.slice(0, -1).split('/');
  const globSegments = glob.split('/');
  // Without `**` or braces a glob matches paths of exactly its own depth, segment by segment.
  if (glob.includes('**') || glob.includes('{')) return prefixesCompatible(literalSegments(glob), dirSegments);
  if (globSegments.length <= dirSegments.length) return false;
  return dirSegments.every((segment, i) => segmentMayMatchName(globSegments[i]!, segment));
}

function globsMayOverlap(a: string, b: string): boolean {
  if (!prefixesCompatible(literalSegments(a), literalSegments(b))) return false;
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
function prefixesCompatible(a: string[], b: string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The names of a glob's literal directory part (`app/\[slug\]/*.ts` -> `app`, `[slug]`). */
function literalSegments(glob: string): string[] {
  const { base } = splitGlob(glob);
  return base === '' ? [] : unescapeLiteral(base).split('/').filter(Boolean);
}

/** Could a glob segment match the name `name`? */
function segmentMayMatchName(segment: string, name: string): boolean {
  return isGlob(segment) ? globMatches(segment, name) : unescapeLiteral(segment) === name;
}

const SPECIAL = /[*?[\]{}()!+@]/;

/** Could one path segment match both glob segments? Sound: false only when provably disjoint. */
function segmentsMayOverlap(x: string, y: string): boolean {
  const xWild = isGlob(x);
  const yWild = isGlob(y);
  if (!xWild && !yWild) return unescapeLiteral(x) === unescapeLiteral(y);
  if (!xWild) return globMatches(y, unescapeLiteral(x));
  if (!yWild) return globMatches(x, unescapeLiteral(y));
  // Escapes and extglobs are beyond the prefix/suffix reasoning below: assume they may meet.
  if (/[()!+@{\\]/.test(x) || /[()!+@{\\]/.test(y)) return true;
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
