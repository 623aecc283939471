import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoInfo } from '../git/repo.js';

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

/** Copies the Pi extension into `.pi/extensions/flc.ts`; an up-to-date copy is left alone. */
export function installPiExtension(repo: RepoInfo): { file: string; changed: boolean; replaced: boolean } {
  const file = piExtensionPath(repo);
  const template = fs.readFileSync(piTemplatePath(), 'utf8');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (current === template) return { file, changed: false, replaced: false };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, template);
  return { file, changed: true, replaced: current !== null };
}

/** Removes the extension if it is flc's, unchanged. A copy the user edited is kept (and reported). */
export function uninstallPiExtension(repo: RepoInfo): { removed: boolean; kept?: string } {
  const file = piExtensionPath(repo);
  if (!fs.existsSync(file)) return { removed: false };
  if (fs.readFileSync(file, 'utf8') !== fs.readFileSync(piTemplatePath(), 'utf8')) return { removed: false, kept: file };
  fs.rmSync(file);
  for (const dir of [path.dirname(file), path.dirname(path.dirname(file))]) {
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  }
  return { removed: true };
}
