import type { GitEffect, GitIntent, ShellWord } from './shell.js';
import { joinDir } from './shell-words.js';

/**
 * What a git command line does to the working tree (core/shell's `git` intent): the verb, its
 * effect (discard, stash, switch...), the pathspecs it touches and the directory it works in
 * (`-C`). Pure; options are read as git reads them for the verbs that matter to flc.
 */
/** Global options of git that take a value as the next word. */
const GIT_GLOBAL_WITH_VALUE = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '--super-prefix']);

export function gitIntent(args: ShellWord[], cwd: string | null): { intent: GitIntent; dir: string | null } {
  let dir = cwd;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!a.value.startsWith('-')) break;
    if (a.value === '-C') {
      const to = args[++i];
      dir = !to || to.dynamic ? null : to.value === '' ? dir : joinDir(dir, to.value);
    } else if (GIT_GLOBAL_WITH_VALUE.has(a.value)) i++;
    else if (a.value.startsWith('--work-tree=') || a.value.startsWith('--git-dir=')) dir = null; // another tree: flc cannot place it
  }
  const verbWord = args[i];
  const rest = args.slice(i + 1);
  if (!verbWord) return { intent: none(''), dir };
  if (verbWord.dynamic) return { intent: { ...none(verbWord.value), effect: 'discard', dynamic: true }, dir };
  const verb = verbWord.value;
  if (verb === 'worktree') return worktreeIntent(rest, dir);
  const rule = GIT_VERBS[verb];
  const intent = rule ? rule(parseArgs(rest)) : none(verb);
  if (rest.some((a) => a.dynamic) && intent.effect !== 'none') intent.dynamic = true;
  return { intent, dir };
}

/** `git worktree remove --force <path>` discards everything uncommitted in that worktree (without --force git refuses a dirty one). */
function worktreeIntent(rest: ShellWord[], dir: string | null): { intent: GitIntent; dir: string | null } {
  const p = parseArgs(rest);
  if (p.positional[0] !== 'remove' || !(has(p, '--force') || hasShort(p, 'f'))) return { intent: none('worktree'), dir };
  const target = rest.find((w, i) => i > 0 && w.value === p.positional[1]);
  if (!target || target.dynamic) return { intent: { ...intent('worktree', 'discard', [], { untracked: true }), dynamic: true }, dir };
  return { intent: intent('worktree', 'discard', [], { untracked: true }), dir: joinDir(dir, target.value) };
}

interface ParsedArgs {
  /** Options as written (`-u`, `--hard`, `-fd`...), values joined for `--x=y`. */
  options: string[];
  /** Words that are not options, before `--`. */
  positional: string[];
  /** Words after `--`. */
  afterDashes: string[] | null;
  words: ShellWord[];
}

function parseArgs(words: ShellWord[], withValue: ReadonlySet<string> = VALUE_OPTIONS): ParsedArgs {
  const options: string[] = [];
  const positional: string[] = [];
  let afterDashes: string[] | null = null;
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!.value;
    if (afterDashes) afterDashes.push(v);
    else if (v === '--') afterDashes = [];
    else if (v.startsWith('-') && v !== '-') {
      if (withValue.has(v) && i + 1 < words.length) options.push(`${v}=${words[++i]!.value}`);
      else options.push(v);
    } else positional.push(v);
  }
  return { options, positional, afterDashes, words };
}

/** Options of the verbs below that take the next word as their value. */
const VALUE_OPTIONS = new Set(['-m', '--message', '-s', '--source', '-b', '-B', '--orphan', '-c', '-C', '--pathspec-from-file', '-e', '--exclude', '--conflict', '-t', '--track', '-X', '--strategy-option', '--strategy', '--onto', '-x', '--exec']);

function has(parsed: ParsedArgs, ...names: string[]): boolean {
  return parsed.options.some((o) => names.includes(o) || names.includes(o.split('=')[0]!));
}

/** Short option letters anywhere in a cluster (`-fdx` has f, d and x). */
function hasShort(parsed: ParsedArgs, letter: string): boolean {
  return parsed.options.some((o) => /^-[a-zA-Z]+$/.test(o) && o.includes(letter));
}

function none(verb: string): GitIntent {
  return { verb, effect: 'none', paths: [], untracked: false, ignored: false };
}

function intent(verb: string, effect: GitEffect, paths: string[], extra: Partial<GitIntent> = {}): GitIntent {
  return { verb, effect, paths, untracked: false, ignored: false, ...extra };
}

