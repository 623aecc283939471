import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/coordinator.js';
import { Mutex, MutexTimeoutError } from '../../src/store/mutex.js';
import { FLC, ROOT, cleanEnv, flc, makeRepo, makeTempDir, readDb, readEvents, sleep, until } from '../helpers.js';

const MUTEX_WORKER = path.join(ROOT, 'tests/fixtures/mutex-worker.mjs');
const STORE_WORKER = path.join(ROOT, 'tests/fixtures/store-worker.mjs');

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string | undefined> }) {
  const child = spawn(command, args, { cwd: options.cwd, env: cleanEnv(options.env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { child, done, out: () => stdout };
}

function holdLock(lock: string) {
  return run(process.execPath, [MUTEX_WORKER, 'hold', lock], { cwd: ROOT });
}

/** Whether this machine lets us start a process in a new PID namespace (root, or user namespaces). */
const canUnshare = (() => {
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!canUnshare) console.warn('SKIPPED: PID-namespace tests need `unshare --pid --fork --mount-proc` (root or user namespaces), not allowed here');

/** A node process in a PID namespace of its own, under the same hostname (a container of a pod). */
function inOwnPidNamespace(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }) {
  return run('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, ...args], options);
}

function storeDir(repo: string): string {
  return path.join(repo, '.git/flc');
}

function backdate(file: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  fs.utimesSync(file, then, then);
}

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
}

describe('processes in different PID namespaces (containers of one pod)', () => {
  it.skipIf(!canUnshare)('does not break a live lock whose pid it cannot see', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const holder = holdLock(path.join(storeDir(repo), 'db.lock'));
    await until(() => holder.out().includes('held'));
    const claim = inOwnPidNamespace([FLC, 'claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'inner' } });
    await sleep(2000);
    expect(readDb(repo).claims).toEqual([]); // still waiting for the live holder
    holder.child.kill('SIGUSR1');
    const result = await claim.done;
    expect(result.code, result.stderr).toBe(0);
    expect(readDb(repo).claims.map((c) => c.session)).toEqual(['inner']);
  });

  it.skipIf(!canUnshare)('does not take a waiter whose pid it cannot see for a dead one', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const bob = run(process.execPath, [FLC, 'claim', 'a.ts', '--wait', '--timeout', '20s'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    await until(() => readDb(repo).waiters.length === 1);
    const seen = await inOwnPidNamespace([FLC, 'status', '--json'], { cwd: repo }).done;
    expect(JSON.parse(seen.stdout).waiters.map((w: { session: string }) => w.session)).toEqual(['bob']);
    await inOwnPidNamespace([FLC, 'release', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } }).done;
    expect((await bob.done).code).toBe(0);
  });

  it.skipIf(!canUnshare)('loses no update and never corrupts db.json with writers in three namespaces', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const n = 30;
    const workers = [
      ...['in1', 'in2', 'in3'].map((p) => inOwnPidNamespace([STORE_WORKER, 'claims', repo, p, String(n)], { cwd: repo })),
      ...['out1', 'out2', 'out3'].map((p) => run(process.execPath, [STORE_WORKER, 'claims', repo, p, String(n)], { cwd: repo })),
    ];
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);
    const db = readDb(repo); // parses: not corrupt
    expect(db.claims).toHaveLength(6 * n);
  }, 120_000);
});

describe('a writer frozen between its checks and its write', () => {
  /**
   * Starts `flc claim` as alice, stops it (SIGSTOP) right before its write, and makes its
   * lock 12 s old, as if it had been frozen that long.
   */
  async function freezeWriter(repo: string, args: string[]) {
    const gate = path.join(makeTempDir(), 'go');
    const frozen = run(process.execPath, [FLC, ...args], { cwd: repo, env: { FLC_SESSION: 'alice', FLC_TEST_PAUSE_BEFORE_WRITE: gate } });
    await until(() => fs.existsSync(`${gate}.reached`), 15_000);
    frozen.child.kill('SIGSTOP');
    const lock = path.join(storeDir(repo), 'db.lock');
    const owner = JSON.parse(fs.readFileSync(lock, 'utf8'));
    fs.writeFileSync(lock, JSON.stringify({ ...owner, at: Date.now() - 12_000 }));
    return {
      resume: () => {
        fs.writeFileSync(gate, '');
        frozen.child.kill('SIGCONT');
        return frozen.done;
      },
    };
  }

  it('cannot overwrite the claim another session was granted meanwhile', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const alice = await freezeWriter(repo, ['claim', 'a.ts', '--json']);
    const bob = await flc(['claim', 'a.ts', '--json'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(bob.code, bob.stderr).toBe(0);
    const late = await alice.resume();
    expect(late.code, late.stdout + late.stderr).not.toBe(0); // refused (1) after a retry, or LOCK_COMPROMISED (3)
    noStackTrace(late.stderr);
    expect(readDb(repo).claims.map((c) => `${c.session} ${c.path}`)).toEqual(['bob a.ts']);
  });

  it('loses no claim: the frozen one retries on the new state or fails', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const alice = await freezeWriter(repo, ['claim', 'a.ts']);
    const bob = await flc(['claim', 'b.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(bob.code, bob.stderr).toBe(0);
    const late = await alice.resume();
    const held = readDb(repo).claims.map((c) => `${c.session} ${c.path}`).sort();
    expect(held).toContain('bob b.ts');
    if (late.code === 0) expect(held).toEqual(['alice a.ts', 'bob b.ts']);
    else expect(held).toEqual(['bob b.ts']);
  });
});

describe('validation of the whole store', () => {
  const validClaim = {
    id: 'c-0123abcd',
    session: 'alice',
    path: 'a.ts',
    kind: 'write',
    worktree: '/tmp/x',
    acquiredAt: new Date().toISOString(),
    renewedAt: new Date().toISOString(),
    expiresAt: null,
    ttlMs: null,
  };

  it('refuses bad entries clearly, doctor sees them, and --repair keeps every valid one', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const dbPath = path.join(storeDir(repo), 'db.json');
    const session = { id: 'alice', firstSeen: validClaim.acquiredAt, lastSeen: validClaim.acquiredAt, pid: 42, host: 'h' };
    const original = {
      version: 1,
      claims: [validClaim, { ...validClaim, id: 'c-0000ffff', session: 'mallory', path: 'w.ts', kind: 'WRITE' }],
      waiters: [null],
      sessions: [session, 42],
      nextSeq: 1,
      snapshots: [{ ref: 'refs/flc/x' }],
    };
    fs.writeFileSync(dbPath, JSON.stringify(original));

    const claim = await flc(['claim', 'w.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(claim.code).toBe(3);
    expect(claim.stderr).toMatch(/waiters\[0\]/);
    noStackTrace(claim.stderr);

    const doctor = await flc(['doctor'], { cwd: repo });
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toMatch(/FAIL\s+db\.json/);

    const repair = await flc(['doctor', '--repair'], { cwd: repo });
    expect(repair.code, repair.stdout + repair.stderr).toBe(0);
    const db = readDb(repo) as unknown as typeof original;
    expect(db.claims).toEqual([validClaim]);
    expect(db.waiters).toEqual([]);
    expect(db.sessions).toEqual([session]);
    expect(db.snapshots).toEqual(original.snapshots); // a newer top-level list is kept as it is
    const aside = fs.readdirSync(storeDir(repo)).filter((f) => f.startsWith('db.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(storeDir(repo), aside[0]!), 'utf8'))).toEqual(original);
    expect(readEvents(repo).at(-1)).toMatchObject({ event: 'store:repaired' });
    expect(String(readEvents(repo).at(-1)!.detail)).toMatch(/waiters\[0\]/);

    expect((await flc(['doctor'], { cwd: repo })).code).toBe(0);
    const bob = await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(bob.code).toBe(1); // alice's valid claim survived the repair
  });

  it('accepts optional fields and top-level lists other versions add', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const now = new Date().toISOString();
    fs.writeFileSync(
      path.join(storeDir(repo), 'db.json'),
      JSON.stringify({ version: 1, claims: [{ ...validClaim, note: 'x' }], waiters: [], sessions: [{ id: 'alice', firstSeen: now, lastSeen: now, pid: 7, host: 'h' }], nextSeq: 3, snapshots: [] }),
    );
    expect((await flc(['doctor'], { cwd: repo })).code).toBe(0);
    expect((await flc(['claim', 'b.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
    expect((readDb(repo) as unknown as { snapshots: unknown[] }).snapshots).toEqual([]);
  });
});

describe('the journal is written after the store', () => {
  it('a journal that cannot be appended to is a warning, not a failed claim', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const journal = path.join(storeDir(repo), 'events.jsonl');
    fs.rmSync(journal, { force: true });
    fs.mkdirSync(journal); // appending fails (EISDIR), as it would with EACCES
    const r = await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning:.*journal/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readDb(repo).claims.map((c) => c.session)).toEqual(['alice']);
    const doctor = await flc(['doctor'], { cwd: repo });
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toMatch(/FAIL\s+journal/);
  });

  it('a journal that cannot be rotated is a warning, not a failed claim', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'journalMaxBytes=4kb'], { cwd: repo });
    fs.writeFileSync(path.join(storeDir(repo), 'events.jsonl'), 'x'.repeat(5000) + '\n');
    fs.mkdirSync(path.join(storeDir(repo), 'events.1.jsonl', 'sub'), { recursive: true });
    const r = await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning:.*journal/);
    expect(readDb(repo).claims).toHaveLength(1);
  });
});

describe('ttl rules', () => {
  it('refuses a ttl under one second; 0 and never mean no expiry', async () => {
    const repo = makeRepo();
    for (const ttl of ['0s', '1ms', '999ms', '0m']) {
      const r = await flc(['claim', 'a.ts', '--ttl', ttl], { cwd: repo });
      expect(r.code, ttl).toBe(2);
      expect(r.stderr).toMatch(/at least 1s/);
    }
    expect(fs.existsSync(path.join(storeDir(repo), 'db.json')) ? readDb(repo).claims : []).toEqual([]);
    const never = await flc(['claim', 'a.ts', '--ttl', '0'], { cwd: repo });
    expect(never.code).toBe(0);
    expect(never.stdout).not.toMatch(/expired/);
    expect(readDb(repo).claims[0]!.expiresAt).toBeNull();
    expect((await flc(['claim', 'b.ts', '--ttl', 'never'], { cwd: repo })).code).toBe(0);
    expect((await flc(['claim', 'c.ts', '--ttl', '1s'], { cwd: repo })).code).toBe(0);
    expect((await flc(['config', 'set', 'ttl=500ms'], { cwd: repo })).code).toBe(2);
  });
});

describe('store lock hygiene', () => {
  it('a stale lock plus a stale breaker of a dead process cost nothing', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const lock = path.join(storeDir(repo), 'db.lock');
    const holder = holdLock(lock);
    await until(() => holder.out().includes('held'));
    holder.child.kill('SIGKILL');
    await holder.done;
    const owner = JSON.parse(fs.readFileSync(lock, 'utf8'));
    fs.writeFileSync(`${lock}.break`, JSON.stringify({ ...owner, nonce: `${owner.nonce}-breaker` })); // its breaker died too
    const started = Date.now();
    const r = await flc(['claim', 'a.ts'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a live breaker does not make an acquirer spin past its timeout', async () => {
    const dir = makeTempDir();
    const lock = path.join(dir, 'x.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: 999_999_999, host: os.hostname(), nonce: 'dead-1', at: Date.now() - 60_000 }));
    fs.writeFileSync(`${lock}.break`, JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: 'live-1', at: Date.now() }));
    const started = Date.now();
    await expect(new Mutex(lock, { timeoutMs: 500 }).acquire()).rejects.toBeInstanceOf(MutexTimeoutError);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a foreign lock dated in the future goes stale (clock skew is bounded)', async () => {
    const dir = makeTempDir();
    const lock = path.join(dir, 'x.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'another-host', nonce: 'skewed-1', at: Date.now() + 3_600_000 }));
    const held = await new Mutex(lock, { staleMs: 300, timeoutMs: 5000 }).acquire();
    held.release();
  });

  it('a long-lived process that opens a Coordinator per call keeps one stage directory, not one per call', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    for (let i = 0; i < 20; i++) {
      const coordinator = Coordinator.open(repo); // as `flc mcp` does for each hook call
      expect((await coordinator.claim({ session: 's', paths: [`f${i}.txt`] })).granted).toBe(true);
    }
    const stages = fs.readdirSync(path.join(repo, '.git', 'flc')).filter((name) => name.startsWith('db.lock.'));
    expect(stages).toHaveLength(1);
    expect(stages[0]).toMatch(new RegExp(`^db\\.lock\\.${process.pid.toString(16)}-`));
  });

  it('cleans temp files left by killed processes, and doctor reports them', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const dir = storeDir(repo);
    // What kill -9 leaves: lock temp files (old and new form), an abandoned lock staging
    // directory, and db.json temp files.
    const leftovers = ['db.lock.1a2b-0123456789abcdef', 'db.lock.3c4d-fedcba9876543210', '.db.json.tmp', 'db.json.1234.abcdef01.tmp'];
    fs.mkdirSync(path.join(dir, leftovers[1]!));
    fs.writeFileSync(path.join(dir, leftovers[1]!, 'owner.json'), '{}');
    for (const name of leftovers) {
      if (!fs.existsSync(path.join(dir, name))) fs.writeFileSync(path.join(dir, name), '{}');
      backdate(path.join(dir, name), 60_000);
    }
    // And a breaker's lock left by a process killed while it broke a stale lock.
    fs.writeFileSync(path.join(dir, 'db.lock.break'), JSON.stringify({ pid: 999_999_999, host: os.hostname(), nonce: 'dead-breaker', at: Date.now() - 60_000 }));
    backdate(path.join(dir, 'db.lock.break'), 60_000);
    const doctor = await flc(['doctor'], { cwd: repo });
    expect(doctor.stdout).toMatch(/4 leftover/);
    expect((await flc(['claim', 'a.ts'], { cwd: repo })).code).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => leftovers.includes(f) || f === 'db.lock.break')).toEqual([]);
  });

  it('leaves nothing behind after processes are killed mid-transaction', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const dir = storeDir(repo);
    for (let i = 0; i < 30; i++) {
      const victim = run(process.execPath, [FLC, 'claim', `f${i}.ts`], { cwd: repo, env: { FLC_SESSION: `s${i}` } });
      await sleep(60 + Math.random() * 120);
      victim.child.kill('SIGKILL');
      await victim.done;
    }
    const temps = () => fs.readdirSync(dir).filter((f) => f.startsWith('db.lock') || f.endsWith('.tmp'));
    for (const name of temps()) backdate(path.join(dir, name), 60_000);
    const r = await flc(['claim', 'z.ts'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(temps()).toEqual([]);
    readDb(repo); // still valid JSON
  }, 60_000);
});

describe('db.json as a symlink', () => {
  it('is refused clearly, never replaced by a file', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const dir = storeDir(repo);
    fs.renameSync(path.join(dir, 'db.json'), path.join(dir, 'real.json'));
    fs.symlinkSync('real.json', path.join(dir, 'db.json'));
    const before = fs.readFileSync(path.join(dir, 'real.json'), 'utf8');
    const r = await flc(['claim', 'a.ts'], { cwd: repo });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/symbolic link/);
    noStackTrace(r.stderr);
    expect(fs.lstatSync(path.join(dir, 'db.json')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'real.json'), 'utf8')).toBe(before);
    const doctor = await flc(['doctor'], { cwd: repo });
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toMatch(/symbolic link/);
  });
});
