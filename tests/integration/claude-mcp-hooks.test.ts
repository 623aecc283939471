import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FLC, cleanEnv, flc, makeRepo, makeTempDir, readDb, until } from '../helpers.js';

/**
 * `flc mcp`'s hook tool over a real MCP connection (the SDK's client, as Claude Code's), and
 * `flc init --claude --hooks=...` writing and removing the mcp_tool hooks. Real Claude Code runs
 * these hooks in tests/claude-real/mcp-hooks.cases.ts.
 */
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

async function connect(cwd: string, args: string[] = ['mcp', '--hooks-only']): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [FLC, ...args], cwd, env: cleanEnv() as Record<string, string> });
  const client = new Client({ name: 'flc-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** The tool input as Claude Code sends it: each field interpolated as text, objects as JSON. */
function hookInput(repo: string, event: string, extra: Record<string, string> = {}, hookTimeout?: number) {
  const payload = { session_id: 'mcp-s1', cwd: repo, hook_event_name: event, tool_name: '', agent_id: '', agent_type: '', source: '', reason: '', tool_input: '', background_tasks: '', ...extra };
  return { payload, ...(hookTimeout ? { hook_timeout: hookTimeout } : {}) };
}

const text = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0]!.text);

describe('flc mcp --hooks-only: the claude_hook tool', () => {
  it('lists no tools to the model, claims on PreToolUse, and answers hook JSON', async () => {
    const repo = makeRepo();
    await flc(['init', '--no-guard'], { cwd: repo });
    const client = await connect(repo);
    expect((await client.listTools()).tools).toEqual([]);
    const file = path.join(repo, 'a.txt');
    const pre = await client.callTool({ name: 'claude_hook', arguments: hookInput(repo, 'PreToolUse', { tool_name: 'Write', tool_input: JSON.stringify({ file_path: file, content: 'x' }) }, 90) });
    expect(text(pre)).toBe('{}');
    expect(readDb(repo).claims).toMatchObject([{ path: 'a.txt', session: 'mcp-s1', kind: 'write' }]);
    const stop = await client.callTool({ name: 'claude_hook', arguments: hookInput(repo, 'Stop') });
    expect(text(stop)).toBe('{}');
    expect(readDb(repo).claims).toEqual([]);
  });

  it('refuses a held file with a PreToolUse deny naming the holder', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'waitTimeout=1s'], { cwd: repo });
    await flc(['claim', 'a.txt'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
    const client = await connect(repo);
    const result = await client.callTool({ name: 'claude_hook', arguments: hookInput(repo, 'PreToolUse', { tool_name: 'Edit', tool_input: JSON.stringify({ file_path: path.join(repo, 'a.txt') }) }) });
    const answer = JSON.parse(text(result));
    expect(answer.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'deny' });
    expect(answer.hookSpecificOutput.permissionDecisionReason).toMatch(/a\.txt is being edited by another session[\s\S]*Held by session holder/);
  });

  it('answers other hooks while one waits for a held file, and grants the waiting one on release', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'waitTimeout=60s'], { cwd: repo });
    await flc(['claim', 'a.txt'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
    const client = await connect(repo);
    const pre = (file: string) => client.callTool({ name: 'claude_hook', arguments: hookInput(repo, 'PreToolUse', { tool_name: 'Write', tool_input: JSON.stringify({ file_path: path.join(repo, file) }) }, 90) }, undefined, { timeout: 120_000 });
    let waitingDone = false;
    const waiting = pre('a.txt').then((r) => ((waitingDone = true), r));
    await until(() => readDb(repo).waiters.length === 1, 30_000);
    expect(text(await pre('b.txt'))).toBe('{}'); // not stuck behind the wait
    expect(waitingDone).toBe(false);
    await flc(['release', 'a.txt'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
    expect(text(await waiting)).toBe('{}');
    expect(readDb(repo).claims.map((c) => c.path).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('allows with a systemMessage the user sees on bad input, and refuses the claim tools', async () => {
    const repo = makeRepo();
    const client = await connect(repo);
    const bad = await client.callTool({ name: 'claude_hook', arguments: { nothing: true } });
    expect(JSON.parse(text(bad))).toEqual({ systemMessage: expect.stringMatching(/^flc hook: claude_hook was called without a payload object; allowed/) });
    const claim = await client.callTool({ name: 'file_claiming_list', arguments: {} });
    expect(claim.isError).toBe(true);
    expect(text(claim)).toMatch(/--hooks-only serves only/);
  });

  it('serves the hook tool next to the claim tools without --hooks-only', async () => {
    const repo = makeRepo();
    const client = await connect(repo, ['mcp', '--session', 'm']);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('claude_hook');
    const result = await client.callTool({ name: 'claude_hook', arguments: hookInput(repo, 'PreToolUse', { tool_name: 'Write', tool_input: JSON.stringify({ file_path: path.join(repo, 'b.txt') }) }) });
    expect(text(result)).toBe('{}');
    expect(readDb(repo).claims).toMatchObject([{ path: 'b.txt', session: 'mcp-s1' }]);
  });
});

describe('flc mcp --hooks-only on the wire', () => {
  it('answers ping and unknown methods as JSON-RPC, reports a bad line, and exits when its stdin closes', async () => {
    const repo = makeRepo();
    const child = spawn(process.execPath, [FLC, 'mcp', '--hooks-only'], { cwd: repo, env: cleanEnv() });
    const lines: Array<Record<string, unknown>> = [];
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(out.slice(0, nl)));
        out = out.slice(nl + 1);
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n');
    child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    child.stdin.write('not json\n{"jsonrpc":"2.0","id":3,"method":"resources/list"}\n');
    await until(() => lines.length === 4, 20_000);
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(lines).toEqual([
      { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-03-26', capabilities: { tools: {} }, serverInfo: { name: 'flc', version: expect.any(String) } } },
      { jsonrpc: '2.0', id: 2, result: {} },
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found: resources/list' } },
    ]);
  });
});

describe('flc init --claude --hooks', () => {
  const settingsOf = (repo: string, local = false) => JSON.parse(fs.readFileSync(path.join(repo, '.claude', local ? 'settings.local.json' : 'settings.json'), 'utf8'));
  const mcpJson = (repo: string) => JSON.parse(fs.readFileSync(path.join(repo, '.mcp.json'), 'utf8'));

  it('mcp: mcp_tool hooks for the per-edit and per-turn events, commands for SessionStart/End, the hooks-only server approved; idempotent; uninstall removes it all', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, '.claude'));
    const mine = { model: 'x', hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'say hi' }] }] }, enabledMcpjsonServers: ['db'] };
    fs.writeFileSync(path.join(repo, '.claude', 'settings.json'), JSON.stringify(mine, null, 2) + '\n');
    fs.writeFileSync(path.join(repo, '.mcp.json'), JSON.stringify({ mcpServers: { db: { command: 'db-mcp', args: [] } } }, null, 2) + '\n');
    const init = await flc(['init', '--claude', '--hooks=mcp', '--no-guard'], { cwd: repo });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/mcp_tool hooks .*\(--hooks=mcp\)/);
    const settings = settingsOf(repo);
    expect(settings.enabledMcpjsonServers).toEqual(['db', 'flc']);
    const kinds = Object.fromEntries(Object.entries(settings.hooks as Record<string, Array<{ hooks: Array<{ type: string }> }>>).map(([e, groups]) => [e, groups.flatMap((g) => g.hooks.map((h) => h.type))]));
    expect(kinds).toEqual({
      PreToolUse: ['command', 'mcp_tool'],
      SessionStart: ['command'],
      UserPromptSubmit: ['mcp_tool'],
      PostToolUse: ['mcp_tool'],
      Stop: ['mcp_tool'],
      SubagentStop: ['mcp_tool'],
      SessionEnd: ['command'],
    });
    const pre = settings.hooks.PreToolUse[1].hooks[0];
    expect(pre).toMatchObject({ server: 'flc', tool: 'claude_hook', timeout: 90, onFailure: 'block', input: { hook_timeout: 90, payload: { session_id: '${session_id}', tool_input: '${tool_input}' } } });
    expect(mcpJson(repo).mcpServers).toEqual({ db: { command: 'db-mcp', args: [] }, flc: { command: 'flc', args: ['mcp', '--hooks-only'] } });

    const before = [fs.readFileSync(path.join(repo, '.claude', 'settings.json'), 'utf8'), fs.readFileSync(path.join(repo, '.mcp.json'), 'utf8')];
    const again = await flc(['init', '--claude', '--hooks=mcp', '--no-guard'], { cwd: repo });
    expect(again.stdout).toMatch(/already set up/);
    expect([fs.readFileSync(path.join(repo, '.claude', 'settings.json'), 'utf8'), fs.readFileSync(path.join(repo, '.mcp.json'), 'utf8')]).toEqual(before);

    // waitTimeout changes reach the mcp hook's timeout and the timeout it tells flc
    await flc(['config', 'set', 'waitTimeout=2m'], { cwd: repo });
    expect(settingsOf(repo).hooks.PreToolUse[1].hooks[0]).toMatchObject({ timeout: 150, input: { hook_timeout: 150 } });
    const doctor = await flc(['doctor', '--json'], { cwd: repo });
    const checks = JSON.parse(doctor.stdout).checks as Array<{ name: string; ok: boolean }>;
    expect(checks.filter((c) => c.name.startsWith('claude'))).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'claude mcp', ok: true }), expect.objectContaining({ name: 'claude wait', ok: true })]));

    expect((await flc(['init', '--uninstall'], { cwd: repo })).code).toBe(0);
    expect(settingsOf(repo)).toEqual(mine);
    expect(mcpJson(repo)).toEqual({ mcpServers: { db: { command: 'db-mcp', args: [] } } });
  });

  it('switching to command replaces the mcp hooks and drops the hooks-only server; --mcp keeps a claim-tools server', async () => {
    const repo = makeRepo();
    await flc(['init', '--claude', '--hooks=mcp', '--no-guard'], { cwd: repo });
    const to = await flc(['init', '--claude', '--hooks=command', '--no-guard'], { cwd: repo });
    expect(to.stdout).toMatch(/removed the hooks-only flc MCP server/);
    const settings = settingsOf(repo);
    expect(JSON.stringify(settings)).not.toContain('mcp_tool');
    expect(settings.enabledMcpjsonServers).toBeUndefined();
    expect(mcpJson(repo).mcpServers).toEqual({});

    await flc(['init', '--claude', '--hooks=mcp', '--mcp', '--no-guard'], { cwd: repo });
    expect(mcpJson(repo).mcpServers.flc).toEqual({ command: 'flc', args: ['mcp'] });
    await flc(['init', '--claude', '--hooks=mcp', '--no-guard'], { cwd: repo }); // claim tools stay
    expect(mcpJson(repo).mcpServers.flc).toEqual({ command: 'flc', args: ['mcp'] });
    await flc(['init', '--claude', '--hooks=command', '--no-guard'], { cwd: repo });
    expect(mcpJson(repo).mcpServers.flc).toEqual({ command: 'flc', args: ['mcp'] });
  });

  it('auto picks mcp for Claude Code >= 2.1.118 and command for older or none; FLC_CLAUDE_HOOKS sets the default; a bad value is exit 2', async () => {
    const bin = makeTempDir();
    const fake = (version: string) => fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\necho "${version} (Claude Code)"\n`, { mode: 0o755 });
    const env = (extra: Record<string, string | undefined> = {}) => ({ PATH: `${bin}:/usr/bin:/bin`, FLC_CLAUDE_HOOKS: 'auto', ...extra });
    const modeAfterInit = async (extra: Record<string, string | undefined> = {}) => {
      const repo = makeRepo();
      const r = await flc(['init', '--claude', '--no-guard', '--json'], { cwd: repo, env: env(extra) });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).claude as { hooks: string; why: string };
    };
    fake('2.1.118');
    expect(await modeAfterInit()).toMatchObject({ hooks: 'mcp', why: 'Claude Code 2.1.118 has mcp_tool hooks' });
    fake('2.1.117');
    expect(await modeAfterInit()).toMatchObject({ hooks: 'command', why: expect.stringMatching(/2\.1\.117 is older than 2\.1\.118/) });
    fs.rmSync(path.join(bin, 'claude'));
    expect(await modeAfterInit()).toMatchObject({ hooks: 'command', why: expect.stringMatching(/no Claude Code found/) });
    expect(await modeAfterInit({ FLC_CLAUDE_HOOKS: 'mcp' })).toMatchObject({ hooks: 'mcp', why: 'FLC_CLAUDE_HOOKS=mcp' });

    const repo = makeRepo();
    const bad = await flc(['init', '--claude', '--hooks=fast'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--hooks must be mcp, command or auto, not "fast"/);
    expect(fs.existsSync(path.join(repo, '.claude'))).toBe(false);
    expect(fs.existsSync(path.join(repo, '.git', 'flc'))).toBe(false); // nothing changed
    const badEnv = await flc(['init', '--claude'], { cwd: repo, env: { FLC_CLAUDE_HOOKS: 'x' } });
    expect(badEnv.code).toBe(2);
    expect((await flc(['init', '--hooks=mcp'], { cwd: repo })).code).toBe(2);
  });

  it('doctor fails its claude mcp check when the hooks call a server .mcp.json does not register', async () => {
    const repo = makeRepo();
    await flc(['init', '--claude', '--hooks=mcp', '--no-guard'], { cwd: repo });
    fs.writeFileSync(path.join(repo, '.mcp.json'), '{"mcpServers": {}}\n');
    const doctor = await flc(['doctor', '--json'], { cwd: repo });
    const check = (JSON.parse(doctor.stdout).checks as Array<{ name: string; ok: boolean; detail: string }>).find((c) => c.name === 'claude mcp');
    expect(check).toMatchObject({ ok: false, detail: expect.stringMatching(/does not register: Claude Code refuses every edit/) });
  });
});
