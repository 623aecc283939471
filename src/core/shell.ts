import { createRequire } from 'node:module';
import type * as Unbash from 'unbash';
import { gitIntent } from './shell-git.js';
import { basename, isDevice, joinDir } from './shell-words.js';
import { commandWrites } from './shell-writes.js';

export { joinDir };

/**
 * What a shell command would do, read from its syntax before it runs: for each simple command,
 * the directory it runs in, the git verb and its effect on the working tree, and the files it
 * obviously writes. Pure (the parser is a library: unbash, synchronous, no native code), and it
 * never throws: a command it cannot parse is an analysis with `ok: false`. It sees only what
 * the text says: `python -c`, scripts, `make`, variables are opaque, and the after-check is what
 * catches their writes.
 */

/** A word of the command line as the shell would pass it, when that can be known without running anything. */
export interface ShellWord {
  value: string;
  /** Contains an expansion (`$X`, `$(...)`, `~`): its value is not known before the command runs. */
  dynamic: boolean;
  /** Contains an unquoted glob (`*.ts`): names whatever files match. */
  glob: boolean;
}

export type GitEffect =
  /** Working-tree changes of `paths` (or all) are lost: checkout/restore of paths, reset --hard, clean, switch -f. */
  | 'discard'
  /** Changes of `paths` (or all) move into the stash list, shared by every session. */
  | 'stash'
  /** A stash entry (`ref`) is applied, popped or dropped; `clear` drops all of them. */
  | 'stash-use'
  /** The working tree becomes another branch's (`ref`); `ambiguous` when `ref` may be a path instead. */
  | 'switch'
  /** `git rm` of `paths`: deleted from the working tree. */
  | 'remove'
  /** `git mv`: `paths` are moved to `to`. */
  | 'move'
  /** rebase, pull: rewrites the branch and rewrites files in the working tree. */
  | 'rewrite'
  /** Nothing flc protects is touched (status, log, add, commit, diff...). */
  | 'none';

export interface GitIntent {
  verb: string;
  effect: GitEffect;
  /** Pathspecs as written, relative to the command's directory; empty = the whole working tree. */
  paths: string[];
  /** Untracked files are affected too (stash -u/-a, clean). */
  untracked: boolean;
  /** Ignored files are affected too (stash -a, clean -x/-X). */
  ignored: boolean;
  /** Branch, commit or stash entry the verb names. */
  ref?: string;
  /** `git checkout X` without `--`: X is a branch or a path, only git can tell. */
  ambiguous?: boolean;
  /** Destination of `git mv`. */
  to?: string;
  /** A pathspec or the verb could not be read (an expansion): assume the worst, the whole tree. */
  dynamic?: boolean;
}

export interface WriteTarget {
  path: string;
  /** What writes it: `>`, `>>`, `tee`, `sed -i`, `cp`, `mv`, `rm`, `touch`... */
  via: string;
  /** `path` is a glob (`rm *.log`): it names the files matching it. */
  glob?: boolean;
  /** `cp`/`mv` destination: when it is an existing directory, the files written are `path/<basename of each source>`. */
  sources?: string[];
  /** The name holds an expansion (`$OUT`, `~/x`): which file it is is not known before the command runs. */
  dynamic?: boolean;
}

export interface SimpleCommand {
  /** The command's source text. */
  text: string;
  /** Program name, null when it is an expansion. */
  program: string | null;
  args: ShellWord[];
  /**
   * Directory it runs in, relative to the start directory ('' is the start) or absolute after
   * `cd /abs`; null when it cannot be known (`cd $DIR`, `cd -`, `cd` alone).
   */
  cwd: string | null;
  writes: WriteTarget[];
  git?: GitIntent;
  /** For `git -C dir`: the directory git works in (same form as cwd). */
  gitDir?: string | null;
}

export type ShellAnalysis =
  | { ok: true; commands: SimpleCommand[] }
  /** Not (fully) parsed: `commands` holds what could be read, which may be less than the command does. */
  | { ok: false; problem: string; commands: SimpleCommand[] };

let parser: typeof Unbash | undefined;

