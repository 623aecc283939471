import type { ShellWord, WriteTarget } from './shell.js';
import { isDevice } from './shell-words.js';

/**
 * The files common programs obviously write, from their arguments: `tee`, `touch`, `rm`,
 * `truncate`, `cp`/`mv`/`install`/`ln` destinations (and `mv` sources), `sed -i`, `perl -i`,
 * `dd of=`. Pure.
 */
function positionals(args: ShellWord[], withValue: ReadonlySet<string> = new Set()): ShellWord[] {
  const out: ShellWord[] = [];
  let dashes = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (dashes) out.push(a);
    else if (a.value === '--' && !a.dynamic) dashes = true;
    else if (a.value.startsWith('-') && a.value !== '-' && !a.dynamic) {
      if (withValue.has(a.value)) i++;
    } else out.push(a);
  }
  return out;
}

function target(word: ShellWord, via: string, extra: Partial<WriteTarget> = {}): WriteTarget {
  return { path: word.value, via, ...(word.glob ? { glob: true } : {}), ...(word.dynamic ? { dynamic: true } : {}), ...extra };
}

export function commandWrites(program: string, args: ShellWord[]): WriteTarget[] {
  switch (program) {
    case 'tee':
      return positionals(args).filter((a) => !isDevice(a.value)).map((a) => target(a, 'tee'));
    case 'touch':
      return positionals(args, new Set(['-r', '-d', '-t', '--reference', '--date'])).map((a) => target(a, 'touch'));
    case 'rm':
    case 'unlink':
    case 'shred':
    case 'truncate':
      return positionals(args, new Set(['-s', '--size', '-r', '--reference', '-n', '--iterations'])).map((a) => target(a, program));
    case 'cp':
    case 'mv':
    case 'install':
    case 'ln': {
      const tIndex = args.findIndex((a) => a.value === '-t' || a.value.startsWith('--target-directory'));
      const files = positionals(args, new Set(['-t', '-S', '--suffix', '-m', '--mode', '-o', '--owner', '-g', '--group']));
      if (tIndex !== -1) {
        const dirWord = args[tIndex]!.value.includes('=') ? { ...args[tIndex]!, value: args[tIndex]!.value.split('=').slice(1).join('=') } : args[tIndex + 1];
        const sources = files.map((f) => f.value);
        const moved = program === 'mv' ? files.map((f) => target(f, 'mv')) : [];
        return dirWord ? [...moved, target(dirWord, program, { sources })] : moved;
      }
      if (files.length < 2) return [];
      const dest = files.at(-1)!;
      const sources = files.slice(0, -1);
      const moved = program === 'mv' ? sources.map((f) => target(f, 'mv')) : [];
      return [...moved, target(dest, program, { sources: sources.map((s) => s.value) })];
    }
    case 'sed':
    case 'gsed': {
      const inPlace = args.some((a) => /^-[a-zA-Z]*i/.test(a.value) && !a.value.startsWith('--') || a.value.startsWith('--in-place'));
      if (!inPlace) return [];
      const hasScript = args.some((a) => ['-e', '-f', '--expression', '--file'].includes(a.value) || a.value.startsWith('--expression=') || a.value.startsWith('--file='));
      let files = positionals(args, new Set(['-e', '-f', '--expression', '--file', '-l', '--line-length']));
      // BSD sed: -i '' (an empty backup suffix)
      const iAlone = args.findIndex((a) => a.value === '-i');
      if (iAlone !== -1 && args[iAlone + 1]?.value === '') files = files.filter((f) => f !== args[iAlone + 1]);
      if (!hasScript) files = files.slice(1);
      return files.map((f) => target(f, 'sed -i'));
    }
    case 'perl': {
      const inPlace = args.some((a) => /^-[a-zA-Z0-9]*i/.test(a.value) && !a.value.startsWith('--'));
      if (!inPlace) return [];
      let code = false;
      const files: ShellWord[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a.value.startsWith('-') && a.value !== '-' && !a.dynamic) {
          if (/^-[a-zA-Z0-9]*[eE]$/.test(a.value)) {
            code = true;
            i++;
          } else if (/^-[a-zA-Z0-9]*[eE]./.test(a.value)) code = true;
        } else files.push(a);
      }
      return (code ? files : files.slice(1)).map((f) => target(f, 'perl -i'));
    }
    case 'dd':
      return args.filter((a) => a.value.startsWith('of=')).map((a) => ({ path: a.value.slice(3), via: 'dd' }));
    default:
      return [];
  }
}
