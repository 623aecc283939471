/** Small helpers shared by the shell analysis modules (core/shell*.ts). Pure. */

const DEVICES = /^\/dev\/(null|stdout|stderr|stdin|tty|zero|fd\/\d+|pts\/\d+)$/;

export function isDevice(path: string): boolean {
  return DEVICES.test(path);
}

export function basename(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** `base` joined with `dir` (POSIX), normalised; absolute when `dir` is. */
export function joinDir(base: string | null, dir: string): string | null {
  if (dir.startsWith('/')) return normalize(dir, true);
  if (base === null) return null;
  return normalize(base === '' ? dir : `${base}/${dir}`, base.startsWith('/'));
}

function normalize(path: string, absolute: boolean): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length && out.at(-1) !== '..') out.pop();
    else if (part === '..' && absolute) continue;
    else out.push(part);
  }
  return (absolute ? '/' : '') + out.join('/');
}
