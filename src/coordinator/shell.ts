import fs from 'node:fs';
import path from 'node:path';
import { type ClaimResult, Coordinator } from '../coordinator.js';
import { type RepoInfo, findRepo } from '../git/repo.js';
import { type OwnedChange, ownedChanges } from '../core/changes.js';
import { type ShellFinding, NO_WORKAROUND, clip, describeGitRefusal, describeStashRefusal, describeWriteRefusal } from '../core/shell-refusal.js';
import { patternsOverlap } from '../core/overlap.js';
import { escapeLiteral, patternType } from '../core/paths.js';
import { isLive } from '../core/rules.js';
import { type GitIntent, type ShellAnalysis, type SimpleCommand, analyzeCommand } from '../core/shell.js';
import type { Claim, Holder } from '../core/types.js';
import { runGit } from '../git/dirty.js';
import { type SnapshotInfo, listSnapshots, stashEntries } from '../git/snapshot.js';
import { worktreeStatus } from '../git/status.js';

export interface ShellCheckInput extends Holder {
  command: string;
  /** Absolute directory the command starts in. */
  cwd: string;
  /** Wait for held write targets as an edit does (up to timeoutMs) instead of refusing at once. */
  wait?: boolean;
  timeoutMs?: number;
  /** Who runs it, for reasons and the journal ("Claude Code", "Pi"). */
  via?: string;
  /** Only say what would happen: no claims, no snapshot, nothing journaled. */
  dryRun?: boolean;
}

export type { ShellFinding };

export interface ShellDecision {
  allowed: boolean;
  /** For the model and the user when refused (several lines). */
  reason: string | null;
  /** False when the command could not be fully read; then flc relies on the after-check. */
  parsed: boolean;
  problem?: string | undefined;
  findings: ShellFinding[];
  /** Write targets claimed for the session (repo-relative). */
  claimed: string[];
  /** The snapshot saved before an allowed command that discards changes. */
  snapshot: SnapshotInfo | null;
  commands: SimpleCommand[];
}

/** Effects that lose working-tree changes when they run (so: snapshot first). */
const LOSES = new Set(['discard', 'stash', 'remove', 'move']);

/**
 * The shell gate: before an agent's command runs, refuse destructive git verbs that would
 * discard, move or take files another session holds or owns; claim the files it obviously
 * writes (as an edit would); and save a snapshot before an allowed command that discards
 * changes. Git is asked only when the command has a git verb with an effect.
 */
export class ShellService {
  constructor(readonly coordinator: Coordinator) {}

  get repo(): RepoInfo {
    return this.coordinator.repo;
  }

  private get store() {
    return this.coordinator.store;
  }

