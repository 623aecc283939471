import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Mutex, MutexTimeoutError } from '../../src/store/mutex.js';
import { ROOT, flc, makeRepo, readDb, readEvents, sleep, startFlc, until } from '../helpers.js';

const WORKER = path.join(ROOT, 'tests/fixtures/mutex-worker.mjs');

function worker(args: string[]) {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { child, done, out: () => out };
}

describe('races between processes', () => {
  it('grants exactly one of 16 simultaneous claims on a file, round after round', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const lock = path.join(repo, '.git/flc/db.lock');
    for (let round = 0; round < 4; round++) {
      // Hold the store lock while the 16 processes start, so that they all contend at once
      // when it goes: released cleanly in even rounds, its holder killed in odd ones (then
      // all 16 see a stale lock together and race to break it).
      const holder = worker(['hold', lock]);
      await until(() => holder.out().includes('held'));
      const file = `hot-${round}.ts`;
      const pending = Array.from({ length: 16 }, (_, i) => flc(['claim', file, '--json'], { cwd: repo, env: { FLC_SESSION: `s${round}-${i}` } }));
      await sleep(1500);
      holder.child.kill(round % 2 ? 'SIGKILL' : 'SIGUSR1');
      const results = await Promise.all(pending);
      const granted = results.filter((r) => r.code === 0);
      expect(granted, `round ${round}`).toHaveLength(1);
      expect(results.filter((r) => r.code === 1)).toHaveLength(15);
      const winner = JSON.parse(granted[0]!.stdout).session;
      const held = readDb(repo).claims.filter((c) => c.path === file);
      expect(held.map((c) => c.session)).toEqual([winner]);
      for (const loser of results.filter((r) => r.code === 1)) expect(JSON.parse(loser.stdout).holder).toBe(winner);
    }
    expect(readDb(repo).claims).toHaveLength(4);
  }, 120_000); // 68 process starts: slow on a loaded machine

  it('loses no update when 16 processes claim different files at once', async () => {
    const repo = makeRepo();
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => flc(['claim', `f${i}.ts`], { cwd: repo, env: { FLC_SESSION: `s${i}` } })));
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(readDb(repo).claims.map((c) => c.path).sort()).toEqual(Array.from({ length: 16 }, (_, i) => `f${i}.ts`).sort());
    expect(readEvents(repo).filter((e) => e.event === 'claim:acquired')).toHaveLength(16);
  });

  it('keeps a read-modify-write counter exact across 8 processes (the mutex itself)', async () => {
    const repo = makeRepo();
    const counter = path.join(repo, 'counter');
    fs.writeFileSync(counter, '0');
    const lock = path.join(repo, 'counter.lock');
    const workers = Array.from({ length: 8 }, () => worker(['count', lock, counter, '40']));
    expect(await Promise.all(workers.map((w) => w.done))).toEqual(Array(8).fill(0));
    expect(fs.readFileSync(counter, 'utf8')).toBe('320');
  });

  it('recovers at once from a holder killed while it held the store lock', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const holder = worker(['hold', path.join(repo, '.git/flc/db.lock')]);
    await until(() => holder.out().includes('held'));
    holder.child.kill('SIGKILL');
    await holder.done;
    expect(fs.existsSync(path.join(repo, '.git/flc/db.lock'))).toBe(true);
    const started = Date.now();
    const r = await flc(['claim', 'a.ts'], { cwd: repo });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('does not break a lock whose holder is alive and recent', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const holder = worker(['hold', path.join(repo, '.git/flc/db.lock')]);
    await until(() => holder.out().includes('held'));
    const claim = startFlc(['claim', 'a.ts'], { cwd: repo });
    await sleep(1500);
    expect(readDb(repo).claims).toEqual([]); // still blocked on the live lock
    holder.child.kill('SIGKILL');
    expect((await claim.done).code).toBe(0);
  });
});

