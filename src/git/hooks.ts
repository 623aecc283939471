import fs from 'node:fs';
import path from 'node:path';
import { FlcError } from '../core/errors.js';
import type { RepoInfo } from './repo.js';

/**
 * Installs, finds and removes flc's pre-commit guard. Three layouts:
 * - husky: `.husky/` exists (or core.hooksPath points into it): the flc block goes into
 *   `.husky/pre-commit`, which is created if needed and otherwise kept.
 * - a package.json but no husky: husky's own installer sets husky up (as `npx husky init`
 *   would), then as above.
 * - anything else: the hooks directory git uses (core.hooksPath, else `<common dir>/hooks`); an
 *   existing pre-commit hook is kept as `pre-commit.flc-chained` and still runs after flc's.
 * What init changed is recorded in `.git/flc/install.json`, so that uninstall removes exactly
 * that and nothing else.
 */
export const BLOCK_START = '# >>> flc guard >>>';
export const BLOCK_END = '# <<< flc guard <<<';
const CHAINED = 'pre-commit.flc-chained';
export const REF_HOOK = 'reference-transaction';
const REF_CHAINED = 'reference-transaction.flc-chained';

/** Runs a command to completion with text output; child_process is loaded only when needed (it costs milliseconds of every flc start). */
function spawnSync(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; encoding?: 'utf8' }) {
  return process.getBuiltinModule('node:child_process').spawnSync(command, args, { ...options, encoding: 'utf8' });
}

export type HookLayout = 'husky' | 'husky-setup' | 'plain';

export interface InstallRecord {
  layout: 'husky' | 'plain';
  /** The hook file flc wrote into. */
  file: string;
  /** flc created that file (uninstall deletes it) rather than adding to an existing one. */
  created: boolean;
  /** The user's own hook, moved aside and chained (plain layout). */
  chained?: string | undefined;
  /** The reference-transaction hook flc installed in git's hooks directory (the user's own, if any, chained). */
  refTransaction?: { file: string; chained?: string | undefined } | undefined;
  /** husky was set up by flc: core.hooksPath and package.json's prepare before it did. */
  huskySetup?: { hooksPathBefore: string | null; prepareBefore: string | null; packageJson: string } | undefined;
}

export interface InstallResult {
  record: InstallRecord;
  changed: boolean;
  actions: string[];
}

/** The shell block the hook runs: find flc fast (never npx), run the guard, fail open if gone. */
export function guardBlock(fallbackBin?: string): string {
  return [
    `${BLOCK_START} added by \`flc init\`; \`flc init --uninstall\` removes it`,
    ...findFlcLines(fallbackBin),
    'if [ -n "$flc_bin" ]; then',
    '  "$flc_bin" guard --unstage || exit $?',
    'else',
    '  echo "flc: not found (uninstalled?); this commit was not checked against file claims" >&2',
    'fi',
    BLOCK_END,
  ].join('\n');
}

/** Shell lines that set flc_bin to the flc to run, fast (never npx), or leave it empty. */
function findFlcLines(fallbackBin?: string): string[] {
  const candidates = ['node_modules/.bin/flc', '"$(git rev-parse --git-common-dir 2>/dev/null)/../node_modules/.bin/flc"'];
  if (fallbackBin) candidates.push(shellQuote(fallbackBin));
  return [
    'flc_bin=',
    `for flc_candidate in ${candidates.join(' ')}; do`,
    '  if [ -x "$flc_candidate" ]; then flc_bin=$flc_candidate; break; fi',
    'done',
    '[ -n "$flc_bin" ] || flc_bin=$(command -v flc 2>/dev/null) || true',
  ];
}

/**
 * The reference-transaction hook: git runs it on every ref update, fetches included, so it
 * decides in the shell, without starting node, whenever it can: only in the \`prepared\`
 * state, only for HEAD, a branch or refs/stash, only when the store records any session's
 * claim or changes. flc then refuses with exit 1; any other outcome (flc missing, crashed,
 * broken) lets the update through: flc never fails closed on its own errors.
 */
