import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { FLC, ROOT, cleanEnv, flc, makeRepo, readDb, sleep, until } from '../helpers.js';
import { request, serve } from '../serve-helpers.js';

describe('flc serve', () => {
  it('answers every endpoint with the seed API shapes', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo);
    expect(await request(port, 'GET', '/health')).toMatchObject({ status: 200, body: { ok: true } });
    const file = path.join(repo, 'src/app.ts');
    const lock = await request(port, 'POST', '/lock', { session: 'http-a', file });
    expect(lock.status).toBe(200);
    expect(lock.body).toMatchObject({ granted: true, kind: 'write' });
    expect(lock.body.waited).toBeLessThan(1); // granted at once (0 unless the machine is very busy)
    const status = await request(port, 'GET', '/status');
    expect(status.body.locks).toEqual([expect.objectContaining({ session: 'http-a', file, acquiredAt: expect.any(String) })]);
    const denied = await request(port, 'POST', '/lock?wait=false', { session: 'http-b', file });
    expect(denied.body).toMatchObject({ granted: false, holder: 'http-a', waited: 0 });
    expect(denied.body.error).toMatch(/src\/app\.ts is held by http-a/);
    const timedOut = await request(port, 'POST', '/lock?wait=true&timeout=500ms', { session: 'http-b', file });
    expect(timedOut.body).toMatchObject({ granted: false, holder: 'http-a', cause: 'timeout' });
    expect(timedOut.body.error).toMatch(/^Timeout waiting for lock/);
    expect(timedOut.body.waited).toBeGreaterThanOrEqual(0.5);
    await request(port, 'POST', '/lock', { session: 'http-a', file: path.join(repo, 'other.ts'), kind: 'exclusive', ttl: '10m', reason: 'big change' });
    expect((await request(port, 'POST', '/unlock', { session: 'http-a', file })).body).toEqual({ ok: true, count: 1 });
    expect((await request(port, 'POST', '/unlock-all', { session: 'http-a' })).body).toEqual({ count: 1 });
    expect((await request(port, 'GET', '/status')).body).toEqual({ locks: [] });
  });

  it('answers bad requests with a JSON error and the right status, and never crashes', async () => {
    const repo = makeRepo();
    const { port, child } = await serve(repo);
    const cases: Array<[string, string, unknown, Record<string, string>, number, RegExp]> = [
      ['POST', '/lock', 'not json', {}, 400, /not valid JSON/],
      ['POST', '/lock', [1, 2], {}, 400, /must be a JSON object/],
      ['POST', '/lock', { file: '/x' }, {}, 400, /missing "session"/],
      ['POST', '/lock', { session: 's' }, {}, 400, /missing "file"/],
      ['POST', '/lock', { session: 's', file: 7 }, {}, 400, /missing "file"/],
      ['POST', '/lock?wait=maybe', { session: 's', file: '/x' }, {}, 400, /wait must be true or false/],
      ['POST', '/lock?timeout=soon', { session: 's', file: '/x' }, {}, 400, /invalid timeout "soon"/],
      ['POST', '/lock', { session: 's', file: '/x', kind: 'lock' }, {}, 400, /unknown claim kind/],
      ['POST', '/unlock-all', {}, {}, 400, /missing "session"/],
      ['GET', '/nowhere', undefined, {}, 404, /no such endpoint/],
      ['GET', '/lock', undefined, {}, 405, /\/lock takes POST/],
      ['POST', '/status', {}, {}, 405, /\/status takes GET/],
      ['GET', '/health', undefined, { Host: 'attacker.example:9876' }, 403, /loopback names only/],
      ['POST', '/lock', JSON.stringify({ session: 's', file: '/x', pad: 'x'.repeat(70_000) }), {}, 413, /larger than/],
    ];
    for (const [method, route, body, headers, status, message] of cases) {
      const reply = await request(port, method, route, body, headers);
      expect(reply.status, `${method} ${route}`).toBe(status);
      expect(String(reply.body.error), `${method} ${route}`).toMatch(message);
    }
    expect((await request(port, 'GET', '/nowhere')).status).toBe(404);
    expect((await request(port, 'GET', '/lock')).headers.allow).toBe('POST');
    expect(child.exitCode).toBeNull();
    expect((await request(port, 'GET', '/health')).body).toEqual({ ok: true });
  });

  it('grants exactly one long-polling client per release, first come first served, and forgets a client that hangs up', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo);
    const file = '/shared-resource';
    await request(port, 'POST', '/lock', { session: 'holder', file });
    const hangUp = new AbortController();
    const quitter = request(port, 'POST', '/lock?timeout=30s', { session: 'quitter', file }, {}, hangUp.signal).catch(() => 'aborted');
    await until(() => readDb(repo).waiters.length === 1);
    const waiting = [];
    for (const name of ['w1', 'w2', 'w3']) {
      waiting.push(request(port, 'POST', '/lock?timeout=30s', { session: name, file }));
      await until(() => readDb(repo).waiters.length === waiting.length + 1);
    }
    hangUp.abort();
    expect(await quitter).toBe('aborted');
    await until(() => readDb(repo).waiters.length === 3);
    expect(readDb(repo).waiters.map((w) => w.session)).toEqual(['w1', 'w2', 'w3']);

    let holder = 'holder';
    for (const [i, name] of ['w1', 'w2', 'w3'].entries()) {
      await request(port, 'POST', '/unlock', { session: holder, file });
      const reply = await waiting[i]!;
      expect(reply.body).toMatchObject({ granted: true });
      await sleep(150);
      const locks = (await request(port, 'GET', '/status')).body.locks as Array<{ session: string }>;
      expect(locks.map((l) => l.session)).toEqual([name]);
      holder = name;
    }
    expect(readDb(repo).waiters).toEqual([]);
  });

  it('shares claims with the CLI and agents both ways', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo);
    const file = path.join(repo, 'src/shared.ts');
    await request(port, 'POST', '/lock', { session: 'via-http', file });
    const cli = await flc(['claim', 'src/shared.ts', '--json'], { cwd: repo, env: { FLC_SESSION: 'via-cli' } });
    expect(JSON.parse(cli.stdout)).toMatchObject({ granted: false, holder: 'via-http' });
    expect((await flc(['status'], { cwd: repo })).stdout).toMatch(/via-http\s+write\s+src\/shared\.ts/);

    await flc(['claim', 'docs/'], { cwd: repo, env: { FLC_SESSION: 'via-cli' } });
    const http = await request(port, 'POST', '/lock?wait=false', { session: 'via-http', file: path.join(repo, 'docs/guide.md') });
    expect(http.body).toMatchObject({ granted: false, holder: 'via-cli' });
    const locks = (await request(port, 'GET', '/status')).body.locks as Array<{ file: string }>;
    expect(locks.map((l) => l.file).sort()).toEqual([path.join(repo, 'docs') + '/', file]);

    // A setting changed with the CLI reaches the running server.
    await flc(['config', 'set', 'ttl=1m'], { cwd: repo });
    const later = await request(port, 'POST', '/lock', { session: 'via-http', file: 'relative/to/root.ts' });
    expect(Date.parse(String(later.body.expiresAt)) - Date.now()).toBeLessThan(61_000);
    expect(readDb(repo).claims.map((c) => c.path)).toContain('relative/to/root.ts');
  });

  it('stops cleanly on SIGTERM, withdrawing its waiters, and the claims stay', async () => {
    const repo = makeRepo();
    const { port, child, stderr } = await serve(repo);
    await request(port, 'POST', '/lock', { session: 'a', file: '/thing' });
    void request(port, 'POST', '/lock?timeout=30s', { session: 'b', file: '/thing' }).catch(() => undefined);
    await until(() => readDb(repo).waiters.length === 1);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr()).toMatch(/flc serve: stopped/);
    expect(readDb(repo).waiters).toEqual([]);
    expect(readDb(repo).claims.map((c) => c.path)).toEqual(['/thing']);
  });

  it('replays the seed\'s curl examples as written (port 9876)', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo, []);
    expect(port).toBe(9876);
    const sh = (command: string) => spawnSync('sh', ['-c', command], { cwd: repo, encoding: 'utf8' }).stdout;
    expect(JSON.parse(sh('curl http://localhost:9876/health'))).toEqual({ ok: true });
    const lock = JSON.parse(sh(`curl -X POST http://localhost:9876/lock \\
  -H "Content-Type: application/json" \\
  -d '{"session": "test", "file": "/test.txt"}'`));
    expect(lock).toMatchObject({ granted: true, waited: 0 });
    const status = JSON.parse(sh('curl http://localhost:9876/status'));
    expect(status.locks).toEqual([expect.objectContaining({ session: 'test', file: '/test.txt', acquiredAt: expect.any(String) })]);
    const unlock = JSON.parse(sh(`curl -X POST http://localhost:9876/unlock \\
  -H "Content-Type: application/json" \\
  -d '{"session": "test", "file": "/test.txt"}'`));
    expect(unlock).toMatchObject({ ok: true });
  });

  it('refuses a bad port and a port in use', async () => {
    const repo = makeRepo();
    expect((await flc(['serve', '--port', 'http'], { cwd: repo })).code).toBe(2);
    const { port } = await serve(repo);
    const second = await flc(['serve', '--port', String(port)], { cwd: repo });
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  });
});

