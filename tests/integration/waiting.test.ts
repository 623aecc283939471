import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/index.js';
import { flc, makeRepo, readDb, readEvents, sleep, startFlc, until } from '../helpers.js';
import { request, serve } from '../serve-helpers.js';

/** `count` store writes that have nothing to do with `busy`, a little apart so each wakes a watcher. */
async function unrelatedChanges(repo: string, count: number): Promise<void> {
  const other = Coordinator.open(repo);
  for (let i = 0; i < count; i++) {
    await other.claim({ session: 'bystander', paths: [`elsewhere/f${i}.ts`] });
    await sleep(60);
  }
}

describe('waiting costs nothing per store change', () => {
  it('flc claim --wait sits through many store changes without a listener leak (no MaxListenersExceededWarning)', async () => {
    const repo = makeRepo();
    await flc(['claim', 'busy.ts'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
    const waiter = startFlc(['claim', 'busy.ts', '--wait', '--timeout', '120s'], { cwd: repo, env: { FLC_SESSION: 'waiter' } });
    await until(() => readDb(repo).waiters.length === 1, 20_000);
    await unrelatedChanges(repo, 16);
    await sleep(1500); // and some ticks without a change
    await flc(['release', 'busy.ts'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
    const result = await waiter.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/claimed/);
    expect(result.stderr).not.toMatch(/MaxListeners|Warning/);
  }, 90_000);

  it('flc serve long-polls leave no listener behind', async () => {
    const repo = makeRepo();
    const { port, stderr } = await serve(repo);
    await request(port, 'POST', '/lock', { session: 'holder', file: '/busy' });
    const polls = [request(port, 'POST', '/lock?timeout=120s', { session: 'w1', file: '/busy' })];
    await until(() => readDb(repo).waiters.length === 1, 20_000);
    await unrelatedChanges(repo, 16);
    await request(port, 'POST', '/unlock', { session: 'holder', file: '/busy' });
    expect((await polls[0]!).body).toMatchObject({ granted: true });
    await sleep(200);
    expect(stderr()).not.toMatch(/MaxListeners|Warning/);
  }, 90_000);

  it('one process with many waiters runs a transaction only for the waiter that can be granted', async () => {
    const repo = makeRepo();
    const coordinator = Coordinator.open(repo);
    await coordinator.claim({ session: 'holder', paths: ['hot.ts'] });
    // Count this coordinator's store transactions (the real store; only counted).
    let transactions = 0;
    const transaction = coordinator.store.transaction.bind(coordinator.store);
    coordinator.store.transaction = ((body: Parameters<typeof transaction>[0]) => {
      transactions++;
      return transaction(body);
    }) as typeof coordinator.store.transaction;
    const waiting = Array.from({ length: 30 }, (_, i) => coordinator.claim({ session: `w${i}`, paths: ['hot.ts'], wait: true, timeoutMs: 120_000 }));
    await until(() => readDb(repo).waiters.length === 30, 30_000);
    await sleep(300);
    transactions = 0;
    await unrelatedChanges(repo, 10);
    await sleep(1500);
    expect(transactions).toBeLessThan(5); // before: every waiter, at every change and every second
    await Coordinator.open(repo).release({ session: 'holder', targets: ['hot.ts'] });
    const first = await waiting[0]!;
    expect(first.granted).toBe(true);
    await sleep(300);
    expect(transactions).toBeLessThan(8);
    for (const [i, pending] of waiting.entries()) {
      if (i > 0) {
        await coordinator.release({ session: `w${i - 1}`, targets: ['hot.ts'] });
        expect((await pending).granted).toBe(true);
      }
    }
    expect(readDb(repo).waiters).toEqual([]);
  }, 120_000);
});

describe('a stopped waiter (Ctrl-Z) does not keep a free file from everyone', () => {
  it('loses its place once it leaves the free file untaken, the next waiter gets it, and it queues again when resumed', async () => {
    const repo = makeRepo();
    await flc(['claim', 'shared.ts'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
    const first = startFlc(['claim', 'shared.ts', '--wait', '--timeout', '180s'], { cwd: repo, env: { FLC_SESSION: 'stopped' } });
    await until(() => readDb(repo).waiters.length === 1, 20_000);
    const second = startFlc(['claim', 'shared.ts', '--wait', '--timeout', '180s'], { cwd: repo, env: { FLC_SESSION: 'next' } });
    await until(() => readDb(repo).waiters.length === 2, 20_000);
    first.child.kill('SIGSTOP');
    try {
      await flc(['release', 'shared.ts'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
      const granted = await Promise.race([second.done, sleep(60_000).then(() => null)]);
      expect(granted, 'the next waiter was not granted while the first one was stopped').not.toBeNull();
      expect(granted!.code).toBe(0);
      expect(readDb(repo).claims.map((c) => c.session)).toEqual(['next']);
      const skipped = readEvents(repo).filter((e) => e.event === 'claim:skipped');
      expect(skipped).toEqual([expect.objectContaining({ session: 'stopped', path: 'shared.ts', cause: 'stalled' })]);
    } finally {
      first.child.kill('SIGCONT');
    }
    // Resumed, it queues again (at the back) and gets the file after the one that took it.
    await until(() => readDb(repo).waiters.some((w) => w.session === 'stopped'), 20_000);
    await flc(['release', 'shared.ts'], { cwd: repo, env: { FLC_SESSION: 'next' } });
    expect((await first.done).code).toBe(0);
    expect(readDb(repo).claims.map((c) => c.session)).toEqual(['stopped']);
  }, 150_000);

  it('a claim without --wait gets a free file that a stopped waiter leaves untaken', async () => {
    const repo = makeRepo();
    await flc(['claim', 'shared.ts'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
    const stopped = startFlc(['claim', 'shared.ts', '--wait', '--timeout', '180s'], { cwd: repo, env: { FLC_SESSION: 'stopped' } });
    await until(() => readDb(repo).waiters.length === 1, 20_000);
    stopped.child.kill('SIGSTOP');
    try {
      await flc(['release', 'shared.ts'], { cwd: repo, env: { FLC_SESSION: 'holder' } });
      const refused = await flc(['claim', 'shared.ts'], { cwd: repo, env: { FLC_SESSION: 'direct' } });
      expect(refused.code).toBe(1); // at first it is still the stopped waiter's turn
      expect(refused.stderr).toMatch(/wanted first by stopped/);
      const end = Date.now() + 60_000;
      let code = 1;
      while (code !== 0 && Date.now() < end) {
        await sleep(1000);
        code = (await flc(['claim', 'shared.ts'], { cwd: repo, env: { FLC_SESSION: 'direct' } })).code;
      }
      expect(code).toBe(0);
    } finally {
      stopped.child.kill('SIGCONT');
    }
    await flc(['release', 'shared.ts'], { cwd: repo, env: { FLC_SESSION: 'direct' } });
    expect((await stopped.done).code).toBe(0);
  }, 150_000);
});