  async check(input: ShellCheckInput): Promise<ShellDecision> {
    const analysis: ShellAnalysis = analyzeCommand(input.command);
    const decision: ShellDecision = { allowed: true, reason: null, parsed: analysis.ok, problem: analysis.ok ? undefined : analysis.problem, findings: [], claimed: [], snapshot: null, commands: analysis.commands };
    const holder: Holder = { session: input.session, agent: input.agent };
    if (!analysis.ok && !input.dryRun) {
      await this.store.record([{ event: 'shell:unparsed', session: input.session, agent: input.agent, detail: `${analysis.problem}: ${clip(input.command)}` }]).catch(() => undefined);
    }

    // Each git command is judged in the worktree it acts on (`cd ../other && git stash` too).
    const snapshotsDue: ShellService[] = [];
    for (const group of this.byWorktree(input.cwd, analysis.commands.filter((c) => c.git && c.git.effect !== 'none'))) {
      const verdict = await group.service.judgeGit(input, group.commands);
      decision.findings.push(...verdict.findings);
      if (verdict.reason) {
        decision.allowed = false;
        decision.reason = verdict.reason;
        if (!input.dryRun) await group.service.journalRefusal(input, verdict.findings, verdict.reason);
        return decision;
      }
      if (verdict.atRisk.length && group.commands.some((c) => LOSES.has(c.git!.effect))) snapshotsDue.push(group.service);
    }

    const writes = this.writeTargets(input.cwd, analysis.commands);
    if (writes.literal.length || writes.globs.length) {
      if (input.dryRun) {
        const check = writes.literal.length ? this.coordinator.check({ ...holder, paths: writes.literal, literal: true, kind: 'write', cwd: input.cwd }) : { paths: [], conflicts: [] };
        const globs = writes.globs.length ? this.coordinator.check({ ...holder, paths: writes.globs, kind: 'write', cwd: input.cwd }) : { paths: [], conflicts: [] };
        const request = { ...holder, paths: [...check.paths, ...globs.paths], kind: 'write' as const };
        const owned = this.store.exists() ? this.coordinator.changes.blockers(this.store.read(), request, this.repo.root, this.store.config()['changes.claims']) : [];
        const conflicts = [...check.conflicts, ...globs.conflicts, ...owned];
        if (conflicts.length) {
          decision.allowed = false;
          decision.reason = describeWriteRefusal(input.command, conflicts.map((b) => ({ path: b.heldPath, session: b.session, changes: Boolean(b.changes) })));
          return decision;
        }
      } else {
        const reason = `${input.via ?? 'shell'}: ${clip(input.command, 80)}`;
        for (const [paths, literal] of [[writes.literal, true], [writes.globs, false]] as const) {
          if (!paths.length) continue;
          const result: ClaimResult = await this.coordinator.claim({ ...holder, paths, literal, kind: 'write', wait: input.wait ?? false, ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}), reason, cwd: input.cwd });
          if (!result.granted) {
            decision.allowed = false;
            decision.reason = describeWriteRefusal(input.command, result.conflicts.map((b) => ({ path: b.heldPath, session: b.session, changes: Boolean(b.changes) })), result.cause);
            return decision;
          }
          decision.claimed.push(...result.claims.map((c) => c.path));
        }
      }
    }

    if (!input.dryRun) {
      for (const service of snapshotsDue) decision.snapshot = (await service.coordinator.snapshots.save(input.session, input.command)) ?? decision.snapshot;
    }
    return decision;
  }

  /**
   * Git commands grouped by the worktree they act on: this one (also when the directory cannot
   * be known), or another repository or linked worktree found from their directory. Commands in
   * a directory that is no repository, or a repository without flc, are left out.
   */
  private byWorktree(cwd: string, commands: SimpleCommand[]): Array<{ service: ShellService; commands: SimpleCommand[] }> {
    const groups = new Map<string, { service: ShellService; commands: SimpleCommand[] }>();
    for (const c of commands) {
      const dir = c.gitDir !== undefined ? c.gitDir : c.cwd;
      let service: ShellService = this;
      if (!this.inThisWorktree(cwd, dir)) {
        const abs = this.absDir(cwd, dir);
        let repo: RepoInfo;
        try {
          repo = findRepo(abs);
        } catch {
          continue; // not a repository (or not there yet): nothing of flc's
        }
        if (repo.root !== this.repo.root) {
          const other = new Coordinator(repo, abs);
          if (!other.store.exists()) continue; // a repository without flc: not flc's business (no snapshot there either)
          service = other.shell;
        }
      }
      const key = service.repo.root;
      const group = groups.get(key) ?? { service, commands: [] };
      group.commands.push(c);
      groups.set(key, group);
    }
    return [...groups.values()];
  }

  /** Is `dir` (relative to `cwd`, or absolute; null when unknown) inside this worktree? Unknown counts as yes. */
  private inThisWorktree(cwd: string, dir: string | null): boolean {
    if (dir === null) return true;
    const abs = path.resolve(cwd, dir);
    const rel = path.relative(this.repo.root, realish(abs));
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  private absDir(cwd: string, dir: string | null): string {
    return dir === null ? cwd : realish(path.resolve(cwd, dir));
  }

  /** The git verbs' verdict: what they would take from other sessions, and what they put at risk at all. */
  async judgeGit(input: ShellCheckInput, commands: SimpleCommand[]): Promise<{ findings: ShellFinding[]; atRisk: string[]; reason: string | null }> {
    const now = Date.now();
    const db = this.store.exists() ? this.store.read() : null;
    const owned = ownedChanges(db?.changes).filter((r) => r.session !== input.session && r.worktree === this.repo.root);
    const held = (db?.claims ?? []).filter((c) => c.session !== input.session && c.kind !== 'read' && c.worktree === this.repo.root && isLive(c, now));
    const status = await worktreeStatus(this.repo.root);
    const findings: ShellFinding[] = [];
    const atRisk = new Set<string>();
    const reasons: string[] = [];

    for (const c of commands) {
      const git = await this.resolveAmbiguous(c.git!, this.absDir(input.cwd, c.gitDir !== undefined ? c.gitDir : c.cwd));
      const dir = this.absDir(input.cwd, c.gitDir !== undefined ? c.gitDir : c.cwd);
      const command = c.text;
      if (git.effect === 'stash-use') {
        const reason = await this.judgeStashUse(input.session, git, command, now);
        if (reason) reasons.push(reason);
        continue;
      }
      const scope = git.dynamic || (c.gitDir !== undefined ? c.gitDir : c.cwd) === null ? [] : git.paths.map((p) => this.pathspec(dir, p));
      const inScope = (file: string) => !scope.length || scope.some((s) => s === '' || patternsOverlap(s, escapeLiteral(file)));
      const risky = [...status].filter(([file, code]) => inScope(file) && affects(git, code)).map(([file]) => file);
      // rm and mv take the named files whether or not they changed
      if (git.effect === 'remove' || git.effect === 'move') for (const r of owned) if (inScope(r.path)) risky.push(r.path);
      for (const file of risky) atRisk.add(file);
      const taken = othersOn(unique(risky), owned, held, command);
      if (git.effect === 'remove' || git.effect === 'move') {
        for (const claim of held) {
          if (scope.some((s) => s === '' || patternsOverlap(s, claim.path)) && !taken.some((t) => t.path === claim.path)) {
            taken.push({ path: claim.path, session: claim.session, agent: claim.agent, what: 'held', since: claim.acquiredAt, command });
          }
        }
      }
      if (!taken.length) continue;
      findings.push(...taken);
      const mine = unique(risky).filter((f) => !taken.some((t) => t.path === f));
      reasons.push(describeGitRefusal(command, git, taken, mine.map((f) => relativeTo(dir, this.repo.root, f)), now));
    }
    return { findings, atRisk: [...atRisk], reason: reasons.length ? `${reasons.join('\n\n')}\n${NO_WORKAROUND}` : null };
  }

  /** `git checkout X`: a branch (switch) or a path (discard)? Git says. */
  private async resolveAmbiguous(git: GitIntent, dir: string): Promise<GitIntent> {
    if (git.effect === 'switch' && git.ref && !git.ambiguous && (await sameCommitAsHead(dir, git.ref))) return { ...git, effect: 'none' };
    if (!git.ambiguous || !git.ref) return git;
    const isCommit = await runGit(dir, ['rev-parse', '-q', '--verify', `${git.ref}^{commit}`]).then(
      () => true,
      () => false,
    );
    if (git.effect === 'switch' && !isCommit) return { ...git, effect: 'discard', paths: [git.ref], ambiguous: false };
    if (git.effect === 'switch' && (await sameCommitAsHead(dir, git.ref))) return { ...git, effect: 'none', ambiguous: false };
    if (git.effect === 'discard' && git.paths.length && !isCommit) return { ...git, paths: [git.ref, ...git.paths], ambiguous: false };
    return { ...git, ambiguous: false };
  }

  /** A pathspec as a repo-relative claim-style pattern: '' for the whole tree, `dir/` for a directory. */
  private pathspec(dir: string, spec: string): string {
    let p = spec;
    if (p.startsWith(':(top)') || p.startsWith(':/')) return p.replace(/^:(\(top\)|\/)/, '').replace(/^\/+/, '') || '';
    p = p.replace(/^:\([^)]*\)/, '');
    const abs = path.resolve(dir, p);
    const rel = path.relative(this.repo.root, abs).split(path.sep).join('/');
    if (rel === '') return '';
    if (rel.startsWith('..')) return rel;
    let isDir = spec.endsWith('/');
    try {
      isDir ||= fs.statSync(abs).isDirectory();
    } catch {
      // a deleted file, or a glob
    }
    return isDir ? `${rel}/` : /[*?[]/.test(rel) ? rel : escapeLiteral(rel);
  }

  /** `stash pop/apply/drop/clear/branch`: refused for an entry another session made (the stash list is shared). */
  private async judgeStashUse(session: string, git: GitIntent, command: string, now: number): Promise<string | null> {
    const entries = await stashEntries(this.repo.root);
    if (!entries.length) return null;
    const snapshots = (await listSnapshots(this.repo.root)).filter((s) => /\bstash\b/.test(s.command));
    const ownerOf = (entry: (typeof entries)[number]): SnapshotInfo | undefined =>
      snapshots.filter((s) => s.base === entry.parent && Date.parse(s.createdAt) <= entry.time + 2000 && entry.time - Date.parse(s.createdAt) < 10 * 60_000).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    const wanted = git.ref === '*' ? entries : entries.filter((e) => e.ref === normalizeStashRef(git.ref ?? 'stash@{0}') || e.commit.startsWith(git.ref ?? '\0'));
    const theirs = wanted.map((e) => ({ entry: e, by: ownerOf(e) })).filter((x) => x.by && x.by.session !== session);
    if (!theirs.length) return null;
    const mine = entries.filter((e) => ownerOf(e)?.session === session).map((e) => e.ref);
    return describeStashRefusal(
      command,
      theirs.map(({ entry, by }) => ({ ref: entry.ref, session: by!.session, ageMs: Math.max(0, now - entry.time), command: by!.command })),
      mine,
    );
  }

  /** Obvious write targets inside this repository, as absolute paths (literal names apart from globs and directories). */
  private writeTargets(cwd: string, commands: SimpleCommand[]): { literal: string[]; globs: string[] } {
    const literal = new Set<string>();
    const globs = new Set<string>();
    for (const c of commands) {
      if (c.cwd === null) continue;
      const dir = path.resolve(cwd, c.cwd);
      for (const w of c.writes) {
        if (w.path === '' || w.dynamic) continue; // not known before it runs: the after-check sees it
        const abs = path.resolve(dir, w.path);
        const targets = w.sources && isDirectory(abs) ? w.sources.map((s) => path.join(abs, path.basename(s))) : [abs];
        for (const target of targets) {
          if (!this.insideRepo(target)) continue;
          if (w.glob) globs.add(target);
          else if (!isDirectory(target)) literal.add(target);
          // `rm -r dir`, `mv dir elsewhere`: everything below it (a directory claim meets others' files there)
          else if (w.via === 'rm' || (w.via === 'mv' && !w.sources)) globs.add(`${target}/`);
        }
      }
    }
    return { literal: [...literal], globs: [...globs] };
  }

  private insideRepo(file: string): boolean {
    const rel = path.relative(this.repo.root, realish(file));
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    return rel !== '.git' && !rel.startsWith(`.git${path.sep}`);
  }

  async journalRefusal(input: ShellCheckInput, findings: ShellFinding[], reason: string): Promise<void> {
    const events = findings.length
      ? findings.map((f) => ({ event: 'shell:refused' as const, session: input.session, agent: input.agent, path: f.path, holder: { session: f.session, kind: 'write' as const, path: f.path }, cause: f.what, detail: clip(f.command) }))
      : [{ event: 'shell:refused' as const, session: input.session, agent: input.agent, cause: 'stash', detail: clip(reason.split('\n')[0] ?? '') }];
    await this.store.record(events);
  }
}

