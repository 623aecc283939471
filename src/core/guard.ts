import { globMatcher } from './glob.js';
import { badInput } from './errors.js';
import { isLive } from './rules.js';
import { patternsOverlap } from './overlap.js';
import { patternType, unescapeLiteral } from './paths.js';
import type { Claim } from './types.js';

export const GUARD_MODES = ['block', 'warn', 'off'] as const;
export type GuardMode = (typeof GUARD_MODES)[number];
export const WORKTREE_POLICIES = ['warn', 'block', 'ignore'] as const;
export type WorktreePolicy = (typeof WORKTREE_POLICIES)[number];

/** One staged change as git reports it: both sides of a rename or copy are paths it touches. */
export interface StagedChange {
  /** Git's status letter: A, M, D, R, C, T, U. */
  status: string;
  path: string;
  /** The source of a rename or copy. */
  from?: string | undefined;
}

export interface GuardFinding {
  /** The staged path that is covered. */
  path: string;
  /** What the commit does to it: "modified", "added", "deleted", "renamed from", "renamed to"... */
  change: string;
  claim: Claim;
  severity: 'block' | 'warn';
  /** Why: another session's write/exclusive claim, its read claim, or a claim from another worktree. */
  why: 'held' | 'read' | 'other-worktree';
}

export interface GuardInput {
  changes: StagedChange[];
  claims: Claim[];
  /** The committing session: its claims (and its subagents') are its own. */
  session: string;
  /** The worktree the commit is made in. */
  worktree: string;
  otherWorktrees: WorktreePolicy;
  now: number;
  /**
   * Staged symbolic links and the claim keys of what they point to (before and after the
   * change): a commit of a link also touches its targets, which is what a claim made through
   * the link is keyed by.
   */
  links?: StagedLink[] | undefined;
}

export interface StagedLink {
  /** The link's own path, as staged. */
  path: string;
  /** The claim key of a target inside the repository (a file, or a directory ending in `/`). */
  target: string;
}

const CHANGE_NAMES: Record<string, string> = { A: 'added', M: 'modified', D: 'deleted', T: 'type changed', U: 'unmerged', C: 'copied' };

/** Every path a set of staged changes touches, with what happens to it (both sides of renames). */
export function touchedPaths(changes: StagedChange[]): Array<{ path: string; change: string }> {
  const touched: Array<{ path: string; change: string }> = [];
  for (const change of changes) {
    const letter = change.status[0] ?? 'M';
    if (change.from !== undefined && letter === 'R') {
      touched.push({ path: change.from, change: `renamed to ${change.path}` });
      touched.push({ path: change.path, change: `renamed from ${change.from}` });
    } else if (change.from !== undefined && letter === 'C') {
      touched.push({ path: change.path, change: `copied from ${change.from}` });
    } else {
      touched.push({ path: change.path, change: CHANGE_NAMES[letter] ?? 'changed' });
    }
  }
  return touched;
}

/**
 * The guard's decision, pure: which staged paths are covered by other sessions' live claims,
 * and whether each finding blocks or warns. Claims are indexed (exact files in a map,
 * directories by prefix, globs compiled once) so 10,000 paths against 1,000 claims stay fast.
 */
export function evaluateGuard(input: GuardInput): GuardFinding[] {
  const others = input.claims.filter((c) => c.session !== input.session && isLive(c, input.now));
  if (!others.length) return [];
  const index = indexClaims(others);
  const findings: GuardFinding[] = [];
  for (const { path, change } of touchedPaths(input.changes)) {
    for (const claim of index.covering(path)) {
      const finding = classify(claim, input);
      if (finding) findings.push({ path, change, claim, ...finding });
    }
  }
  for (const link of input.links ?? []) {
    const change = `through its symbolic link ${link.path}`;
    const path = unescapeLiteral(link.target);
    for (const claim of others.filter((c) => patternsOverlap(c.path, link.target))) {
      const finding = classify(claim, input);
      const known = findings.some((f) => f.claim === claim && f.path === path);
      if (finding && !known) findings.push({ path, change, claim, ...finding });
    }
  }
  return findings;
}

function classify(claim: Claim, input: GuardInput): Pick<GuardFinding, 'severity' | 'why'> | null {
  if (claim.worktree !== input.worktree) {
    if (input.otherWorktrees === 'ignore') return null;
    if (input.otherWorktrees === 'warn' || claim.kind === 'read') return { severity: 'warn', why: 'other-worktree' };
    return { severity: 'block', why: 'other-worktree' };
  }
  return claim.kind === 'read' ? { severity: 'warn', why: 'read' } : { severity: 'block', why: 'held' };
}

function indexClaims(claims: Claim[]) {
  const files = new Map<string, Claim[]>();
  const dirs = new Map<string, Claim[]>();
  const globs: Array<{ claim: Claim; match: (p: string) => boolean }> = [];
  const add = (map: Map<string, Claim[]>, key: string, claim: Claim) => {
    const list = map.get(key);
    if (list) list.push(claim);
    else map.set(key, [claim]);
  };
  for (const claim of claims) {
    const type = patternType(claim.path);
    // Staged paths are names; a literal key may carry escapes (`app/\[slug\]/`).
    if (type === 'file') add(files, unescapeLiteral(claim.path), claim);
    else if (type === 'dir') add(dirs, unescapeLiteral(claim.path), claim);
    else globs.push({ claim, match: globMatcher(claim.path) });
  }
  return {
    covering(path: string): Claim[] {
      const found = [...(files.get(path) ?? [])];
      for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
        found.push(...(dirs.get(path.slice(0, slash + 1)) ?? []));
      }
      for (const { claim, match } of globs) if (match(path)) found.push(claim);
      return found;
    },
  };
}

export function parseGuardMode(text: string, what = 'guard mode'): GuardMode {
  const mode = text.trim().toLowerCase();
  if ((GUARD_MODES as readonly string[]).includes(mode)) return mode as GuardMode;
  throw badInput(`invalid ${what} "${text}"`, `use one of: ${GUARD_MODES.join(', ')}`);
}