export function refTransactionScript(fallbackBin?: string, chained?: boolean): string {
  const lines = [
    '#!/bin/sh',
    `${BLOCK_START} added by \`flc init\`; \`flc init --uninstall\` removes it`,
    'flc_updates=',
    'flc_relevant=',
    'while IFS= read -r flc_line || [ -n "$flc_line" ]; do',
    '  flc_updates="$flc_updates$flc_line',
    '"',
    '  case $flc_line in',
    '    *" HEAD" | *" refs/heads/"* | *" refs/stash") flc_relevant=1 ;;',
    '  esac',
    'done',
    'if [ "$1" = prepared ] && [ -n "$flc_relevant" ]; then',
    // The store is in the common git dir: .git in the main worktree; a linked worktree's hooks
    // get GIT_DIR, whose commondir file names it. Only an unusual layout costs a git call.
    '  if [ -n "$GIT_DIR" ]; then',
    '    flc_common=$GIT_DIR',
    '    if [ -f "$GIT_DIR/commondir" ]; then',
    '      read -r flc_rel < "$GIT_DIR/commondir"',
    '      case $flc_rel in /*) flc_common=$flc_rel ;; *) flc_common=$GIT_DIR/$flc_rel ;; esac',
    '    fi',
    '  elif [ -d .git ]; then flc_common=.git',
    '  else flc_common=$(git rev-parse --git-common-dir 2>/dev/null); fi',
    // Claims, waiters and owned changes all name a "session"; an idle store names none.
    `  if grep -q '"session"' "$flc_common/flc/db.json" 2>/dev/null; then`,
    ...findFlcLines(fallbackBin).map((line) => `    ${line}`),
    '    if [ -n "$flc_bin" ]; then',
    `      printf '%s' "$flc_updates" | "$flc_bin" guard --ref-transaction`,
    '      if [ $? -eq 1 ]; then exit 1; fi',
    '    fi',
    '  fi',
    'fi',
    BLOCK_END,
  ];
  if (chained) lines.push('# Your previous reference-transaction hook, chained by flc:', `printf '%s' "$flc_updates" | exec "$(dirname "$0")/${REF_CHAINED}" "$@"`);
  else lines.push('exit 0');
  return lines.join('\n') + '\n';
}

