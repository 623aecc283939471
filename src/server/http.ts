import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Coordinator } from '../coordinator.js';
import { parseDuration, parseTtl } from '../core/duration.js';
import { isFlcError } from '../core/errors.js';
import { parseKind } from '../core/kinds.js';
import type { Claim } from '../core/types.js';
import { validateSession } from '../identity.js';

/**
 * The HTTP lock API of the original File Lock Coordinator (seed 000), on flc's shared store:
 * same paths, query parameters, bodies and response shapes, so its hook scripts and curl
 * examples work unchanged. Extra fields (kind, ttl, reason, expiresAt, id) ride along.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A request's headers and body must arrive within this time (a slow or stalled client cannot
 * hold a connection); a long-poll that is *waiting* for a grant has read its body already and
 * stays open for its own `timeout`. A connection that sends nothing is closed as idle.
 */
export const REQUEST_TIMEOUT_MS = 5_000;
export const IDLE_TIMEOUT_MS = 5_000;

export interface LockServerOptions {
  /** Answer Host names beyond loopback (IP literals, this machine's name): `flc serve --allow-remote`. */
  allowRemote?: boolean;
  /** Open connections at most; more are dropped at once. Default: from the process's file limit. */
  maxConnections?: number;
}

export interface LockServer {
  server: http.Server;
  /** Ends pending long-polls (their requests are withdrawn from the queue) and closes the server. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

const ROUTES: Record<string, string> = { '/health': 'GET', '/lock': 'POST', '/unlock': 'POST', '/unlock-all': 'POST', '/status': 'GET' };

export function createLockServer(coordinator: Coordinator, options: LockServerOptions = {}): LockServer {
  const pending = new Set<AbortController>();
  const allowRemote = options.allowRemote ?? false;
  const server = http.createServer({ headersTimeout: REQUEST_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 }, (req, res) => {
    // From here requestTimeout bounds the body; the idle timer would cut a waiting long-poll.
    req.socket.setTimeout(0);
    handle(coordinator, req, res, pending, allowRemote).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : isFlcError(error) && error.exitCode === 2 ? 400 : 500;
      const headers = error instanceof HttpError ? error.headers : {};
      const message = error instanceof Error ? error.message : String(error);
      send(res, status, { error: message }, headers);
    });
  });
  server.timeout = IDLE_TIMEOUT_MS; // a connection that never sends a request
  server.maxConnections = options.maxConnections ?? defaultMaxConnections();
  return {
    server,
    close: () =>
      new Promise((resolve) => {
        for (const controller of pending) controller.abort();
        server.close(() => resolve());
        // Answered long-polls leave keep-alive connections behind: close them once idle, and
        // any that are not after a short grace.
        setImmediate(() => server.closeIdleConnections());
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}

async function handle(coordinator: Coordinator, req: http.IncomingMessage, res: http.ServerResponse, pending: Set<AbortController>, allowRemote: boolean): Promise<void> {
  checkHost(req.headers.host, allowRemote);
  checkCrossSite(req, allowRemote);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = ROUTES[url.pathname];
  if (!method) throw new HttpError(404, `no such endpoint: ${url.pathname}`);
  if (req.method !== method) throw new HttpError(405, `${url.pathname} takes ${method}`, { Allow: method });
  if (method === 'POST') checkJsonContentType(req.headers['content-type']);

  switch (url.pathname) {
    case '/health':
      return send(res, 200, { ok: true });
    case '/status':
      return send(res, 200, { locks: coordinator.status().claims.map((c) => lockView(coordinator, c)) });
    case '/lock': {
      const body = await readJson(req);
      const session = requireSession(body);
      const file = requireString(body, 'file');
      const wait = parseBool(url.searchParams.get('wait'), true);
      const timeoutMs = parseDuration(url.searchParams.get('timeout') ?? '60s', 'timeout');
      const kind = body.kind === undefined ? 'write' : parseKind(String(body.kind));
      const ttlMs = body.ttl === undefined ? undefined : parseTtl(String(body.ttl));
      const reason = body.reason === undefined ? undefined : String(body.reason);
      const controller = new AbortController();
      pending.add(controller);
      // A client that hangs up while waiting takes its place in the queue with it.
      res.on('close', () => {
        if (!res.writableEnded) controller.abort();
      });
      try {
        const result = await coordinator.claim({ session, paths: [file], literal: true, kind, ttlMs, reason, wait, timeoutMs, signal: controller.signal, external: true, cwd: coordinator.repo.root });
        if (controller.signal.aborted && res.destroyed) return;
        if (result.granted) {
          const claim = result.claims[0]!;
          return send(res, 200, { granted: true, waited: result.waited, id: claim.id, kind: claim.kind, expiresAt: claim.expiresAt });
        }
        return send(res, 200, { granted: false, holder: result.holder, error: result.error, waited: result.waited, cause: result.cause, conflicts: result.conflicts });
      } finally {
        pending.delete(controller);
      }
    }
    case '/unlock': {
      const body = await readJson(req);
      const session = requireSession(body);
      const file = requireString(body, 'file');
      try {
        const result = await coordinator.release({ session, targets: [file], literal: true, external: true, cwd: coordinator.repo.root });
        return send(res, 200, { ok: true, count: result.released.length });
      } catch (error) {
        if (isFlcError(error) && error.code === 'REFUSED') return send(res, 409, { ok: false, error: error.message });
        throw error;
      }
    }
    case '/unlock-all': {
      const body = await readJson(req);
      const session = requireSession(body);
      const result = await coordinator.release({ session, all: true });
      return send(res, 200, { count: result.released.length });
    }
  }
}

/**
 * DNS rebinding defence: a browser tricked into calling us sends a foreign Host. With
 * `--allow-remote`, IP literals and this machine's name are answered too (a rebinding attack
 * needs a DNS name the attacker controls).
 */
function checkHost(host: string | undefined, allowRemote: boolean): void {
  if (!host) throw new HttpError(400, 'missing Host header');
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  if (!acceptedHostName(name, allowRemote)) {
    throw new HttpError(403, `refusing Host ${host}: flc serve answers ${allowRemote ? 'loopback names, IP addresses and this machine\'s name' : 'loopback names'} only`);
  }
}

export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name === '[::1]' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

function acceptedHostName(name: string, allowRemote: boolean): boolean {
  if (isLoopbackName(name)) return true;
  if (!allowRemote) return false;
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-f:.]+\]$/i.test(name) || name.toLowerCase() === os.hostname().toLowerCase();
}

