import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { flc, makeRepo, sleep } from '../helpers.js';
import { request, serve } from '../serve-helpers.js';

/** A raw connection that sends `text` and then nothing more; resolves when the server closes it. */
function stall(port: number, text: string): { closed: Promise<string>; socket: net.Socket } {
  const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
  let answer = '';
  socket.on('data', (d) => (answer += d));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(answer.split('\r\n')[0] ?? '')));
  return { closed, socket };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what}: still open after ${ms} ms`)))]);
}

const lockBody = JSON.stringify({ session: 'victim', file: '**', kind: 'exclusive', ttl: 'none' });

describe('flc serve refuses cross-site requests', () => {
  it('takes POST bodies only as application/json (a web page can send text/plain, forms and multipart without a preflight)', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo);
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const reply = await request(port, 'POST', '/lock?wait=false', lockBody, { 'Content-Type': type });
      expect(reply.status, type || 'no Content-Type').toBe(415);
      expect(String(reply.body.error)).toMatch(/Content-Type: application\/json/);
    }
    expect((await request(port, 'GET', '/status')).body).toEqual({ locks: [] });

    const charset = await request(port, 'POST', '/lock?wait=false', lockBody, { 'Content-Type': 'application/json; charset=utf-8' });
    expect(charset.body).toMatchObject({ granted: true });
    for (const route of ['/unlock-all', '/unlock']) {
      const reply = await request(port, 'POST', route, JSON.stringify({ session: 'victim', file: '**' }), { 'Content-Type': 'text/plain' });
      expect(reply.status, route).toBe(415);
    }
    expect(((await request(port, 'GET', '/status')).body.locks as unknown[]).length).toBe(1);
  });

  it('refuses requests from other origins, answers its own and those without one', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo);
    const foreign: Array<Record<string, string>> = [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Origin: 'http://localhost:3000' }, // another local site: same site, not same origin
      { Origin: `https://127.0.0.1:${port}` },
      { Origin: `http://attacker.example:${port}` },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ];
    for (const headers of foreign) {
      for (const [method, route] of [['POST', '/lock?wait=false'], ['POST', '/unlock-all'], ['GET', '/status']] as const) {
        const reply = await request(port, method, route, method === 'POST' ? lockBody : undefined, headers);
        expect(reply.status, `${JSON.stringify(headers)} ${route}`).toBe(403);
        expect(String(reply.body.error)).toMatch(/own origin only/);
      }
    }
    expect((await request(port, 'GET', '/status')).body).toEqual({ locks: [] });
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const reply = await request(port, 'POST', '/lock?wait=false', { session: 'page', file: '/x' }, { Origin: origin, 'Sec-Fetch-Site': 'same-origin' });
      expect(reply.body, origin).toMatchObject({ granted: true });
    }
    expect((await request(port, 'POST', '/unlock-all', { session: 'page' })).body).toEqual({ count: 1 });
  });

  it('accepts exactly the session ids the CLI accepts', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo);
    for (const session of ['line\nbreak', 'tab\there', 'x'.repeat(201)]) {
      for (const route of ['/lock', '/unlock', '/unlock-all']) {
        const reply = await request(port, 'POST', route, { session, file: '/x' });
        expect(reply.status, `${route} ${JSON.stringify(session)}`).toBe(400);
        expect(String(reply.body.error)).toMatch(/session id (contains control characters|is longer than 200 characters)/);
      }
      const cli = await flc(['claim', '/tmp/x', '--session', session], { cwd: repo });
      expect(cli.code).toBe(2);
    }
    expect((await request(port, 'POST', '/lock', { session: 'x'.repeat(200), file: '/x' })).body).toMatchObject({ granted: true });
  });

  it('refuses a non-loopback --host unless --allow-remote says so', async () => {
    const repo = makeRepo();
    const refused = await flc(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: repo });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0: the HTTP lock API has no authentication/);
    expect(refused.stderr).toMatch(/hint: .*--allow-remote/);

    const { port, stderr } = await serve(repo, ['--host', '0.0.0.0', '--port', '0', '--allow-remote']);
    expect(port).toBeGreaterThan(0);
    expect((await request(port, 'GET', '/health')).body).toEqual({ ok: true });
    expect(stderr()).toMatch(/--allow-remote: anyone who can reach 0\.0\.0\.0:\d+ can take and drop claims/);
    // Still no DNS rebinding: a name is answered only if it is loopback or this machine's.
    expect((await request(port, 'GET', '/health', undefined, { Host: `attacker.example:${port}` })).status).toBe(403);
    expect((await request(port, 'GET', '/health', undefined, { Host: `10.1.2.3:${port}` })).status).toBe(200);
  });
});

describe('flc serve keeps its connections for clients that are waiting, not for stalled ones', () => {
  it('closes a connection whose body, headers or first request does not arrive', async () => {
    const repo = makeRepo();
    const { port, child } = await serve(repo);
    const body = stall(port, 'POST /lock HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"session"');
    const headers = stall(port, 'POST /lock HTTP/1.1\r\nHost: localhost\r\n');
    const idle = stall(port, '');
    try {
      expect(await within(body.closed, 30_000, 'slow body')).toMatch(/408|^$/);
      expect(await within(headers.closed, 30_000, 'slow headers')).toMatch(/408|^$/);
      await within(idle.closed, 30_000, 'idle connection');
    } finally {
      for (const s of [body, headers, idle]) s.socket.destroy();
    }
    expect(child.exitCode).toBeNull();
  }, 60_000);

  it('keeps a long-poll open while it waits, past the request timeout', async () => {
    const repo = makeRepo();
    const { port } = await serve(repo);
    await request(port, 'POST', '/lock', { session: 'holder', file: '/res' });
    const waiting = request(port, 'POST', '/lock?timeout=60s', { session: 'waiter', file: '/res' });
    await sleep(8000); // more than the 5 s request timeout and its 1 s check
    await request(port, 'POST', '/unlock', { session: 'holder', file: '/res' });
    expect((await waiting).body).toMatchObject({ granted: true });
  });

  it('survives 300 stalled clients with 256 file descriptors and answers again', async () => {
    const repo = makeRepo();
    const { port, child } = await serve(repo, ['--port', '0'], { shell: 'ulimit -n 256 &&' });
    expect(port).toBeGreaterThan(0);
    const stalled = Array.from({ length: 300 }, () => stall(port, 'POST /lock HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{'));
    try {
      await sleep(500);
      const end = Date.now() + 40_000;
      let health: unknown = null;
      while (health === null && Date.now() < end) {
        health = await within(request(port, 'GET', '/health'), 2000, 'health').then((reply) => reply.body, () => null);
        if (health === null) await sleep(250);
      }
      expect(health).toEqual({ ok: true });
      expect(child.exitCode).toBeNull();
    } finally {
      for (const s of stalled) s.socket.destroy();
    }
  }, 60_000);
});