/**
 * unbash, loaded on first use (only Bash calls need it). The bundles load `dist/unbash.cjs`
 * (built beside them, one file: much faster to start than the package's ES module graph);
 * from source, the package itself.
 */
function loadParser(): typeof Unbash {
  if (parser) return parser;
  const require = createRequire(import.meta.url);
  try {
    parser = require('./unbash.cjs') as typeof Unbash;
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== 'MODULE_NOT_FOUND') throw error;
    parser = require('unbash') as typeof Unbash;
  }
  return parser;
}

const MAX_COMMAND = 256 * 1024;
const MAX_DEPTH = 8;

/** Reads a command line. Never throws. */
export function analyzeCommand(command: string): ShellAnalysis {
  if (command.length > MAX_COMMAND) return { ok: false, problem: `command too long to analyse (${command.length} characters)`, commands: [] };
  try {
    const walker = new Walker(command);
    const script = loadParser().parse(command);
    walker.script(script, '', 0);
    const errors = script.errors ?? [];
    if (errors.length || walker.problems.length) {
      const first = errors[0];
      const problem = first ? `cannot parse the command: ${first.message} at character ${first.pos + 1}` : walker.problems[0]!;
      return { ok: false, problem, commands: walker.commands };
    }
    return { ok: true, commands: walker.commands };
  } catch (error) {
    return { ok: false, problem: `cannot analyse the command: ${(error as Error)?.message ?? String(error)}`, commands: [] };
  }
}

type Node = { type: string; pos: number; end: number };

class Walker {
  readonly commands: SimpleCommand[] = [];
  readonly problems: string[] = [];
  constructor(private readonly source: string) {}

  script(script: Unbash.Script, cwd: string | null, depth: number): string | null {
    if (depth > MAX_DEPTH) {
      this.problems.push('command nested too deeply to analyse');
      return cwd;
    }
    return this.list(script.commands, cwd, depth, script.source ?? this.source);
  }

  /** Runs statements in order; returns the directory after them (a `cd` carries over). */
  private list(statements: readonly Unbash.Statement[], cwd: string | null, depth: number, source: string): string | null {
    for (const statement of statements) cwd = this.node(statement.command as Node, cwd, depth, source, !statement.background);
    return cwd;
  }

  /** Returns the directory after the node; `carries` is false where a `cd` cannot leak (subshells, pipes, background). */
  private node(node: Node, cwd: string | null, depth: number, source: string, carries: boolean): string | null {
    const n = node as Unbash.SyntaxNode;
    switch (n.type) {
      case 'Command':
        return this.command(n, cwd, depth, source, carries);
      case 'AndOr':
        for (const part of n.commands) cwd = this.node(part, cwd, depth, source, carries);
        return cwd;
      case 'Pipeline':
        for (const part of n.commands) this.node(part, cwd, depth, source, n.commands.length === 1 && carries);
        return cwd;
      case 'Subshell':
        this.list(n.body.commands, cwd, depth, source);
        return cwd;
      case 'BraceGroup':
        return this.list(n.body.commands, cwd, depth, source);
      case 'Redirected': {
        const after = this.node(n.command, cwd, depth, source, carries);
        const writes = this.redirectWrites(n.redirects, depth, cwd, source);
        if (writes.length) this.commands.push({ text: source.slice(n.pos, n.end), program: null, args: [], cwd, writes });
        return after;
      }
      case 'If': {
        let at = this.list(n.clause.commands, cwd, depth, source);
        at = this.list(n.then.commands, at, depth, source);
        for (const elif of n.elif) this.list(elif.then.commands, this.list(elif.clause.commands, cwd, depth, source), depth, source);
        if (n.else) this.list(n.else.commands, cwd, depth, source);
        return at;
      }
      case 'While':
        this.list(n.body.commands, this.list(n.clause.commands, cwd, depth, source), depth, source);
        return cwd;
      case 'For':
      case 'Select':
      case 'ArithmeticFor':
        this.list(n.body.commands, cwd, depth, source);
        return cwd;
      case 'Case':
        for (const item of n.items) this.list(item.body.commands, cwd, depth, source);
        return cwd;
      case 'Function':
        // What a function does happens where it is called; reading its body once is the safe side.
        this.node(n.body as Node, cwd, depth, source, false);
        return cwd;
      case 'Coproc':
        this.node(n.body as Node, cwd, depth, source, false);
        return cwd;
      default:
        return cwd; // [[ ]], (( )): no effects
    }
  }

