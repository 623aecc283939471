import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoInfo } from '../git/repo.js';

/** The first line of the template's doc comment: how a copy of flc's extension is recognised. */
const MARKER = 'flc — File Lock Coordinator — for Pi.';

/** flc's own package directory (this file runs from dist/, or from src/ in development). */
function packageRoot(): string {
  const here = import.meta.url.startsWith('file:') ? fileURLToPath(import.meta.url) : import.meta.url;
  let dir = path.dirname(here);
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function piTemplatePath(): string {
  return path.join(packageRoot(), 'templates', 'pi', 'flc.ts');
}

export function piExtensionPath(repo: RepoInfo): string {
  return path.join(repo.root, '.pi', 'extensions', 'flc.ts');
}

/** Pi's personal directory, as Pi finds it: PI_CODING_AGENT_DIR, else ~/.pi/agent. */
export function piAgentDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.PI_CODING_AGENT_DIR;
  if (configured) return path.resolve(configured.replace(/^~(?=$|[\\/])/, os.homedir()));
  return path.join(os.homedir(), '.pi', 'agent');
}

/** Where the personal copy goes: Pi loads every extension there in every session, trusted or not. */
export function piPersonalExtensionPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(piAgentDir(env), 'extensions', 'flc.ts');
}

export interface InstallResult {
  file: string;
  changed: boolean;
  replaced: boolean;
  /** Set when a file flc did not write is in the way; it is left alone. */
  foreign?: boolean;
}

function installTemplate(file: string, options: { overwriteForeign: boolean }): InstallResult {
  const template = fs.readFileSync(piTemplatePath(), 'utf8');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (current === template) return { file, changed: false, replaced: false };
  if (current !== null && !options.overwriteForeign && !current.includes(MARKER)) return { file, changed: false, replaced: false, foreign: true };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, template);
  return { file, changed: true, replaced: current !== null };
}

/** Copies the Pi extension into `.pi/extensions/flc.ts`; an up-to-date copy is left alone. */
export function installPiExtension(repo: RepoInfo): InstallResult {
  return installTemplate(piExtensionPath(repo), { overwriteForeign: true });
}

/**
 * Copies the extension into Pi's personal extensions (`~/.pi/agent/extensions/flc.ts`). That copy
 * acts only in repositories where flc is set up, and the project copy stands down where it acts.
 * A file of that name that is not flc's is left alone.
 */
export function installPersonalPiExtension(env: NodeJS.ProcessEnv = process.env): InstallResult {
  return installTemplate(piPersonalExtensionPath(env), { overwriteForeign: false });
}

function removeIfUnchanged(file: string, emptyDirs: string[]): { removed: boolean; kept?: string } {
  if (!fs.existsSync(file)) return { removed: false };
  if (fs.readFileSync(file, 'utf8') !== fs.readFileSync(piTemplatePath(), 'utf8')) return { removed: false, kept: file };
  fs.rmSync(file);
  for (const dir of emptyDirs) {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  }
  return { removed: true };
}

/** Removes the extension if it is flc's, unchanged. A copy the user edited is kept (and reported). */
export function uninstallPiExtension(repo: RepoInfo): { removed: boolean; kept?: string } {
  const file = piExtensionPath(repo);
  return removeIfUnchanged(file, [path.dirname(file), path.dirname(path.dirname(file))]);
}

/** Removes the personal copy if it is flc's, unchanged (it serves every repository of this user). */
export function uninstallPersonalPiExtension(env: NodeJS.ProcessEnv = process.env): { removed: boolean; kept?: string } {
  return removeIfUnchanged(piPersonalExtensionPath(env), []);
}

export interface PiLoadReport {
  /** false only when Pi is known not to load flc here although the project is set up for it. */
  ok: boolean;
  detail: string;
  fix?: string;
}

/**
 * Whether Pi will load flc in this repository (for `flc doctor`): the personal copy always
 * loads; the project copy, on Pi >= 0.79, only in a project the user trusts (Pi keeps the
 * decisions in `<agent dir>/trust.json`, the nearest folder's entry wins).
 */
export function piLoadReport(repo: RepoInfo, env: NodeJS.ProcessEnv = process.env): PiLoadReport {
  const template = fs.readFileSync(piTemplatePath(), 'utf8');
  const personalFile = piPersonalExtensionPath(env);
  const personal = readText(personalFile);
  const project = readText(piExtensionPath(repo));
  const storeExists = fs.existsSync(path.join(repo.commonDir, 'flc'));
  if (personal?.includes(MARKER) && storeExists) {
    const stale = personal !== template;
    return {
      ok: true,
      detail: `Pi loads flc in every session here, trusted project or not (personal extension ${personalFile}${stale ? ', older than this flc' : ''})`,
      ...(stale ? { fix: 'npx flc init --pi   # updates it' } : {}),
    };
  }
  if (project === null) return { ok: true, detail: 'not set up for Pi (flc init --pi)' };
  const stale = project !== template ? ' (differs from this flc\'s template)' : '';
  const trust = piTrustDecision(repo.root, env);
  const projectFix = 'npx flc init --pi   # also installs it as your personal Pi extension, which loads without trust';
  if (trust === true) return { ok: true, detail: `Pi loads .pi/extensions/flc.ts${stale}: you trust this project` };
  if (trust === false) {
    return { ok: false, detail: 'Pi does not trust this project (trust.json or defaultProjectTrust), so Pi >= 0.79 does not load .pi/extensions/flc.ts: edits are not coordinated', fix: projectFix };
  }
  if (trust === 'always') return { ok: true, detail: `Pi loads .pi/extensions/flc.ts${stale}: defaultProjectTrust is "always"` };
  return {
    ok: true,
    detail: `Pi >= 0.79 loads .pi/extensions/flc.ts${stale} only once you trust this project (it asks at start; \`pi -p\` needs --approve); until then edits are not coordinated. Pi 0.74-0.78 always loads it`,
    fix: projectFix,
  };
}

/** Pi's saved trust decision for `dir` (nearest entry up the tree), "always" by default setting, or null. */
function piTrustDecision(dir: string, env: NodeJS.ProcessEnv): boolean | 'always' | null {
  const agentDir = piAgentDir(env);
  const store = readJson(path.join(agentDir, 'trust.json'));
  if (store) {
    for (let current = dir; ; current = path.dirname(current)) {
      const value = store[current];
      if (value === true || value === false) return value;
      if (path.dirname(current) === current) break;
    }
  }
  const settings = readJson(path.join(agentDir, 'settings.json'));
  if (settings?.defaultProjectTrust === 'always') return 'always';
  if (settings?.defaultProjectTrust === 'never') return false;
  return null;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readJson(file: string): Record<string, unknown> | null {
  const text = readText(file);
  if (text === null) return null;
  try {
    const value = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
