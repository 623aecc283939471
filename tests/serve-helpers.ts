import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { afterEach } from 'vitest';
import { FLC, cleanEnv, until } from './helpers.js';

const servers: ChildProcess[] = [];
afterEach(() => {
  for (const child of servers.splice(0)) child.kill('SIGKILL');
});

export interface Served {
  port: number;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

/**
 * Starts `flc serve` in `repo` and resolves once it listens (or exits). `shell` runs it through
 * `sh -c` with that prefix (e.g. `ulimit -n 256;`). Killed after each test.
 */
export async function serve(repo: string, args: string[] = ['--port', '0'], options: { shell?: string } = {}): Promise<Served> {
  const child = options.shell
    ? spawn('sh', ['-c', `${options.shell} exec "$0" "$@"`, process.execPath, FLC, 'serve', ...args], { cwd: repo, env: cleanEnv() })
    : spawn(process.execPath, [FLC, 'serve', ...args], { cwd: repo, env: cleanEnv() });
  servers.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  await until(() => /listening on http:\/\/[\d.:[\]a-z]+:\d+/.test(out) || child.exitCode !== null, 10_000);
  const port = Number(/:(\d+) for /.exec(out)?.[1]);
  return { port, child, stdout: () => out, stderr: () => err };
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

/** One HTTP request to 127.0.0.1:port; JSON unless `headers` say otherwise (an empty value leaves a header out). */
export function request(port: number, method: string, route: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const sent = Object.fromEntries(Object.entries({ 'Content-Type': 'application/json', ...headers }).filter(([, value]) => value !== ''));
    const req = http.request({ host: '127.0.0.1', port, method, path: route, headers: sent, signal }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : {}, headers: res.headers }));
    });
    req.on('error', reject);
    if (text !== undefined) req.write(text);
    req.end();
  });
}