const GIT_VERBS: Record<string, (p: ParsedArgs) => GitIntent> = {
  stash(p) {
    const sub = p.positional[0] ?? (p.afterDashes ? 'push' : 'push');
    const explicit = ['push', 'save', 'pop', 'apply', 'drop', 'clear', 'branch', 'list', 'show', 'create', 'store'].includes(sub);
    const verb = explicit ? sub : 'push';
    const args = explicit && p.positional[0] === sub ? parseArgs(p.words.slice(p.words.findIndex((w) => w.value === sub) + 1)) : p;
    if (verb === 'push' || verb === 'save') {
      const all = has(args, '-a', '--all');
      const untracked = all || has(args, '-u', '--include-untracked');
      const paths = verb === 'push' ? [...(args.afterDashes ?? []), ...args.positional] : [];
      if (has(args, '--staged', '-S')) return intent('stash', 'none', []); // only what is staged, the working tree stays
      return intent('stash', 'stash', paths, { untracked, ignored: all });
    }
    if (verb === 'pop' || verb === 'apply' || verb === 'drop') return intent('stash', 'stash-use', [], { ref: args.positional[0] ?? 'stash@{0}' });
    if (verb === 'branch') return intent('stash', 'stash-use', [], { ref: args.positional[1] ?? 'stash@{0}' });
    if (verb === 'clear') return intent('stash', 'stash-use', [], { ref: '*' });
    return none('stash');
  },
  reset(p) {
    if (has(p, '--hard', '--merge', '--keep')) return intent('reset', 'discard', [], { ref: p.positional[0] });
    return none('reset'); // soft/mixed or paths: the index only
  },
  checkout(p) {
    const force = has(p, '-f', '--force');
    if (has(p, '-p', '--patch')) return intent('checkout', 'discard', p.afterDashes ?? p.positional.slice(1));
    const create = p.options.find((o) => /^(-b|-B|--orphan)=/.test(o));
    if (create) {
      // A new branch at a start point: the tree changes only when the start point is another commit.
      const start = p.positional[0];
      if (force) return intent('checkout', 'discard', []);
      return start ? intent('checkout', 'switch', [], { ref: start }) : none('checkout');
    }
    if (p.afterDashes) {
      // checkout [<tree-ish>] -- <paths>
      return intent('checkout', 'discard', p.afterDashes.length ? p.afterDashes : [], { ...(p.positional[0] ? { ref: p.positional[0] } : {}) });
    }
    if (!p.positional.length) return force ? intent('checkout', 'discard', []) : none('checkout');
    if (p.positional.length === 1) {
      const target = p.positional[0]!;
      if (force) return intent('checkout', 'discard', [], { ref: target, ambiguous: true });
      if (target === '-') return intent('checkout', 'switch', [], { ref: target });
      return intent('checkout', 'switch', [], { ref: target, ambiguous: true });
    }
    // checkout <tree-ish> <paths...> (git reads the first as a commit when it is one)
    return intent('checkout', 'discard', p.positional.slice(1), { ref: p.positional[0]!, ambiguous: true });
  },
  switch(p) {
    if (has(p, '--discard-changes', '-f', '--force')) return intent('switch', 'discard', [], { ...(p.positional[0] ? { ref: p.positional.at(-1)! } : {}) });
    const create = p.options.find((o) => /^(-c|-C|--create|--force-create|--orphan)=/.test(o));
    if (create) return p.positional[0] ? intent('switch', 'switch', [], { ref: p.positional[0] }) : none('switch');
    if (has(p, '--orphan')) return intent('switch', 'discard', []);
    return p.positional[0] ? intent('switch', 'switch', [], { ref: p.positional[0] }) : none('switch');
  },
  restore(p) {
    const staged = has(p, '--staged', '-S') || hasShort(p, 'S');
    const worktree = has(p, '--worktree', '-W') || hasShort(p, 'W');
    if (staged && !worktree) return none('restore'); // the index only
    return intent('restore', 'discard', [...p.positional, ...(p.afterDashes ?? [])].filter((x) => x !== ''));
  },
  clean(p) {
    const force = has(p, '--force') || hasShort(p, 'f');
    const dry = has(p, '--dry-run', '-n', '--interactive', '-i') || hasShort(p, 'n');
    if (!force || dry) return none('clean');
    const ignoredOnly = hasShort(p, 'X');
    const withIgnored = hasShort(p, 'x') || ignoredOnly;
    return intent('clean', 'discard', [...p.positional, ...(p.afterDashes ?? [])], { untracked: !ignoredOnly, ignored: withIgnored });
  },
  rm(p) {
    if (has(p, '--cached') || has(p, '-n', '--dry-run')) return none('rm');
    return intent('rm', 'remove', [...p.positional, ...(p.afterDashes ?? [])]);
  },
  mv(p) {
    if (has(p, '-n', '--dry-run')) return none('mv');
    const all = [...p.positional, ...(p.afterDashes ?? [])];
    if (all.length < 2) return none('mv');
    return intent('mv', 'move', all.slice(0, -1), { to: all.at(-1)! });
  },
  rebase(p) {
    if (has(p, '--edit-todo', '--show-current-patch')) return none('rebase');
    return intent('rebase', 'rewrite', []);
  },
  pull: () => intent('pull', 'rewrite', []),
  merge(p) {
    if (has(p, '--abort')) return intent('merge', 'discard', []);
    return none('merge');
  },
  'cherry-pick'(p) {
    if (has(p, '--abort')) return intent('cherry-pick', 'discard', []);
    return none('cherry-pick');
  },
  revert(p) {
    if (has(p, '--abort')) return intent('revert', 'discard', []);
    return none('revert');
  },
  am(p) {
    if (has(p, '--abort')) return intent('am', 'discard', []);
    return none('am');
  },
};