describe('waiting', () => {
  it('grants a waiter promptly when the holder releases', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const waiter = startFlc(['claim', 'a.ts', '--wait', '--timeout', '20s', '--json'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    await until(() => readDb(repo).waiters.length === 1);
    expect(readDb(repo).waiters[0]).toMatchObject({ session: 'bob', paths: ['a.ts'] });
    const status = await flc(['status'], { cwd: repo });
    expect(status.stdout).toMatch(/Waiting:[\s\S]*bob\s+write\s+a\.ts/);
    await sleep(300);
    await flc(['release', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const releasedAt = Date.now();
    const result = await waiter.done;
    expect(result.code).toBe(0);
    const granted = JSON.parse(result.stdout);
    expect(granted).toMatchObject({ granted: true, claims: [{ path: 'a.ts', session: 'bob' }] });
    expect(granted.waited).toBeGreaterThanOrEqual(0.3);
    const acquired = readEvents(repo).filter((e) => e.event === 'claim:acquired').at(-1)!;
    expect(Date.parse(acquired.t as string) - releasedAt).toBeLessThan(1000);
    expect(readDb(repo).waiters).toEqual([]);
  });

  it('serves waiters first come, first served', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
    const waiters = [];
    for (const name of ['w1', 'w2', 'w3', 'w4']) {
      waiters.push(startFlc(['claim', 'a.ts', '--wait', '--timeout', '20s'], { cwd: repo, env: { FLC_SESSION: name } }));
      await until(() => readDb(repo).waiters.length === waiters.length);
    }
    // A newcomer that does not wait is refused: the queue is ahead of it.
    const jumper = await flc(['claim', 'a.ts', '--json'], { cwd: repo, env: { FLC_SESSION: 'jumper' } });
    expect(jumper.code).toBe(1);
    let previous = 'holder';
    for (const [i, name] of ['w1', 'w2', 'w3', 'w4'].entries()) {
      await flc(['release', 'a.ts'], { cwd: repo, env: { FLC_SESSION: previous } });
      expect((await waiters[i]!.done).code).toBe(0);
      expect(readDb(repo).claims.map((c) => c.session)).toEqual([name]);
      previous = name;
    }
  });

  it('refuses on timeout with the holder named, and leaves no waiter behind', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts', '--reason', 'long job'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const r = await flc(['claim', 'a.ts', '--wait', '--timeout', '800ms', '--json'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(r.code).toBe(1);
    const refusal = JSON.parse(r.stdout);
    expect(refusal).toMatchObject({ granted: false, holder: 'alice', cause: 'timeout' });
    expect(refusal.error).toMatch(/^Timeout waiting for lock/);
    expect(refusal.waited).toBeGreaterThanOrEqual(0.8);
    expect(readDb(repo).waiters).toEqual([]);
    expect(readEvents(repo).at(-1)).toMatchObject({ event: 'claim:conflicted', cause: 'timeout', holder: { session: 'alice' } });
  });

  it('refuses a wait that would close a cycle, at once, naming it', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    await flc(['claim', 'b.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    const aliceWaits = startFlc(['claim', 'b.ts', '--wait', '--timeout', '20s'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    await until(() => readDb(repo).waiters.length === 1);
    const started = Date.now();
    const bob = await flc(['claim', 'a.ts', '--wait', '--timeout', '20s', '--json'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(bob.code).toBe(1);
    const refusal = JSON.parse(bob.stdout);
    expect(refusal).toMatchObject({ cause: 'deadlock', cycle: ['bob', 'alice', 'bob'] });
    expect(refusal.error).toBe('Deadlock: waiting would close the cycle bob -> alice -> bob');
    // Bob gives way: releasing lets alice through.
    await flc(['release', 'b.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect((await aliceWaits.done).code).toBe(0);
  });

  it('leaves no ghost when a waiter is killed', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const doomed = startFlc(['claim', 'a.ts', '--wait', '--timeout', '30s'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    await until(() => readDb(repo).waiters.length === 1);
    doomed.child.kill('SIGKILL');
    await doomed.done;
    // The dead waiter must not hold back the next one, nor be granted the file.
    await flc(['release', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect((await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'carol' } })).code).toBe(0);
    expect(readDb(repo).waiters).toEqual([]);
    expect(readDb(repo).claims.map((c) => c.session)).toEqual(['carol']);
    expect((await flc(['status', '--json'], { cwd: repo })).stdout).not.toMatch(/"bob"/);
  });

  it('removes its request when interrupted (Ctrl-C)', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const waiter = startFlc(['claim', 'a.ts', '--wait', '--timeout', '30s'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    await until(() => readDb(repo).waiters.length === 1);
    waiter.child.kill('SIGINT');
    const r = await waiter.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Wait cancelled/);
    expect(readDb(repo).waiters).toEqual([]);
  });

  it('grants a queued request for several paths only when all are free', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    await flc(['claim', 'b.ts'], { cwd: repo, env: { FLC_SESSION: 'carol' } });
    const waiter = startFlc(['claim', 'a.ts', 'b.ts', '--wait', '--timeout', '20s'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    await until(() => readDb(repo).waiters.length === 1);
    await flc(['release', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    await sleep(500);
    expect(readDb(repo).claims.filter((c) => c.session === 'bob')).toEqual([]);
    await flc(['release', 'b.ts'], { cwd: repo, env: { FLC_SESSION: 'carol' } });
    expect((await waiter.done).code).toBe(0);
    expect(readDb(repo).claims.map((c) => c.path).sort()).toEqual(['a.ts', 'b.ts']);
  });

  it('hands a file through 8 waiting processes without losing or doubling a grant', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'start' } });
    const waiters = Array.from({ length: 8 }, (_, i) => startFlc(['claim', 'a.ts', '--wait', '--timeout', '30s', '--json'], { cwd: repo, env: { FLC_SESSION: `w${i}` } }));
    await until(() => readDb(repo).waiters.length === 8, 10_000);
    let holder = 'start';
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await flc(['release', 'a.ts'], { cwd: repo, env: { FLC_SESSION: holder } });
      await until(() => {
        const claims = readDb(repo).claims;
        return claims.length === 1 && claims[0]!.session !== holder;
      }, 10_000);
      const claims = readDb(repo).claims;
      expect(claims).toHaveLength(1);
      holder = claims[0]!.session as string;
      order.push(holder);
    }
    expect(new Set(order).size).toBe(8);
    expect((await Promise.all(waiters.map((w) => w.done))).every((r) => r.code === 0)).toBe(true);
  });
});

describe('store lock recovery', () => {
  it('leaves a fresh unreadable lock file alone', async () => {
    const dir = makeRepo();
    const lock = path.join(dir, 'x.lock');
    fs.writeFileSync(lock, 'garbage');
    const mutex = new Mutex(lock, { timeoutMs: 300 });
    await expect(mutex.acquire()).rejects.toBeInstanceOf(MutexTimeoutError);
    expect(fs.readFileSync(lock, 'utf8')).toBe('garbage');
  });

  it('breaks an unreadable lock file once it is old', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const lock = path.join(repo, '.git/flc/db.lock');
    fs.writeFileSync(lock, 'garbage');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    const r = await flc(['claim', 'a.ts'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);
  });
});