  private command(c: Unbash.Command, cwd: string | null, depth: number, source: string, carries: boolean): string | null {
    // Substitutions run first, in the same directory.
    for (const part of [c.name, ...c.suffix, ...c.prefix]) if (part) this.substitutions(part as Node, cwd, depth);
    const words = [c.name, ...c.suffix.filter((s) => s.type === 'Word' || s.type === 'Assignment')].filter((w): w is Unbash.Word | Unbash.Assignment => Boolean(w)).map(wordOf);
    const redirects = [...c.prefix, ...c.suffix].filter((s): s is Unbash.Redirection => s.type === 'Redirect' || s.type === 'HereDoc' || s.type === 'HereString');
    const writes = this.redirectWrites(redirects, depth, cwd, source);
    const text = source.slice(c.pos, c.end);
    // `bash <<'EOF' ... EOF`: the shell runs the heredoc's body (a quoted delimiter keeps it literal).
    const stdin = redirects.find((r): r is Unbash.HereDoc => r.type === 'HereDoc' && (r.descriptor === undefined || (r.descriptor.type === 'FileDescriptor' && r.descriptor.value === 0)));
    return this.simple(text, words, writes, cwd, depth, carries, stdin?.body.text);
  }

  /** One simple command from its words (after wrappers such as `sudo`, `env`, `timeout` are peeled off). */
  private simple(text: string, words: ShellWord[], writes: WriteTarget[], cwd: string | null, depth: number, carries: boolean, stdin?: string): string | null {
    const unwrapped = unwrap(words);
    const [name, ...args] = unwrapped;
    const program = name && !name.dynamic ? basename(name.value) : null;
    const record: SimpleCommand = { text, program, args, cwd, writes };
    let next = cwd;
    if (program === 'cd' || program === 'pushd') {
      if (carries) next = changeDir(cwd, args.filter((a) => !(a.value.startsWith('-') && a.value.length > 1 && !a.dynamic)));
    } else if (program === 'popd') {
      if (carries) next = null;
    } else if (program === 'git') {
      const git = gitIntent(args, cwd);
      record.git = git.intent;
      if (git.dir !== cwd) record.gitDir = git.dir;
      if (git.intent.effect === 'move' && git.intent.to !== undefined) writes.push({ path: git.intent.to, via: 'git mv' });
    } else if (program === 'bash' || program === 'sh' || program === 'zsh' || program === 'dash') {
      const at = args.findIndex((a) => !a.dynamic && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a.value));
      const script = at === -1 ? undefined : args[at + 1];
      if (script && !script.dynamic) this.nested(script.value, cwd, depth);
      else if (at === -1 && stdin !== undefined && args.every((a) => a.value.startsWith('-'))) this.nested(stdin, cwd, depth);
    } else if (program === 'eval') {
      if (args.every((a) => !a.dynamic)) this.nested(args.map((a) => a.value).join(' '), cwd, depth);
    } else if (program) {
      writes.push(...commandWrites(program, args));
    }
    this.commands.push(record);
    return next;
  }

  private nested(script: string, cwd: string | null, depth: number): void {
    const parsed = loadParser().parse(script);
    if (parsed.errors?.length) this.problems.push(`cannot parse a nested command: ${parsed.errors[0]!.message}`);
    this.script(parsed, cwd, depth + 1);
  }

  /** Command substitutions and process substitutions inside a word run too. */
  private substitutions(node: Node, cwd: string | null, depth: number): void {
    const visit = (child: Unbash.SyntaxNode): void => {
      if ((child.type === 'CommandExpansion' || child.type === 'ProcessSubstitution') && child.script) {
        this.script(child.script, cwd, depth + 1);
        return;
      }
      loadParser().forEachChild(child, visit);
    };
    loadParser().forEachChild(node as Unbash.SyntaxNode, visit);
  }

  private redirectWrites(redirects: readonly Unbash.Redirection[], depth: number, cwd: string | null, _source: string): WriteTarget[] {
    const writes: WriteTarget[] = [];
    for (const r of redirects) {
      if (r.type !== 'Redirect' || !r.target) continue;
      this.substitutions(r.target as Node, cwd, depth);
      if (!WRITE_REDIRECTS.has(r.operator)) continue;
      const target = wordOf(r.target);
      if ((r.operator === '>&' || r.operator === '<&') && /^(\d+|-)$/.test(target.value)) continue; // 2>&1, >&-: descriptors, not files
      if (isDevice(target.value)) continue;
      writes.push({ path: target.value, via: r.operator, ...(target.glob ? { glob: true } : {}), ...(target.dynamic ? { dynamic: true } : {}) });
    }
    return writes;
  }
}

