import { formatDuration } from './duration.js';
import type { GitIntent } from './shell.js';

// What an agent reads when flc refuses its shell command: which files, whose, since when, and
// the narrow command that is allowed instead. Pure text.

/** A file of another session that the command would discard, move or take. */
export interface ShellFinding {
  /** Repo-relative path. */
  path: string;
  session: string;
  agent?: string | undefined;
  /** `owned`: its uncommitted changes; `held`: a live write/exclusive claim. */
  what: 'owned' | 'held';
  since: string;
  /** The git command that would take it, as written. */
  command: string;
}

export function describeGitRefusal(command: string, git: GitIntent, taken: ShellFinding[], mine: string[], now: number): string {
  const verb = git.effect === 'stash' ? 'stash away' : git.effect === 'remove' ? 'delete' : git.effect === 'move' ? 'move' : git.effect === 'switch' || git.effect === 'rewrite' ? 'rewrite the files under' : 'discard';
  const lines = [`flc: refused \`${command}\`: it would ${verb} work of other sessions:`];
  for (const t of taken.slice(0, 20)) {
    const who = t.agent ? `session ${t.session} (subagent ${t.agent})` : `session ${t.session}`;
    const age = formatDuration(Math.max(0, now - Date.parse(t.since)));
    lines.push(t.what === 'owned' ? `  ${t.path}: uncommitted changes of ${who} (for ${age})` : `  ${t.path}: being edited by ${who} (write claim for ${age})`);
  }
  if (taken.length > 20) lines.push(`  ... and ${taken.length - 20} more`);
  const files = mine.map(shellQuote).join(' ');
  const alternative = (() => {
    if (git.effect === 'switch' || git.effect === 'rewrite') {
      return `Allowed instead: commit your own work (flc commit), and ${git.verb === 'checkout' || git.verb === 'switch' ? 'switch' : git.verb} once the other sessions have committed theirs (flc status shows them); or use a separate worktree: git worktree add ../${git.ref && git.ref !== '-' ? git.ref.replace(/[^\w.-]/g, '-') : 'other'} ${git.ref ?? '<branch>'}.`;
    }
    if (git.effect === 'remove' || git.effect === 'move') {
      return "Allowed instead: leave those files; their owner can hand them over (flc release --changes <path>), or the user can adopt them (flc adopt <path>).";
    }
    if (git.verb === 'worktree') return 'Allowed instead: leave that worktree as it is until the other sessions have committed their work there (flc status shows them).';
    if (!mine.length) return `There is nothing of yours it would ${verb}; leave the other sessions' files as they are.`;
    if (git.effect === 'stash') return `Allowed instead, only your files: git stash push${git.untracked ? ' --include-untracked' : ''} -- ${files}`;
    if (git.verb === 'clean') return `Allowed instead, only your files: git clean -f -- ${files}`;
    if (git.verb === 'restore') return `Allowed instead, only your files: git restore -- ${files}`;
    if (git.verb === 'checkout' && git.paths.length) return `Allowed instead, only your files: git checkout -- ${files}`;
    return `Allowed instead, only your files: git checkout HEAD -- ${files}`;
  })();
  lines.push(alternative);
  return lines.join('\n');
}

export function describeWriteRefusal(command: string, conflicts: Array<{ path: string; session: string; changes: boolean }>, cause?: string): string {
  const seen = new Set<string>();
  const lines = [`flc: refused \`${clip(command, 120)}\`: it writes files of other sessions${cause === 'timeout' ? ' (waited, still held)' : cause === 'deadlock' ? ' (waiting would deadlock)' : ''}:`];
  for (const c of conflicts) {
    const key = `${c.path}\0${c.session}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(c.changes ? `  ${c.path}: uncommitted changes of session ${c.session}` : `  ${c.path}: being edited by session ${c.session}`);
  }
  lines.push('What to do: leave those files; do not work around this with other commands. Work on other files, or ask the user to coordinate (flc status shows who holds what).');
  return lines.join('\n');
}

/** A refused `stash pop/apply/drop/clear/branch`: entries stashed by other sessions. */
export function describeStashRefusal(command: string, theirs: Array<{ ref: string; session: string; ageMs: number; command: string }>, mine: string[]): string {
  const lines = [`flc: refused \`${command}\`: the stash list is shared by every session, and this entry is not yours:`];
  for (const t of theirs) lines.push(`  ${t.ref} was stashed by session ${t.session} ${formatDuration(t.ageMs)} ago (\`${clip(t.command, 60)}\`)`);
  const verb = /\bstash\s+(pop|apply|drop|branch)\b/.exec(command)?.[1] ?? 'pop';
  lines.push(mine.length ? `Allowed instead: your own entries: ${mine.map((r) => `git stash ${verb} ${r}`).join(', ')}.` : 'Allowed instead: leave it for its owner; `git stash list` shows the entries, `flc snapshots` who stashed what.');
  return lines.join('\n');
}

/** The footer of every git refusal. */
export const NO_WORKAROUND = "Do not work around this with other commands: the other sessions' work is not yours to discard.";

export function shellQuote(text: string): string {
  return /^[\w.,:@/+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One line, at most `max` characters. */
export function clip(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
