// The Pi extension's test suite, run once per Pi line (tests/integration/pi*.test.ts): each
// test drives the real Pi CLI headless (`--mode json`, or RPC) with a scripted model (Pi's faux
// provider), in a repository set up as the README says, with Pi's home in a temp directory.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLC, ROOT, cleanEnv, flc, git, makeRepo, makeTempDir, readDb, readEvents } from './helpers.js';
import type { PiLine } from './runtimes.js';

const FAUX = path.join(ROOT, 'tests/fixtures/pi-faux.ts');

export type Step = { tool?: string; args?: Record<string, unknown>; text?: string; error?: string; snapshot?: { from: string; to: string } };

export interface PiProject {
  repo: string;
  home: string;
  events: string;
}

export interface ProjectOptions {
  /** flc as a dev dependency of the project (library mode); default true. */
  library?: boolean;
  /** `flc init --pi` installs the personal copy too (the default); false: --no-pi-personal. */
  personal?: boolean;
  /** An existing repository (e.g. a clone). */
  repo?: string;
}

/**
 * The README's set-up: flc as a dev dependency (a link to this checkout), then `npx flc init --pi`,
 * which installs .pi/extensions/flc.ts and, in Pi's home (a temp dir here), the personal copy.
 */
export async function piProject(options: ProjectOptions = {}): Promise<PiProject> {
  const repo = options.repo ?? makeRepo();
  const home = makeTempDir();
  if (options.library !== false) {
    fs.mkdirSync(path.join(repo, 'node_modules'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(repo, 'node_modules/file-lock-coordinator'));
  }
  const init = await flc(['init', '--pi', ...(options.personal === false ? ['--no-pi-personal'] : [])], { cwd: repo, env: { HOME: home, PI_CODING_AGENT_DIR: undefined } });
  expect(init.code, init.stderr).toBe(0);
  await flc(['config', 'set', 'waitTimeout=600ms'], { cwd: repo });
  return { repo, home, events: path.join(home, 'events.jsonl') };
}

export function piEnv(project: PiProject, steps: Step[], extra: Record<string, string> = {}) {
  const script = path.join(project.home, `script-${Math.random().toString(16).slice(2)}.json`);
  fs.writeFileSync(script, JSON.stringify(steps));
  // HOME isolates Pi from any user configuration: ~/.pi/agent is the temp home's.
  return cleanEnv({ HOME: project.home, PI_CODING_AGENT_DIR: undefined, PI_OFFLINE: '1', FAUX_SCRIPT: script, FAUX_EVENTS: project.events, ...extra });
}

export interface ToolEnd {
  toolName: string;
  text: string;
  isError: boolean;
}

export interface RunOptions {
  /** Grant project trust for this run (`--approve`; Pi >= 0.79 only). */
  approve?: boolean;
  prompt?: string;
  /** Pi's --tools allowlist (e.g. to enable the optional powershell tool). */
  tools?: string;
}

/** Runs one prompt headless (`--mode json`) and returns the tool results. */
export function runPi(line: PiLine, project: PiProject, steps: Step[], extra: Record<string, string> = {}, options: RunOptions = {}): Promise<{ code: number; tools: ToolEnd[]; stderr: string; stdout: string }> {
  const args = [line.cli, '-e', FAUX, '--no-session', '--provider', 'faux', '--model', 'faux-1', '--mode', 'json'];
  if (options.approve) args.push('--approve');
  if (options.tools) args.push('--tools', options.tools);
  args.push('-p', options.prompt ?? 'go');
  return new Promise((resolve) => {
    const child = spawn(line.node, args, { cwd: project.repo, env: piEnv(project, steps, extra) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end();
    child.on('close', (code) => {
      const tools = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .filter((e) => e.type === 'tool_execution_end')
        .map((e) => ({ toolName: e.toolName, text: e.result?.content?.[0]?.text ?? '', isError: Boolean(e.isError) }));
      resolve({ code: code ?? -1, tools, stderr, stdout });
    });
  });
}

export function recordedEvents(project: PiProject): Array<{ name: string; data: Record<string, unknown> }> {
  if (!fs.existsSync(project.events)) return [];
  return fs.readFileSync(project.events, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Pi in RPC mode: prompts in, events and extension UI requests out, dialogs answered. */
export class RpcPi {
  private buffer = '';
  private readonly lines: Array<Record<string, unknown>> = [];
  private readonly waiters: Array<{ test: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }> = [];
  readonly child: ChildProcessWithoutNullStreams;

  constructor(line: PiLine, project: PiProject, steps: Step[], approve = false) {
    const args = [line.cli, '-e', FAUX, '--no-session', '--provider', 'faux', '--model', 'faux-1', '--mode', 'rpc', ...(approve ? ['--approve'] : [])];
    this.child = spawn(line.node, args, { cwd: project.repo, env: piEnv(project, steps) });
    this.child.stdout.on('data', (d) => {
      this.buffer += d;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) !== -1) {
        const line = this.buffer.slice(0, newline).replace(/\r$/, '');
        this.buffer = this.buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const event = JSON.parse(line) as Record<string, unknown>;
        this.lines.push(event);
        for (const waiter of [...this.waiters]) {
          if (waiter.test(event)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(event);
          }
        }
      }
    });
  }

  send(command: Record<string, unknown>) {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** The next event (from now on, or already seen after `since`) that passes `test`. */
  next(test: (e: Record<string, unknown>) => boolean, since = this.lines.length): Promise<Record<string, unknown>> {
    const seen = this.lines.slice(since).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such event from pi')), 20_000);
      this.waiters.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  get events() {
    return this.lines;
  }

  async close() {
    this.child.stdin.end();
    await new Promise((resolve) => this.child.on('close', resolve));
  }
}

/** Polls `check` until true (generous: a loaded machine is slow, not wrong). */
async function waitFor(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not seen within ${ms / 1000}s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A committed x.txt that session cli-owner (a person at a terminal) changed: its owned, uncommitted work. */
async function ownedByCli(repo: string): Promise<void> {
  fs.writeFileSync(path.join(repo, 'x.txt'), 'original\n');
  git(repo, 'add', 'x.txt');
  git(repo, 'commit', '-q', '-m', 'x');
  const owner = { FLC_SESSION: 'cli-owner' };
  expect((await flc(['claim', 'x.txt'], { cwd: repo, env: owner })).code).toBe(0);
  fs.writeFileSync(path.join(repo, 'x.txt'), 'work of the owner\n');
  expect((await flc(['release', '--all'], { cwd: repo, env: owner })).code).toBe(0);
}

const ui = (method: string) => (e: Record<string, unknown>) => e.type === 'extension_ui_request' && e.method === method;

/** The extension's tests on one Pi line; `approve` runs them with the project trusted. */
export function definePiSuite(line: PiLine, { approve = false }: { approve?: boolean } = {}) {
  const drive = (project: PiProject, steps: Step[], extra: Record<string, string> = {}) => runPi(line, project, steps, extra, { approve });
  const trustLabel = line.trust ? (approve ? ', project trusted (--approve)' : ', project not trusted') : '';

  describe(`the Pi extension on Pi ${line.version}${trustLabel}`, () => {
    it('blocks an edit of a file a CLI session holds, naming the holder, and allows it once released; claims end at agent_end', async () => {
      const project = await piProject();
      const { repo } = project;
      await flc(['claim', 'notes.txt', '--reason', 'cli work'], { cwd: repo, env: { FLC_SESSION: 'cli-holder' } });
      const write = { tool: 'write', args: { path: 'notes.txt', content: 'from pi\n' } };
      const blocked = await drive(project, [write, { text: 'done' }]);
      expect(blocked.code, blocked.stderr).toBe(0);
      expect(blocked.tools).toHaveLength(1);
      expect(blocked.tools[0]!.isError).toBe(true);
      expect(blocked.tools[0]!.text).toMatch(/notes\.txt is being edited by another session, so this edit was not made/);
      expect(blocked.tools[0]!.text).toMatch(/Held by session cli-holder: write claim .*reason: "cli work"/);
      expect(fs.existsSync(path.join(repo, 'notes.txt'))).toBe(false);
      expect(recordedEvents(project).map((e) => e.name)).toEqual(['claim:conflicted']);
      expect(recordedEvents(project)[0]!.data).toMatchObject({ path: 'notes.txt', holder: 'cli-holder' });

      await flc(['release', 'notes.txt'], { cwd: repo, env: { FLC_SESSION: 'cli-holder' } });
      const during = path.join(project.home, 'during.json');
      const allowed = await drive(project, [write, { text: 'done', snapshot: { from: path.join(repo, '.git/flc/db.json'), to: during } }]);
      expect(allowed.tools[0]).toMatchObject({ toolName: 'write', isError: false });
      expect(fs.readFileSync(path.join(repo, 'notes.txt'), 'utf8')).toBe('from pi\n');
      // Mid-run the Pi session held the file; after agent_end it holds nothing.
      const heldDuring = JSON.parse(fs.readFileSync(during, 'utf8')).claims;
      expect(heldDuring).toMatchObject([{ path: 'notes.txt', kind: 'write', session: expect.stringMatching(/^pi:/), reason: 'edit (Pi)' }]);
      expect(readDb(repo).claims).toEqual([]);
      expect(recordedEvents(project).map((e) => e.name)).toEqual(['claim:conflicted', 'claim:acquired', 'claim:released']);
      const journal = readEvents(repo).filter((e) => String(e.session).startsWith('pi:')).map((e) => e.event);
      expect(journal).toEqual(expect.arrayContaining(['claim:conflicted', 'claim:acquired', 'claim:released']));
    }, 60_000);

    it('gives the scripted model the four claim tools', async () => {
      const project = await piProject();
      await flc(['claim', 'lib/taken.ts', '--reason', 'theirs'], { cwd: project.repo, env: { FLC_SESSION: 'someone' } });
      const run = await drive(project, [
        { tool: 'file_claiming_claim', args: { paths: ['src/x.ts', 'docs/'], reason: 'refactor' } },
        { tool: 'file_claiming_claim', args: { paths: ['lib/taken.ts'] } },
        { tool: 'file_claiming_list', args: {} },
        { tool: 'file_claiming_check', args: { path: 'lib/taken.ts' } },
        { tool: 'file_claiming_release', args: { path: 'src/x.ts' } },
        { text: 'done' },
      ]);
      expect(run.tools.map((t) => [t.toolName, t.isError])).toEqual([
        ['file_claiming_claim', false],
        ['file_claiming_claim', true],
        ['file_claiming_list', false],
        ['file_claiming_check', false],
        ['file_claiming_release', false],
      ]);
      expect(run.tools[0]!.text).toMatch(/^Claimed src\/x\.ts \(write, id c-[0-9a-f]{8}, expires in [^)]+\), docs\//);
      expect(run.tools[1]!.text).toMatch(/Not claimed: lib\/taken\.ts is held by someone/);
      expect(run.tools[2]!.text).toMatch(/src\/x\.ts: write by pi:\S+ \(you\)/);
      expect(run.tools[2]!.text).toMatch(/lib\/taken\.ts: write by someone/);
      expect(run.tools[3]!.text).toMatch(/^lib\/taken\.ts is not free:\nlib\/taken\.ts: held by someone, write/);
      expect(run.tools[4]!.text).toBe('Released src/x.ts.');
      // docs/ was still held at agent_end, and released then.
      expect(readDb(project.repo).claims.map((c) => c.session)).toEqual(['someone']);
    }, 60_000);

    it('works through the flc command when the library is not installed, and exports FLC_SESSION to bash', async () => {
      const project = await piProject({ library: false });
      const bin = makeTempDir();
      fs.symlinkSync(FLC, path.join(bin, 'flc'));
      const env = { PATH: `${bin}:${process.env.PATH}` };
      await flc(['claim', 'held.txt'], { cwd: project.repo, env: { FLC_SESSION: 'cli-holder' } });
      const run = await drive(
        project,
        [
          { tool: 'write', args: { path: 'held.txt', content: 'x' } },
          { tool: 'write', args: { path: 'free.txt', content: 'y' } },
          { tool: 'bash', args: { command: 'echo "$FLC_SESSION" > who.txt' } },
          { tool: 'bash', args: { command: 'echo z > held.txt' } },
          { text: 'done' },
        ],
        env,
      );
      expect(run.tools.map((t) => [t.toolName, t.isError])).toEqual([
        ['write', true],
        ['write', false],
        ['bash', false],
        ['bash', true],
      ]);
      expect(run.tools[0]!.text).toMatch(/Held by session cli-holder/);
      expect(run.tools[3]!.text).toContain('held.txt: being edited by session cli-holder'); // flc check-command --apply, through the CLI
      expect(fs.existsSync(path.join(project.repo, 'held.txt'))).toBe(false);
      expect(fs.readFileSync(path.join(project.repo, 'who.txt'), 'utf8').trim()).toMatch(/^pi:[\w-]+$/);
      expect(readDb(project.repo).claims.map((c) => c.session)).toEqual(['cli-holder']);
    }, 60_000);

    // Issue 11: a Pi session's bash cannot destroy another session's uncommitted work.
    it("blocks bash commands that would destroy another session's owned files, naming the owner; its own checkout goes through after a snapshot and flc undo restores it", async () => {
      const project = await piProject();
      const { repo } = project;
      fs.writeFileSync(path.join(repo, 'x.txt'), 'original\n');
      fs.writeFileSync(path.join(repo, 'mine.txt'), 'original\n');
      git(repo, 'add', 'x.txt', 'mine.txt');
      git(repo, 'commit', '-q', '-m', 'files');
      const owner = { FLC_SESSION: 'cli-owner' };
      await flc(['claim', 'x.txt', 'new.txt'], { cwd: repo, env: owner });
      fs.writeFileSync(path.join(repo, 'x.txt'), 'work of the owner\n');
      fs.writeFileSync(path.join(repo, 'new.txt'), 'new work\n');
      await flc(['release', '--all'], { cwd: repo, env: owner });
      const commands = ['git stash', 'git checkout -- .', 'git reset --hard', 'git clean -fd', "sed -i 's/w/W/' x.txt", 'echo gone > x.txt'];
      const run = await drive(project, [...commands.map((command) => ({ tool: 'bash', args: { command } })), { text: 'done' }]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.tools.map((t) => [t.toolName, t.isError])).toEqual(commands.map(() => ['bash', true]));
      for (const [i, tool] of run.tools.entries()) {
        expect(tool.text, commands[i]).toMatch(/flc: refused/);
        expect(tool.text, commands[i]).toContain('cli-owner');
      }
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('work of the owner\n');
      expect(fs.readFileSync(path.join(repo, 'new.txt'), 'utf8')).toBe('new work\n');

      const own = await drive(project, [{ tool: 'write', args: { path: 'mine.txt', content: 'pi work\n' } }, { tool: 'bash', args: { command: 'git checkout -- mine.txt' } }, { text: 'done' }]);
      expect(own.tools.map((t) => [t.toolName, t.isError])).toEqual([
        ['write', false],
        ['bash', false],
      ]);
      expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('original\n');
      const undo = await flc(['undo'], { cwd: repo });
      expect(undo.code, undo.stderr).toBe(0);
      expect(fs.readFileSync(path.join(repo, 'mine.txt'), 'utf8')).toBe('pi work\n');
    }, 90_000);

    // Pi's powershell tool (Windows-first; enabled with --tools): its commands are read before they run too.
    // pwsh need not be installed: a refused command never reaches it.
    it.runIf(line.powershell)("refuses a powershell git stash that would take another session's owned file, naming the owner", async () => {
      const project = await piProject();
      const { repo } = project;
      await ownedByCli(repo);
      const run = await runPi(line, project, [{ tool: 'powershell', args: { command: 'git stash -u; Write-Output done' } }, { text: 'done' }], {}, { approve, tools: 'read,bash,edit,write,powershell' });
      expect(run.code, run.stderr).toBe(0);
      expect(run.tools.map((t) => [t.toolName, t.isError])).toEqual([['powershell', true]]);
      expect(run.tools[0]!.text).toMatch(/flc: refused/);
      expect(run.tools[0]!.text).toContain('cli-owner');
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('work of the owner\n');
      expect(git(repo, 'stash', 'list')).toBe('');
    }, 60_000);

    // Pi's codemode tool (enabled with --tools): a script whose tool calls are nested calls, which
    // go through the extension's tool_call handler like the model's own.
    it.runIf(line.codemode)("refuses codemode's nested write of a held file and its nested bash git stash of another session's work, naming the holders", async () => {
      const project = await piProject();
      const { repo } = project;
      await ownedByCli(repo);
      await flc(['claim', 'notes.txt'], { cwd: repo, env: { FLC_SESSION: 'cli-holder' } });
      const code = [
        "const write = await tools.write({ path: 'notes.txt', content: 'from codemode' }).then(() => 'written', (e) => String(e));",
        "const stash = await tools.bash({ command: 'git stash -u' }).then((r) => JSON.stringify(r), (e) => String(e));",
        'return { write, stash };',
      ].join('\n');
      const run = await runPi(line, project, [{ tool: 'codemode', args: { code } }, { text: 'done' }], {}, { approve, tools: 'read,bash,edit,write,codemode' });
      expect(run.code, run.stderr).toBe(0);
      const nested = run.tools.filter((t) => t.toolName !== 'codemode');
      expect(nested.map((t) => [t.toolName, t.isError])).toEqual([
        ['write', true],
        ['bash', true],
      ]);
      expect(nested[0]!.text).toMatch(/Held by session cli-holder/);
      expect(nested[1]!.text).toMatch(/flc: refused `git stash -u`/);
      expect(nested[1]!.text).toContain('cli-owner');
      expect(fs.existsSync(path.join(repo, 'notes.txt'))).toBe(false);
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('work of the owner\n');
      expect(git(repo, 'stash', 'list')).toBe('');
    }, 60_000);

    // Issue 11, after a command runs: what Pi's bash changes is the session's.
    it("owns what its bash creates (the guard then refuses another session's sweep), and tells the model when bash changes another session's file", async () => {
      const project = await piProject();
      const { repo } = project;
      await flc(['claim', 'theirs.txt'], { cwd: repo, env: { FLC_SESSION: 'cli-owner' } });
      fs.writeFileSync(path.join(repo, 'theirs.txt'), 'cli work\n');
      await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'cli-owner' } });
      const run = await drive(project, [
        { tool: 'bash', args: { command: `echo hi > made-by-bash.txt && python3 -c "open('py.txt','w').write('py')"` } },
        // Not sed -i: the shell gate refuses that before it runs. A python write it cannot read is found after.
        { tool: 'bash', args: { command: `python3 -c "open('theirs.txt','w').write('pi work')"` } },
        { text: 'done' },
      ]);
      expect(run.code, run.stderr).toBe(0);
      const db = readDb(repo) as { changes?: Array<{ path: string; session: string }> };
      const owners = Object.fromEntries((db.changes ?? []).map((c) => [c.path, c.session]));
      const pi = owners['made-by-bash.txt'];
      expect(pi).toMatch(/^pi:[\w-]+$/);
      expect(owners).toEqual({ 'made-by-bash.txt': pi, 'py.txt': pi, 'theirs.txt': 'cli-owner' });
      const results = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === 'tool_execution_end');
      const told = results[1].result.content.map((c: { text?: string }) => c.text ?? '').join('\n');
      expect(told).toContain('theirs.txt held uncommitted changes of session cli-owner; your command changed it');
      expect(told).toContain('flc restore theirs.txt --from cli-owner');
      expect(run.stderr).toContain("a shell command changed other sessions' files: theirs.txt (owned by cli-owner");
      expect((await flc(['restore', 'theirs.txt', '--from', 'cli-owner'], { cwd: repo })).code).toBe(0);
      expect(fs.readFileSync(path.join(repo, 'theirs.txt'), 'utf8')).toBe('cli work\n');
      // Another session's sweeping commit does not take what Pi's bash made.
      const sweep = spawnSync('sh', ['-c', 'git add -A && git commit -q -m sweep'], { cwd: repo, encoding: 'utf8', env: cleanEnv({ FLC_SESSION: 'someone-else' }) });
      expect(sweep.status).not.toBe(0);
      expect(sweep.stderr).toContain('made-by-bash.txt');
    }, 90_000);

    it('fails open, with a warning, when flc itself fails', async () => {
      const project = await piProject();
      fs.writeFileSync(path.join(project.repo, '.git/flc/db.json'), '{ corrupt');
      const run = await drive(project, [{ tool: 'write', args: { path: 'a.txt', content: 'still written' } }, { text: 'done' }]);
      expect(run.tools[0]).toMatchObject({ toolName: 'write', isError: false });
      expect(fs.readFileSync(path.join(project.repo, 'a.txt'), 'utf8')).toBe('still written');
      expect(run.stderr).toMatch(/flc: could not claim a\.txt \(the claim store .* is corrupt.*\); the write is allowed/);
    }, 60_000);

    it.runIf(line.settles)('keeps claims while Pi retries after agent_end, and releases them once Pi is idle (agent_settled)', async () => {
      const project = await piProject();
      const { repo } = project;
      fs.mkdirSync(path.join(project.home, '.pi/agent'), { recursive: true });
      fs.writeFileSync(path.join(project.home, '.pi/agent/settings.json'), JSON.stringify({ retry: { enabled: true, maxRetries: 2, baseDelayMs: 50 } }));
      const retrying = path.join(project.home, 'retrying.json');
      const run = await drive(project, [
        { tool: 'write', args: { path: 'mine.txt', content: 'x' } },
        { error: 'overloaded_error: Overloaded (529)' },
        { text: 'done', snapshot: { from: path.join(repo, '.git/flc/db.json'), to: retrying } },
      ]);
      expect(run.tools).toMatchObject([{ toolName: 'write', isError: false }]);
      const events = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).type as string);
      // The run ended (agent_end) on the provider error, and Pi went on with a retry.
      expect(events.indexOf('agent_end')).toBeLessThan(events.lastIndexOf('agent_start'));
      expect(JSON.parse(fs.readFileSync(retrying, 'utf8')).claims).toMatchObject([{ path: 'mine.txt', session: expect.stringMatching(/^pi:/) }]);
      expect(readDb(repo).claims).toEqual([]);
    }, 60_000);

    it.runIf(line.sessionEnv)('gives bash commands the session as PI_SESSION_ID: flc run there acts as pi:<id>, the extension\'s own identity', async () => {
      const project = await piProject();
      const { repo } = project;
      // FLC_SESSION (the extension's export) is removed, so flc can only know the session from PI_SESSION_ID.
      const claimFromBash = `env -u FLC_SESSION "${process.execPath}" "${FLC}" claim from-bash.txt --reason bash --json > claim.json; echo "$PI_SESSION_ID" > pi-session.txt`;
      const during = path.join(project.home, 'during.json');
      const run = await drive(project, [
        { tool: 'bash', args: { command: claimFromBash } },
        { tool: 'write', args: { path: 'edited.txt', content: 'x' } },
        { text: 'done', snapshot: { from: path.join(repo, '.git/flc/db.json'), to: during } },
      ]);
      expect(run.tools.map((t) => [t.toolName, t.isError]), run.stderr).toEqual([
        ['bash', false],
        ['write', false],
      ]);
      const piSession = fs.readFileSync(path.join(repo, 'pi-session.txt'), 'utf8').trim();
      expect(piSession).toMatch(/^[\w-]+$/);
      expect(JSON.parse(fs.readFileSync(path.join(repo, 'claim.json'), 'utf8'))).toMatchObject({ granted: true, claims: [{ path: 'from-bash.txt', session: `pi:${piSession}` }] });
      // The extension's claims (the write, and the files the bash command writes: claim.json,
      // pi-session.txt) are held by the same session as the command's.
      const held = JSON.parse(fs.readFileSync(during, 'utf8')).claims as Array<{ path: string; session: string }>;
      expect(held.map((c) => [c.path, c.session]).sort()).toEqual([
        ['claim.json', `pi:${piSession}`],
        ['edited.txt', `pi:${piSession}`],
        ['from-bash.txt', `pi:${piSession}`],
        ['pi-session.txt', `pi:${piSession}`],
      ]);
      // Released at idle, both: one session.
      expect(readDb(repo).claims).toEqual([]);
    }, 60_000);

    // Issue 10 through the Pi extension: what a session changed stays its own after its turn, until it commits.
    it('keeps a session\'s uncommitted edit its own after its turn: another session may not edit it nor sweep it into a commit until it commits', async () => {
      const project = await piProject();
      const { repo } = project;
      const a = new RpcPi(line, project, [
        { tool: 'write', args: { path: 'owned.txt', content: 'a\n' } },
        { tool: 'bash', args: { command: 'echo "$FLC_SESSION" > a-session.txt' } },
        { text: 'done' },
        { tool: 'bash', args: { command: 'git add owned.txt && git commit -q -m "a commits" && echo COMMITTED' } },
        { text: 'done' },
      ], approve);
      try {
        let mark = a.events.length;
        a.send({ id: 'a1', type: 'prompt', message: 'write' });
        await a.next((e) => e.type === 'agent_end', mark);
        const aId = fs.readFileSync(path.join(repo, 'a-session.txt'), 'utf8').trim();
        expect(aId).toMatch(/^pi:/);
        await waitFor('A\'s turn-end release', () => readDb(repo).claims.length === 0);

        // B, another Pi session: refused the file, and its sweeping commit is refused with nothing of A's left staged.
        const b = await drive(project, [
          { tool: 'write', args: { path: 'owned.txt', content: 'b\n' } },
          { tool: 'bash', args: { command: 'git add -A && git commit -q -m "sweep"' } },
          { text: 'done' },
        ]);
        expect(b.tools.map((t) => [t.toolName, t.isError]), b.stderr).toEqual([
          ['write', true],
          ['bash', true],
        ]);
        expect(b.tools[0]!.text).toContain(`owned.txt holds uncommitted changes of session ${aId}`);
        expect(b.tools[1]!.text).toContain(`uncommitted changes of ${aId}`);
        expect(fs.readFileSync(path.join(repo, 'owned.txt'), 'utf8')).toBe('a\n');
        expect(git(repo, 'log', '-1', '--format=%s').trim()).not.toBe('sweep');
        expect(git(repo, 'diff', '--cached', '--name-only')).not.toContain('owned.txt');

        // A commits its work; then B may edit the file.
        mark = a.events.length;
        a.send({ id: 'a2', type: 'prompt', message: 'commit' });
        await a.next((e) => e.type === 'agent_end', mark);
        expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe('a commits');
        const after = await drive(project, [{ tool: 'write', args: { path: 'owned.txt', content: 'b\n' } }, { text: 'done' }]);
        expect(after.tools).toMatchObject([{ toolName: 'write', isError: false }]);
        expect(fs.readFileSync(path.join(repo, 'owned.txt'), 'utf8')).toBe('b\n');
      } finally {
        await a.close();
      }
    }, 90_000);

    it('allows edits outside any git repository without a word', async () => {
      const dir = makeTempDir();
      fs.mkdirSync(path.join(dir, '.pi/extensions'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'templates/pi/flc.ts'), path.join(dir, '.pi/extensions/flc.ts'));
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(ROOT, path.join(dir, 'node_modules/file-lock-coordinator'));
      const project = { repo: dir, home: makeTempDir(), events: '' };
      const run = await drive({ ...project, events: path.join(project.home, 'e.jsonl') }, [{ tool: 'write', args: { path: 'a.txt', content: 'ok' } }, { text: 'done' }], { GIT_CEILING_DIRECTORIES: path.dirname(dir) });
      expect(run.tools).toEqual([{ toolName: 'write', text: expect.any(String), isError: false }]);
      expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('ok');
      expect(run.stderr).not.toMatch(/flc/);
    }, 60_000);
  });

  describe(`the Pi extension in an interactive session (RPC mode) on Pi ${line.version}${trustLabel}`, () => {
    it('shows and clears its footer status, and runs /file-claiming-config and /file-claiming-locks', async () => {
      const project = await piProject();
      const { repo } = project;
      await flc(['claim', 'theirs.txt', '--reason', 'stuck session'], { cwd: repo, env: { FLC_SESSION: 'crashed-session' } });
      // Outside the repository: since issue 11 a shell write to a file another session owns is refused.
      const whoFile = path.join(project.home, 'who.txt');
      const who = { tool: 'bash', args: { command: `echo "$FLC_SESSION" >> '${whoFile}'` } };
      const pi = new RpcPi(line, project, [who, { tool: 'write', args: { path: 'mine.txt', content: 'x' } }, { text: 'done' }, who, { text: 'done' }], approve);
      try {
        const start = pi.events.length;
        pi.send({ id: 'p1', type: 'prompt', message: 'go' });
        await pi.next((e) => e.type === 'agent_end', start);
        const statuses = pi.events.slice(start).filter(ui('setStatus')).map((e) => e.statusText);
        expect(statuses).toContain('flc: holding 1 claim: mine.txt');
        await pi.next((e) => ui('setStatus')(e) && e.statusText === undefined, start);
        await new Promise((r) => setTimeout(r, 300)); // agent_end handlers finish
        expect(readDb(repo).claims.map((c) => c.path)).toEqual(['theirs.txt']);

        // A new session (/new) gets its own identity, and bash commands carry it.
        let mark0 = pi.events.length;
        pi.send({ id: 'n1', type: 'new_session' });
        await pi.next((e) => e.type === 'response' && e.command === 'new_session', mark0);
        mark0 = pi.events.length;
        pi.send({ id: 'p2', type: 'prompt', message: 'again' });
        await pi.next((e) => e.type === 'agent_end', mark0);
        const ids = fs.readFileSync(whoFile, 'utf8').trim().split('\n');
        expect(ids).toHaveLength(2);
        expect(ids.every((id) => /^pi:[\w-]+$/.test(id))).toBe(true);
        expect(ids[0]).not.toBe(ids[1]);

        let mark = pi.events.length;
        pi.send({ id: 'c1', type: 'prompt', message: '/file-claiming-config' });
        const shown = await pi.next(ui('notify'), mark);
        expect(shown.message).toMatch(/^flc settings:\n[\s\S]*waitTimeout = 600ms[\s\S]*pi\.blockedTools = edit,write/);

        mark = pi.events.length;
        pi.send({ id: 'c2', type: 'prompt', message: '/file-claiming-config autoReleaseTTL=600000 releaseOnTurnEnd=false' });
        const changed = await pi.next(ui('notify'), mark);
        expect(changed.message).toMatch(/ttl = 10m[\s\S]*release = session/);
        expect((await flc(['config', 'get', 'ttl'], { cwd: repo })).stdout.trim()).toBe('10m');
        expect((await flc(['config', 'get', 'release'], { cwd: repo })).stdout.trim()).toBe('session');

        mark = pi.events.length;
        pi.send({ id: 'c3', type: 'prompt', message: '/file-claiming-config ttl=forever' });
        expect((await pi.next(ui('notify'), mark)).message).toMatch(/invalid ttl "forever"/);

        mark = pi.events.length;
        pi.send({ id: 'c4', type: 'prompt', message: '/file-claiming-locks' });
        const select = await pi.next(ui('select'), mark);
        const options = select.options as string[];
        const theirs = options.find((o) => o.startsWith('theirs.txt'))!;
        expect(theirs).toMatch(/theirs\.txt — write by crashed-session \[c-[0-9a-f]{8}\]/);
        pi.send({ type: 'extension_ui_response', id: select.id, value: theirs });
        const confirm = await pi.next(ui('confirm'), mark);
        expect(confirm.message).toMatch(/belongs to another session/);
        pi.send({ type: 'extension_ui_response', id: confirm.id, confirmed: true });
        expect((await pi.next((e) => ui('notify')(e) && String(e.message).includes('released'), mark)).message).toBe('flc: released theirs.txt');
        expect(readDb(repo).claims).toEqual([]);
        expect(readEvents(repo).at(-1)).toMatchObject({ event: 'claim:released', session: 'crashed-session', cause: 'forced' });
      } finally {
        await pi.close();
      }
      expect(recordedEvents(project).map((e) => `${e.name} ${e.data.path}`)).toEqual(['claim:acquired mine.txt', 'claim:released mine.txt']);
      expect(recordedEvents(project)[0]!.data).toMatchObject({ path: 'mine.txt', kind: 'write' });
    }, 60_000);
  });
}
