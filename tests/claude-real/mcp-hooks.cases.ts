import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { ROOT, git, readEvents } from '../helpers.js';
import { bash, claimsIn, describeReal, flcRun, expectExit, makeClaudeRepo, runClaude, sessionIdOf, startClaude, tempDir, waitUntil, waitersIn, write } from './harness.js';

let api: FakeAnthropic;

/** What Claude Code tells the model when an `onFailure: "block"` mcp_tool hook cannot be asked. */
const REFUSED_BY_CLAUDE_CODE = /PreToolUse:Write hook error: \[flc\/claude_hook\]: failed; blocking because onFailure is "block"/;

/** Session A writes `file` and stays in its turn until the returned gate opens. */
async function holder(name: string, repo: string, file: string) {
  const gate = new Gate();
  api.script(name, [{ tools: [write(path.join(repo, file), `${name}\n`)] }, { gate, text: 'Holder done.' }]);
  const session = startClaude({ cwd: repo, api: api.url, prompt: `[script:${name}] write ${file}` });
  const id = await sessionIdOf(session);
  await gate.reached;
  return { session, id, gate };
}

/** Points the repository's `flc` MCP server somewhere else (or removes it with null). */
function setMcpServer(repo: string, entry: { command: string; args: string[] } | null): void {
  const file = path.join(repo, '.mcp.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (entry) config.mcpServers.flc = entry;
  else delete config.mcpServers.flc;
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
}

/** The pids of `flc mcp` processes whose parent is `parent`. */
function mcpServersOf(parent: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === parent && /flc(\.js)?"? mcp/.test(m[3]!))
    .map((m) => Number(m[1]));
}

/**
 * Registered by all-cases.ts (command-mode file only; these choose their mode themselves): the key cases again with `flc init --claude --hooks=mcp`
 * (Claude Code's mcp_tool hooks into the session's `flc mcp --hooks-only`), and what happens when
 * that server is not there.
 */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('mcp hooks: real Claude Code sessions', () => {
    it('mcp: claims on Write through the MCP server and releases at Stop, with no hook process per edit', async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp' });
      const file = path.join(repo, 'a.txt');
      const midTurn = new Gate();
      api.script('mcp-one', [{ tools: [write(file, 'one\n')] }, { gate: midTurn, text: 'Done.' }]);
      const debugFile = path.join(tempDir('mcp-debug-'), 'debug.log');
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-one] write a.txt', debugFile });
      const id = await sessionIdOf(session);
      await midTurn.reached;
      expect(claimsIn(repo)).toMatchObject([{ path: 'a.txt', kind: 'write', session: id }]);
      midTurn.open();
      const run = await session.done;
      expectExit(run, 0);
      expect(api.toolResults('mcp-one')[0]!.is_error).toBe(false);
      expect(fs.readFileSync(file, 'utf8')).toBe('one\n');
      expect(claimsIn(repo)).toEqual([]);
      const log = fs.readFileSync(debugFile, 'utf8');
      expect(log).toMatch(/Hooks: mcp_tool calling flc\/claude_hook/);
      expect(log).toMatch(/Hook PreToolUse:Write \(PreToolUse\) success/);
      expect(log).not.toMatch(/PreToolUse:Write \[[^\]]*flc hook claude/); // no command hook ran for the edit
      expect(readEvents(repo).filter((e) => e.session === id).map((e) => e.event)).toEqual(expect.arrayContaining(['claim:acquired', 'claim:released']));
    });

    it('mcp: three Writes in one model response are each claimed through the one server', async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp' });
      const files = ['p1.txt', 'p2.txt', 'p3.txt'];
      const midTurn = new Gate();
      api.script('mcp-parallel', [{ tools: files.map((f) => write(path.join(repo, f), `${f}\n`)) }, { gate: midTurn, text: 'Done.' }]);
      const session = startClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-parallel] write three files' });
      const id = await sessionIdOf(session);
      await midTurn.reached;
      expect(claimsIn(repo).map((c) => [c.path, c.session]).sort()).toEqual(files.map((f) => [f, id]));
      midTurn.open();
      expectExit(await session.done, 0);
      expect(api.toolResults('mcp-parallel').map((r) => r.is_error)).toEqual([false, false, false]);
      expect(claimsIn(repo)).toEqual([]);
    });

    it('mcp: refuses the second session, naming the holder in the tool result', async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp', config: ['waitTimeout=2s'] });
      const a = await holder('mcp-refuse-a', repo, 'x.txt');
      api.script('mcp-refuse-b', [{ tools: [write(path.join(repo, 'x.txt'), 'b\n')] }, { text: 'B done.' }]);
      const b = await runClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-refuse-b] write x.txt' });
      expectExit(b, 0);
      const [result] = api.toolResults('mcp-refuse-b');
      expect(result!.is_error).toBe(true);
      expect(result!.content).toMatch(/x\.txt is being edited by another session, so this edit was not made/);
      expect(result!.content).toContain(`Held by session ${a.id}`);
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('mcp-refuse-a\n');
      a.gate.open();
      expectExit(await a.session.done, 0);
      expect(claimsIn(repo)).toEqual([]);
    });

    it('mcp: makes the second session wait, and grants it when the holder releases at the end of its turn', async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp', config: ['waitTimeout=60s'] });
      const y = new Gate();
      api.script('mcp-wait-a', [{ tools: [write(path.join(repo, 'y.txt'), 'a\n')] }, { gate: y, text: 'A done.' }]);
      const a = startClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-wait-a] write y.txt' });
      await y.reached;
      // A's change undone: nothing of A's is left to own once it releases, so B gets the file.
      fs.rmSync(path.join(repo, 'y.txt'));
      api.script('mcp-wait-b', [{ tools: [write(path.join(repo, 'y.txt'), 'b\n')] }, { text: 'B done.' }]);
      const b = startClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-wait-b] write y.txt' });
      await sessionIdOf(b);
      await waitUntil('the second session waiting', () => waitersIn(repo).length === 1);
      y.open();
      expectExit(await a.done, 0);
      expectExit(await b.done, 0);
      const [result] = api.toolResults('mcp-wait-b');
      expect(result!.is_error, result!.content).toBe(false);
      expect(fs.readFileSync(path.join(repo, 'y.txt'), 'utf8')).toBe('b\n');
    });

    it("mcp: Bash goes through the same hooks: refused before it runs on another session's work, its new files owned after, the model told what it changed of others'", async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp' });
      fs.writeFileSync(path.join(repo, 'x.txt'), 'original\n');
      git(repo, 'add', 'x.txt');
      git(repo, 'commit', '-q', '-m', 'x');
      const owner = { FLC_SESSION: 'cli-owner' };
      expect((await flcRun(repo, ['claim', 'x.txt'], owner)).code).toBe(0);
      fs.writeFileSync(path.join(repo, 'x.txt'), 'work of the owner\n');
      expect((await flcRun(repo, ['release', '--all'], owner)).code).toBe(0);
      const rewrite = `python3 -c "open('x.txt', 'w').write('rewritten')"`; // a write the gate cannot read: found after
      api.script('mcp-bash', [{ tools: [bash('git stash')] }, { tools: [bash('echo hi > made.txt')] }, { tools: [bash(rewrite)] }, { text: 'Done.' }]);
      const debugFile = path.join(tempDir('mcp-debug-'), 'debug.log');
      const run = await runClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-bash] go', debugFile });
      expectExit(run, 0);
      const [stash, made, rewritten] = api.toolResults('mcp-bash');
      expect(stash!.is_error).toBe(true);
      expect(stash!.content).toMatch(/flc: refused/);
      expect(stash!.content).toContain('cli-owner');
      expect(git(repo, 'stash', 'list')).toBe('');
      expect(made!.is_error).toBe(false);
      expect(rewritten!.is_error).toBe(false);
      const status = JSON.parse((await flcRun(repo, ['status', '--json'])).stdout);
      const owners = Object.fromEntries(status.changes.map((c: { path: string; session: string }) => [c.path, c.session]));
      expect(owners).toEqual({ 'made.txt': run.sessionId, 'x.txt': 'cli-owner' });
      const sent = JSON.stringify(api.requestsOf('mcp-bash').at(-1)?.body?.messages ?? []);
      expect(sent).toContain('x.txt held uncommitted changes of session cli-owner; your command changed it');
      expect((await flcRun(repo, ['restore', 'x.txt', '--from', 'cli-owner'])).code).toBe(0);
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('work of the owner\n');
      const log = fs.readFileSync(debugFile, 'utf8');
      expect(log).toMatch(/Hook PreToolUse:Bash \(PreToolUse\) success/);
      expect(log).not.toMatch(/(Pre|Post)ToolUse:Bash \[[^\]]*flc hook claude/); // no command hook ran for Bash
    });

    it('mcp, server not registered: the edit is refused and Claude is told, no hang', async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp' });
      setMcpServer(repo, null);
      api.script('mcp-absent', [{ tools: [write(path.join(repo, 'a.txt'), 'a\n')] }, { text: 'Done.' }]);
      const run = await runClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-absent] write a.txt' });
      expectExit(run, 0);
      const [result] = api.toolResults('mcp-absent');
      expect(result!.is_error).toBe(true);
      expect(result!.content).toMatch(REFUSED_BY_CLAUDE_CODE);
      expect(result!.content).toContain("MCP server 'flc' not connected");
      expect(fs.existsSync(path.join(repo, 'a.txt'))).toBe(false);
    });

    it('mcp, flc not installed: the server cannot start, the edit is refused, and SessionStart tells the user', async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp' });
      api.script('mcp-missing', [{ tools: [write(path.join(repo, 'a.txt'), 'a\n')] }, { text: 'Done.' }]);
      const run = await runClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-missing] write a.txt', noShim: true });
      expectExit(run, 0);
      const [result] = api.toolResults('mcp-missing');
      expect(result!.content).toMatch(REFUSED_BY_CLAUDE_CODE);
      expect(result!.is_error).toBe(true);
      expect(fs.existsSync(path.join(repo, 'a.txt'))).toBe(false);
      expect(JSON.stringify(run.events)).toMatch(/edits in this session are NOT coordinated/);
    });

    it('mcp, an flc without the hook tool: the edit is refused, no hang', async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp' });
      setMcpServer(repo, { command: process.execPath, args: [path.join(ROOT, 'tests', 'fixtures', 'old-flc-mcp.mjs')] });
      api.script('mcp-old', [{ tools: [write(path.join(repo, 'a.txt'), 'a\n')] }, { text: 'Done.' }]);
      const run = await runClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-old] write a.txt' });
      expectExit(run, 0);
      const [result] = api.toolResults('mcp-old');
      expect(result!.content).toMatch(REFUSED_BY_CLAUDE_CODE);
      expect(result!.is_error).toBe(true);
      expect(fs.existsSync(path.join(repo, 'a.txt'))).toBe(false);
    });

    it('mcp, the server killed while the session waits: the edit is refused, not made, and nothing hangs', async () => {
      const repo = makeClaudeRepo({ hooks: 'mcp', config: ['waitTimeout=60s'] });
      const a = await holder('mcp-kill-a', repo, 'x.txt');
      api.script('mcp-kill-b', [{ tools: [write(path.join(repo, 'x.txt'), 'b\n')] }, { text: 'B done.' }]);
      const b = startClaude({ cwd: repo, api: api.url, prompt: '[script:mcp-kill-b] write x.txt' });
      await sessionIdOf(b);
      await waitUntil('the second session waiting', () => waitersIn(repo).length === 1);
      const servers = mcpServersOf(b.child.pid!);
      expect(servers).toHaveLength(1);
      process.kill(servers[0]!, 'SIGKILL');
      const run = await b.done;
      expectExit(run, 0);
      const [result] = api.toolResults('mcp-kill-b');
      expect(result!.content).toMatch(REFUSED_BY_CLAUDE_CODE);
      expect(result!.is_error).toBe(true);
      expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('mcp-kill-a\n');
      a.gate.open();
      expectExit(await a.session.done, 0);
      await waitUntil("the killed server's place in the queue gone", () => waitersIn(repo).length === 0);
    });
  });
}