describe('the seed\'s HTTP hook scripts against flc serve', () => {
  const hooks = path.join(ROOT, 'templates/http-hooks');
  const payload = (repo: string, session: string, file: string) =>
    JSON.stringify({ session_id: session, hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: path.join(repo, file) } });
  const run = (script: string, args: string[], input: string, port: number) =>
    spawnSync(path.join(hooks, script), args, { input, encoding: 'utf8', env: cleanEnv({ FILE_LOCK_PORT: String(port) }) });

  it('lock, refuse with the holder named, and release', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo);
    expect(run('request-lock.sh', ['--wait', '--timeout', '60'], payload(repo, 'A', 'a.ts'), port).status).toBe(0);
    const denied = run('request-lock.sh', ['--wait', '--timeout', '1'], payload(repo, 'B', 'a.ts'), port);
    expect(denied.status).toBe(2);
    expect(denied.stderr).toMatch(/flc: this edit was not made: Timeout waiting for lock: a\.ts is held by A .*\(held by A, waited 1s\)/);
    expect(run('release-lock.sh', [], payload(repo, 'A', 'a.ts'), port).status).toBe(0);
    expect(run('request-lock.sh', ['--wait', '--timeout', '5'], payload(repo, 'B', 'a.ts'), port).status).toBe(0);
    expect(readDb(repo).claims.map((c) => c.session)).toEqual(['B']);
  });

  it('ensure-coordinator.sh starts flc serve when none answers, and fails open when unreachable', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, 'node_modules/.bin'), { recursive: true });
    fs.symlinkSync(FLC, path.join(repo, 'node_modules/.bin/flc'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    try {
      const ensure = spawnSync(path.join(hooks, 'ensure-coordinator.sh'), [], { encoding: 'utf8', env: cleanEnv({ FILE_LOCK_PORT: String(port), CLAUDE_PROJECT_DIR: repo }) });
      expect(ensure.status).toBe(0);
      expect(await request(port, 'GET', '/health')).toMatchObject({ body: { ok: true } });
    } finally {
      spawnSync('pkill', ['-f', `serve --port ${port}`]);
    }
    const unreachable = run('request-lock.sh', ['--wait'], payload(repo, 'A', 'a.ts'), port + 1);
    expect(unreachable.status).toBe(0);
    expect(unreachable.stderr).toMatch(/unreachable/);
  });
});