/**
 * CSRF defence. A web page can make a browser send a "simple" POST (text/plain, no preflight)
 * to any port; browsers mark it with its `Origin` and `Sec-Fetch-Site`. Only requests with no
 * Origin (curl, hook scripts, agents) or from this server's own origin are answered.
 */
function checkCrossSite(req: http.IncomingMessage, allowRemote: boolean): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, `refusing a ${site} request from a web page: flc serve answers its own origin only`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let url: URL | null = null;
  try {
    url = new URL(origin);
  } catch {
    // "null" (sandboxed frames, file: pages) or garbage: foreign
  }
  const port = url ? Number(url.port || (url.protocol === 'https:' ? 443 : 80)) : -1;
  if (!url || url.protocol !== 'http:' || port !== req.socket.localPort || !acceptedHostName(url.hostname, allowRemote)) {
    throw new HttpError(403, `refusing a request from the web page origin ${origin}: flc serve answers its own origin only`);
  }
}

/** A cross-site form or fetch can only send text/plain, form or multipart bodies without a preflight. */
function checkJsonContentType(type: string | undefined): void {
  const mediaType = type?.split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new HttpError(415, `POST bodies must be JSON with "Content-Type: application/json"${type ? `, not "${type}"` : ''}`);
  }
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, { Connection: 'close' }));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return reject(new HttpError(400, 'request body is not valid JSON'));
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) return reject(new HttpError(400, 'request body must be a JSON object'));
      resolve(body as Record<string, unknown>);
    });
  });
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw new HttpError(400, `missing "${field}" (a non-empty string)`);
  if (value.length > 4096 || value.includes('\0')) throw new HttpError(400, `"${field}" is not acceptable`);
  return value;
}

/** A session id by the CLI's own rule (validateSession), so every front door accepts the same ids. */
function requireSession(body: Record<string, unknown>): string {
  return validateSession(requireString(body, 'session'));
}

/**
 * Each connection takes a file descriptor: stay well below the process's limit so the store,
 * the journal and git keep theirs (Linux reports it; elsewhere a fixed cap).
 */
export function defaultMaxConnections(): number {
  let limit = Infinity;
  try {
    const match = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (match) limit = Number(match[1]);
  } catch {
    // not Linux
  }
  return Math.max(16, Math.min(1024, limit - 64));
}

function parseBool(value: string | null, fallback: boolean): boolean {
  if (value === null || value === '') return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new HttpError(400, `wait must be true or false, not "${value}"`);
}

/** A claim as the seed API shows it: `file` is an absolute path (or the external name itself). */
function lockView(coordinator: Coordinator, claim: Claim) {
  const file = claim.path.startsWith('/') ? claim.path : path.join(coordinator.repo.root, claim.path);
  return {
    session: claim.session,
    file,
    acquiredAt: claim.acquiredAt,
    id: claim.id,
    kind: claim.kind,
    expiresAt: claim.expiresAt,
    ...(claim.agent ? { agent: claim.agent } : {}),
    ...(claim.reason ? { reason: claim.reason } : {}),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