/** Installs the reference-transaction hook where git reads hooks (husky does not generate one); an existing hook is chained. */
function installRefTransaction(repo: RepoInfo, actions: string[], fallbackBin?: string): InstallRecord['refTransaction'] {
  const dir = effectiveHooksDir(repo);
  const file = path.join(dir, REF_HOOK);
  if (hasBlock(file)) return { file };
  fs.mkdirSync(dir, { recursive: true });
  let chained: string | undefined;
  if (fs.existsSync(file)) {
    chained = path.join(dir, REF_CHAINED);
    if (fs.existsSync(chained)) throw new FlcError('STORE_UNREADABLE', `${chained} already exists`, 'move it away, then run flc init again');
    fs.renameSync(file, chained);
    actions.push(`kept your reference-transaction hook as ${chained}; it still runs after flc's`);
  }
  fs.writeFileSync(file, refTransactionScript(fallbackBin, Boolean(chained)), { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  actions.push(`installed the flc reference-transaction guard as ${file} (git >= 2.28; --no-verify does not skip it)`);
  return { file, chained };
}

export function hooksPathSetting(root: string): string | null {
  const r = spawnSync('git', ['config', '--get', 'core.hooksPath'], { cwd: root, encoding: 'utf8' });
  const value = r.status === 0 ? r.stdout.trim() : '';
  return value || null;
}

export function detectLayout(repo: RepoInfo): HookLayout {
  const hooksPath = hooksPathSetting(repo.root);
  if (fs.existsSync(path.join(repo.root, '.husky')) || (hooksPath !== null && /(^|\/)\.husky(\/|$)/.test(hooksPath))) return 'husky';
  if (fs.existsSync(path.join(repo.root, 'package.json'))) return 'husky-setup';
  return 'plain';
}

/** The directory git reads hooks from. */
export function effectiveHooksDir(repo: RepoInfo): string {
  const hooksPath = hooksPathSetting(repo.root);
  return hooksPath ? path.resolve(repo.root, hooksPath) : path.join(repo.commonDir, 'hooks');
}

function recordPath(repo: RepoInfo): string {
  return path.join(repo.commonDir, 'flc', 'install.json');
}

export function readRecord(repo: RepoInfo): InstallRecord | null {
  try {
    return JSON.parse(fs.readFileSync(recordPath(repo), 'utf8')) as InstallRecord;
  } catch {
    return null;
  }
}

export function installGuard(repo: RepoInfo, fallbackBin?: string): InstallResult {
  const existing = readRecord(repo);
  if (existing && hasBlock(existing.file)) {
    const actions: string[] = [];
    // Installed by an older flc: bring the pre-commit block up to date (guard --unstage)...
    refreshBlock(existing.file, guardBlock(existing.layout === 'plain' ? fallbackBin : undefined), actions);
    if (existing.refTransaction && hasBlock(existing.refTransaction.file)) return { record: existing, changed: actions.length > 0, actions };
    // ...and add the reference-transaction guard it did not have.
    existing.refTransaction = installRefTransaction(repo, actions, fallbackBin);
    fs.writeFileSync(recordPath(repo), JSON.stringify(existing, null, 2) + '\n');
    return { record: existing, changed: true, actions };
  }
  const actions: string[] = [];
  let layout = detectLayout(repo);
  let huskySetup: InstallRecord['huskySetup'];
  if (layout === 'husky-setup') {
    huskySetup = setUpHusky(repo, actions);
    layout = 'husky';
  } else if (layout === 'husky' && !hooksPathSetting(repo.root)) {
    // A husky project whose hooks are not active in this clone yet: activate them.
    huskySetup = setUpHusky(repo, actions, false);
  }
  const record = layout === 'husky' ? installIntoHusky(repo, actions) : installPlain(repo, actions, fallbackBin);
  record.huskySetup = huskySetup;
  record.refTransaction = installRefTransaction(repo, actions, fallbackBin);
  fs.mkdirSync(path.dirname(recordPath(repo)), { recursive: true });
  fs.writeFileSync(recordPath(repo), JSON.stringify(record, null, 2) + '\n');
  return { record, changed: true, actions };
}

/** Replaces flc's block in `file` with `block` when it differs (a hook written by an older flc). */
function refreshBlock(file: string, block: string, actions: string[]): void {
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf(BLOCK_START);
  const end = text.indexOf(BLOCK_END, start);
  if (start === -1 || end === -1) return;
  const current = text.slice(start, end + BLOCK_END.length);
  if (current === block) return;
  fs.writeFileSync(file, text.slice(0, start) + block + text.slice(end + BLOCK_END.length));
  actions.push(`updated the flc guard in ${file}`);
}

function installIntoHusky(repo: RepoInfo, actions: string[]): InstallRecord {
  const file = path.join(repo.root, '.husky', 'pre-commit');
  if (hasBlock(file)) return { layout: 'husky', file, created: false };
  const created = !fs.existsSync(file);
  const before = created ? '' : fs.readFileSync(file, 'utf8');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, insertBlock(before, guardBlock()), { mode: 0o755 });
  actions.push(created ? `created ${file} with the flc guard` : `added the flc guard to ${file}`);
  return { layout: 'husky', file, created };
}

function installPlain(repo: RepoInfo, actions: string[], fallbackBin?: string): InstallRecord {
  const dir = effectiveHooksDir(repo);
  const file = path.join(dir, 'pre-commit');
  if (hasBlock(file)) return { layout: 'plain', file, created: false };
  fs.mkdirSync(dir, { recursive: true });
  let chained: string | undefined;
  if (fs.existsSync(file)) {
    chained = path.join(dir, CHAINED);
    if (fs.existsSync(chained)) {
      throw new FlcError('STORE_UNREADABLE', `${chained} already exists`, 'move it away, then run flc init again');
    }
    fs.renameSync(file, chained);
    actions.push(`kept your pre-commit hook as ${chained}; it still runs after the flc guard`);
  }
  const lines = ['#!/bin/sh', guardBlock(fallbackBin)];
  if (chained) lines.push(`# Your previous pre-commit hook, chained by flc:`, `exec "$(dirname "$0")/${CHAINED}" "$@"`);
  fs.writeFileSync(file, lines.join('\n') + '\n', { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  actions.push(`installed the flc guard as ${file}`);
  return { layout: 'plain', file, created: true, chained };
}

/** husky's own installer (core.hooksPath = .husky/_), plus `prepare: husky` as `husky init` adds. */
function setUpHusky(repo: RepoInfo, actions: string[], addPrepare = true): InstallRecord['huskySetup'] {
  const hooksPathBefore = hooksPathSetting(repo.root);
  const packageJson = path.join(repo.root, 'package.json');
  let prepareBefore: string | null = null;
  const r = spawnSync(process.execPath, [huskyBin()], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, HUSKY: undefined } });
  if (r.status !== 0 || (r.stdout ?? '').trim()) {
    throw new FlcError('STORE_UNREADABLE', `husky could not set up hooks: ${(r.stdout || r.stderr || '').trim()}`, 'check `git config core.hooksPath`, or set husky up yourself and run flc init again');
  }
  actions.push('set up husky (core.hooksPath = .husky/_)');
  if (addPrepare && fs.existsSync(packageJson)) {
    const text = fs.readFileSync(packageJson, 'utf8');
    const pkg = JSON.parse(text) as { scripts?: Record<string, string> };
    prepareBefore = pkg.scripts?.prepare ?? null;
    if (!prepareBefore?.includes('husky')) {
      pkg.scripts = { ...pkg.scripts, prepare: prepareBefore ? `${prepareBefore} && husky` : 'husky' };
      fs.writeFileSync(packageJson, JSON.stringify(pkg, null, /\t/.test(text) ? '\t' : 2) + '\n');
      actions.push(`added "prepare": "${pkg.scripts.prepare}" to package.json, so clones get the hook on install`);
    }
  }
  return { hooksPathBefore, prepareBefore, packageJson };
}

function huskyBin(): string {
  const { createRequire } = process.getBuiltinModule('node:module');
  return path.join(path.dirname(createRequire(import.meta.url).resolve('husky')), 'bin.js');
}

export interface UninstallResult {
  changed: boolean;
  actions: string[];
}

export function uninstallGuard(repo: RepoInfo): UninstallResult {
  const record = readRecord(repo);
  const actions: string[] = [];
  if (!record) return { changed: false, actions };
  if (fs.existsSync(record.file)) {
    const text = fs.readFileSync(record.file, 'utf8');
    const rest = removeBlock(text);
    const onlyShebang = rest.trim() === '' || rest.trim() === '#!/bin/sh' || rest.trim() === '#!/usr/bin/env sh';
    if (record.chained && fs.existsSync(record.chained)) {
      fs.renameSync(record.chained, record.file);
      actions.push(`restored your pre-commit hook ${record.file}`);
    } else if (record.created && (onlyShebang || record.layout === 'plain')) {
      fs.rmSync(record.file);
      actions.push(`removed ${record.file}`);
    } else if (rest !== text) {
      fs.writeFileSync(record.file, rest);
      actions.push(`removed the flc guard from ${record.file}`);
    }
  }
  if (record.refTransaction) uninstallRefTransaction(record.refTransaction, actions);
  if (record.huskySetup) {
    const { hooksPathBefore, prepareBefore, packageJson } = record.huskySetup;
    if (hooksPathBefore === null) spawnSync('git', ['config', '--unset', 'core.hooksPath'], { cwd: repo.root });
    else spawnSync('git', ['config', 'core.hooksPath', hooksPathBefore], { cwd: repo.root });
    actions.push(hooksPathBefore === null ? 'unset core.hooksPath' : `restored core.hooksPath = ${hooksPathBefore}`);
    if (fs.existsSync(packageJson)) {
      const text = fs.readFileSync(packageJson, 'utf8');
      const pkg = JSON.parse(text) as { scripts?: Record<string, string> };
      if (pkg.scripts && pkg.scripts.prepare !== (prepareBefore ?? undefined)) {
        if (prepareBefore === null) delete pkg.scripts.prepare;
        else pkg.scripts.prepare = prepareBefore;
        if (!Object.keys(pkg.scripts).length) delete pkg.scripts;
        fs.writeFileSync(packageJson, JSON.stringify(pkg, null, /\t/.test(text) ? '\t' : 2) + '\n');
        actions.push('restored the prepare script in package.json');
      }
    }
    const huskyDir = path.join(repo.root, '.husky');
    fs.rmSync(path.join(huskyDir, '_'), { recursive: true, force: true });
    if (fs.existsSync(huskyDir) && !fs.readdirSync(huskyDir).length) fs.rmdirSync(huskyDir);
  }
  fs.rmSync(recordPath(repo), { force: true });
  return { changed: true, actions };
}

function uninstallRefTransaction(installed: NonNullable<InstallRecord['refTransaction']>, actions: string[]): void {
  if (!hasBlock(installed.file)) return;
  if (installed.chained && fs.existsSync(installed.chained)) {
    fs.renameSync(installed.chained, installed.file);
    actions.push(`restored your reference-transaction hook ${installed.file}`);
  } else {
    fs.rmSync(installed.file);
    actions.push(`removed ${installed.file}`);
  }
}

/** Is the reference-transaction guard where git will run it? */
export function refTransactionHookStatus(repo: RepoInfo): GuardHookStatus {
  const file = path.join(effectiveHooksDir(repo), REF_HOOK);
  if (isExecutable(file) && hasBlock(file)) return { installed: true, wouldRun: true, detail: `in ${file}` };
  return { installed: false, wouldRun: false, detail: `${file} does not run flc; run \`flc init\`` };
}

export interface GuardHookStatus {
  installed: boolean;
  wouldRun: boolean;
  detail: string;
}

/** Is the guard installed where git will actually run it? */
export function guardHookStatus(repo: RepoInfo): GuardHookStatus {
  const dir = effectiveHooksDir(repo);
  const hook = path.join(dir, 'pre-commit');
  if (!isExecutable(hook)) {
    const record = readRecord(repo);
    return { installed: Boolean(record), wouldRun: false, detail: `git runs no pre-commit hook (${hook} is missing or not executable); run \`flc init\`` };
  }
  if (hasBlock(hook)) return { installed: true, wouldRun: true, detail: `in ${hook}` };
  // husky's generated wrapper runs the script of the same name one level up.
  const huskyScript = path.join(path.dirname(dir), 'pre-commit');
  if (path.basename(dir) === '_' && hasBlock(huskyScript)) return { installed: true, wouldRun: true, detail: `in ${huskyScript} (husky)` };
  return { installed: false, wouldRun: false, detail: `the pre-commit hook ${hook} does not run flc; run \`flc init\`` };
}

function hasBlock(file: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8').includes(BLOCK_START);
  } catch {
    return false;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Puts the block after a shebang and husky's old `. _/husky.sh` line, before the user's commands. */
export function insertBlock(script: string, block: string): string {
  const lines = script === '' ? [] : script.replace(/\n?$/, '').split('\n');
  let at = 0;
  while (at < lines.length && (lines[at]!.startsWith('#!') || /husky\.sh/.test(lines[at]!))) at++;
  lines.splice(at, 0, ...block.split('\n'));
  return lines.join('\n') + '\n';
}

export function removeBlock(script: string): string {
  const start = script.indexOf(BLOCK_START);
  const end = script.indexOf(BLOCK_END);
  if (start === -1 || end === -1) return script;
  let after = end + BLOCK_END.length;
  if (script[after] === '\n') after++;
  return script.slice(0, start) + script.slice(after);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