describe('flc mcp', () => {
  async function connect(repo: string, session: string) {
    const transport = new StdioClientTransport({ command: process.execPath, args: [FLC, 'mcp'], cwd: repo, env: cleanEnv({ FLC_SESSION: session }) as Record<string, string> });
    const client = new Client({ name: 'flc-test', version: '1.0.0' });
    await client.connect(transport);
    return client;
  }

  it('serves the four claim tools, acting for its session, on the shared store', async () => {
    const repo = makeRepo();
    const client = await connect(repo, 'mcp-session');
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['file_claiming_check', 'file_claiming_claim', 'file_claiming_list', 'file_claiming_release']);
      expect(tools.find((t) => t.name === 'file_claiming_claim')!.inputSchema).toMatchObject({ required: ['paths'] });

      const claimed = await client.callTool({ name: 'file_claiming_claim', arguments: { paths: ['src/a.ts', 'docs/'], reason: 'mcp test' } });
      expect(claimed.isError).toBeFalsy();
      expect((claimed.content as Array<{ text: string }>)[0]!.text).toMatch(/^Claimed src\/a\.ts \(write, id c-[0-9a-f]{8}, expires in (?:4m \d+s|5m)\), docs\//);
      expect((await flc(['status'], { cwd: repo })).stdout).toMatch(/mcp-session\s+write\s+src\/a\.ts.*mcp test/);

      await flc(['claim', 'lib/b.ts', '--reason', 'cli work'], { cwd: repo, env: { FLC_SESSION: 'cli-person' } });
      const refused = await client.callTool({ name: 'file_claiming_claim', arguments: { paths: ['lib/b.ts'] } });
      expect(refused.isError).toBe(true);
      expect((refused.content as Array<{ text: string }>)[0]!.text).toMatch(/Not claimed: lib\/b\.ts is held by cli-person[\s\S]*"cli work"/);

      const check = await client.callTool({ name: 'file_claiming_check', arguments: { path: 'lib/b.ts', kind: 'read' } });
      expect((check.content as Array<{ text: string }>)[0]!.text).toBe('lib/b.ts is free for a read claim.');
      const list = await client.callTool({ name: 'file_claiming_list', arguments: {} });
      expect((list.content as Array<{ text: string }>)[0]!.text).toMatch(/src\/a\.ts: write by mcp-session \(you\)/);
      expect((list.structuredContent as { claims: unknown[] }).claims).toHaveLength(3);

      const released = await client.callTool({ name: 'file_claiming_release', arguments: { path: 'src/a.ts' } });
      expect((released.content as Array<{ text: string }>)[0]!.text).toBe('Released src/a.ts.');
      const nothing = await client.callTool({ name: 'file_claiming_release', arguments: { path: 'src/a.ts' } });
      expect(nothing.isError).toBe(true);
      const bad = await client.callTool({ name: 'file_claiming_claim', arguments: { paths: [] } });
      expect(bad.isError).toBe(true);
      expect(readDb(repo).claims.map((c) => c.path).sort()).toEqual(['docs/', 'lib/b.ts']);
    } finally {
      await client.close();
    }
  });

  it('is registered in .mcp.json by flc init --claude --mcp, next to other servers, and removed by --uninstall', async () => {
    const repo = makeRepo();
    const other = { mcpServers: { db: { command: 'db-mcp', args: ['--ro'] } } };
    fs.writeFileSync(path.join(repo, '.mcp.json'), JSON.stringify(other, null, 2) + '\n');
    expect((await flc(['init', '--claude', '--mcp', '--no-guard'], { cwd: repo })).code).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(repo, '.mcp.json'), 'utf8'));
    expect(config.mcpServers).toEqual({ ...other.mcpServers, flc: { command: 'flc', args: ['mcp'] } });
    const text = fs.readFileSync(path.join(repo, '.mcp.json'), 'utf8');
    await flc(['init', '--claude', '--mcp', '--no-guard'], { cwd: repo });
    expect(fs.readFileSync(path.join(repo, '.mcp.json'), 'utf8')).toBe(text);
    await flc(['init', '--uninstall'], { cwd: repo });
    expect(JSON.parse(fs.readFileSync(path.join(repo, '.mcp.json'), 'utf8'))).toEqual(other);
  });
});
