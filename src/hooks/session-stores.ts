import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Which repositories a Claude Code session has claimed files in. A session may edit files of
 * other repositories (`--add-dir`, absolute paths); its Stop and SessionEnd arrive with the
 * cwd of its own, so the hook remembers the others here: one small file per session in a
 * directory only this user can write (`$TMPDIR/flc-sessions-<uid>/`). Best effort: if the
 * file cannot be written, those claims still lapse by TTL once the session's process is gone.
 */
const RETENTION_MS = 7 * 86_400_000;

function registryDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `flc-sessions-${uid}`);
}

/** One file per session, one repository root per line; lines are appended (O_APPEND), so hooks running at once never lose each other's. */
function fileOf(session: string): string {
  const name = /^[\w.-]{1,100}$/.test(session) ? session : `h-${fnv(session)}-${fnv(`${session}\0`)}`;
  return path.join(registryDir(), `${name}.txt`);
}

/** A cheap non-cryptographic hash (a collision only makes a hook look in one more repository). */
function fnv(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/** The repositories (worktree roots) `session` claimed files in, as remembered. */
export function reposOf(session: string): string[] {
  try {
    return [...new Set(fs.readFileSync(fileOf(session), 'utf8').split('\n').filter((line) => line.startsWith('/')))];
  } catch {
    return [];
  }
}

/** Remembers that `session` claimed a file in the repository at `root`. Cheap when already known. */
export function rememberRepo(session: string, root: string): void {
  if (reposOf(session).includes(root)) return;
  append(session, [root]);
}

/** Moves what `from` touched over to `to` (after `/clear`). */
export function mergeRepos(from: string, to: string): void {
  const repos = reposOf(from);
  if (repos.length) append(to, repos);
  forget(from);
}

export function forget(session: string): void {
  fs.rmSync(fileOf(session), { force: true });
}

/** Drops the files of sessions not seen for a week (crashed sessions leave theirs). */
export function pruneOld(now = Date.now()): void {
  const dir = registryDir();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (now - fs.statSync(file).mtimeMs > RETENTION_MS) fs.rmSync(file, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}

function append(session: string, repos: string[]): void {
  const dir = registryDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const owner = fs.statSync(dir);
  // Another user's (or a world-writable) directory must not decide what this user's hooks release.
  if ((typeof process.getuid === 'function' && owner.uid !== process.getuid()) || (owner.mode & 0o022) !== 0) return;
  fs.appendFileSync(fileOf(session), repos.map((r) => `${r}\n`).join(''), { mode: 0o600 });
}