const WRITE_REDIRECTS = new Set(['>', '>>', '>|', '&>', '&>>', '<>', '>&']);


const EXPANSIONS = new Set(['SimpleExpansion', 'ParameterExpansion', 'CommandExpansion', 'ArithmeticExpansion', 'ProcessSubstitution', 'BraceExpansion', 'ExtendedGlob']);
const GLOBS = new Set(['Glob', 'ExtendedGlob']);

function wordOf(word: Unbash.Word | Unbash.Assignment): ShellWord {
  if (word.type === 'Assignment') return { value: word.text, dynamic: false, glob: false };
  let dynamic = false;
  let glob = false;
  const scan = (parts: readonly Unbash.WordPart[] | readonly Unbash.DoubleQuotedChild[] | undefined, quoted: boolean) => {
    for (const part of parts ?? []) {
      if (EXPANSIONS.has(part.type)) dynamic = true;
      if (!quoted && GLOBS.has(part.type)) glob = true;
      if (part.type === 'DoubleQuoted') scan(part.parts, true);
    }
  };
  scan(word.parts, false);
  if (!word.parts && /^~/.test(word.text)) dynamic = true;
  if (word.parts?.[0]?.type === 'Literal' && word.parts[0].text.startsWith('~')) dynamic = true;
  return { value: word.value, dynamic, glob };
}

/** Commands that run another command given as their arguments. */
function unwrap(words: ShellWord[]): ShellWord[] {
  let rest = words;
  for (let guard = 0; guard < 8 && rest.length; guard++) {
    const name = rest[0]!;
    if (name.dynamic) return rest;
    const program = basename(name.value);
    const args = rest.slice(1);
    let skip = -1;
    if (program === 'env') skip = args.findIndex((a) => !(a.value.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(a.value)));
    else if (program === 'sudo' || program === 'doas') skip = skipOptions(args, new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U']));
    else if (program === 'nice') skip = skipOptions(args, new Set(['-n']));
    else if (program === 'timeout') {
      const at = skipOptions(args, new Set(['-k', '-s', '--kill-after', '--signal']));
      skip = at === -1 ? -1 : at + 1; // the duration
    } else if (['nohup', 'command', 'exec', 'builtin', 'time', 'stdbuf', 'ionice', 'chronic'].includes(program)) skip = skipOptions(args, new Set());
    else return rest;
    if (skip === -1 || skip >= args.length) return [];
    rest = args.slice(skip);
  }
  return rest;
}

/** Index of the first argument that is not an option (or an option's value). */
function skipOptions(args: ShellWord[], withValue: Set<string>): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.value;
    if (a === '--') return i + 1;
    if (!a.startsWith('-') || a === '-') return i;
    if (withValue.has(a)) i++;
  }
  return -1;
}


/** The directory after `cd args` from `cwd`, or null when unknown. */
function changeDir(cwd: string | null, args: ShellWord[]): string | null {
  const target = args[0];
  if (!target || target.dynamic || target.value === '-' || target.value === '') return null;
  return joinDir(cwd, target.value);
}