/** Does a git effect touch a file with this `git status` code (XY)? */
function affects(git: GitIntent, code: string): boolean {
  const untracked = code === '??';
  const ignored = code === '!!';
  switch (git.effect) {
    case 'discard':
      if (git.verb === 'clean') return (untracked && git.untracked) || (ignored && git.ignored);
      if (git.verb === 'worktree') return !ignored; // the whole worktree goes
      return !untracked && !ignored;
    case 'stash':
      return (!untracked && !ignored) || (untracked && git.untracked) || (ignored && git.ignored);
    case 'switch':
    case 'rewrite':
      return !ignored;
    case 'remove':
    case 'move':
      return !ignored;
    default:
      return false;
  }
}

function othersOn(files: string[], owned: OwnedChange[], held: Claim[], command: string): ShellFinding[] {
  const found: ShellFinding[] = [];
  for (const file of files) {
    const record = owned.find((r) => r.path === file);
    if (record) {
      found.push({ path: file, session: record.session, agent: record.agent, what: 'owned', since: record.since ?? record.watchedAt, command });
      continue;
    }
    const claim = held.find((c) => (patternType(c.path) === 'file' ? c.path === escapeLiteral(file) : patternsOverlap(c.path, escapeLiteral(file))));
    if (claim) found.push({ path: file, session: claim.session, agent: claim.agent, what: 'held', since: claim.acquiredAt, command });
  }
  return found;
}

/** Does `ref` name the commit HEAD is at (a switch that changes no file)? */
async function sameCommitAsHead(dir: string, ref: string): Promise<boolean> {
  if (ref === '-') return false;
  try {
    const out = await runGit(dir, ['rev-parse', '-q', '--verify', 'HEAD^{commit}', `${ref}^{commit}`]);
    const [head, target] = out.trim().split('\n');
    return Boolean(head) && head === target;
  } catch {
    return false;
  }
}

function normalizeStashRef(ref: string): string {
  return /^\d+$/.test(ref) ? `stash@{${ref}}` : ref;
}


function relativeTo(dir: string, root: string, file: string): string {
  const rel = path.relative(dir, path.join(root, file)).split(path.sep).join('/');
  return rel || '.';
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** The real path of `file` or of its nearest existing parent (macOS /tmp, symlinked checkouts). */
function realish(file: string): string {
  let dir = file;
  const rest: string[] = [];
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) {
    rest.unshift(path.basename(dir));
    dir = path.dirname(dir);
  }
  try {
    return path.join(fs.realpathSync(dir), ...rest);
  } catch {
    return file;
  }
}
