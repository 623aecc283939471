import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flc, git, makeRepo, makeTempDir, readDb, readEvents, sleep } from '../helpers.js';

describe('flc claim / release / status / check', () => {
  it('grants, refuses with the holder named, and frees on release', async () => {
    const repo = makeRepo();
    const a = await flc(['claim', 'src/app.ts', '--reason', 'refactor'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/claimed write src\/app\.ts/);

    const b = await flc(['claim', 'src/app.ts', '--json'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(b.code).toBe(1);
    const refusal = JSON.parse(b.stdout);
    expect(refusal).toMatchObject({ granted: false, holder: 'alice', waited: 0, cause: 'conflict' });
    expect(refusal.error).toMatch(/src\/app\.ts is held by alice/);
    expect(refusal.conflicts[0]).toMatchObject({ session: 'alice', kind: 'write', path: 'src/app.ts', reason: 'refactor' });

    const text = await flc(['claim', 'src/app.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/held by alice, write, for .*expires in .*"refactor"/);

    const status = await flc(['status'], { cwd: repo });
    expect(status.stdout).toMatch(/HOLDER\s+KIND\s+PATH\s+AGE\s+EXPIRES IN\s+REASON/);
    expect(status.stdout).toMatch(/alice\s+write\s+src\/app\.ts\s+\S+\s+4m 5\ds\s+refactor/);

    expect((await flc(['check', 'src/app.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(1);
    expect((await flc(['check', 'src/app.ts', '--kind', 'read'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
    expect((await flc(['check', 'src/app.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } })).code).toBe(0);

    expect((await flc(['release', 'src/app.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } })).code).toBe(0);
    const granted = await flc(['claim', 'src/app.ts', '--json'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(JSON.parse(granted.stdout)).toMatchObject({ granted: true, waited: 0, claims: [{ path: 'src/app.ts', session: 'bob' }] });
    expect(readEvents(repo).map((e) => e.event)).toEqual(['claim:acquired', 'claim:conflicted', 'claim:conflicted', 'claim:released', 'claim:acquired']);
    expect(readEvents(repo)[1]).toMatchObject({ session: 'bob', path: 'src/app.ts', kind: 'write', holder: { session: 'alice', kind: 'write' } });
  });

  it('names the same file however it is typed, and refuses paths outside the repository', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, 'sub'));
    await flc(['claim', './a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    for (const [spelling, cwd] of [
      ['a.ts', repo],
      ['sub/../a.ts', repo],
      [path.join(repo, 'a.ts'), repo],
      ['../a.ts', path.join(repo, 'sub')],
    ] as const) {
      const r = await flc(['claim', spelling], { cwd, env: { FLC_SESSION: 'bob' } });
      expect(r.code, spelling).toBe(1);
    }
    const outside = await flc(['claim', '../../etc/passwd'], { cwd: repo });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/outside the repository/);
    expect(outside.stderr).not.toMatch(/at .*\.js/);
  });

  it('treats an existing directory as a directory claim that covers its files', async () => {
    const repo = makeRepo();
    fs.mkdirSync(path.join(repo, 'src', 'api'), { recursive: true });
    const a = await flc(['claim', 'src/api', '--json'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect(JSON.parse(a.stdout).claims[0].path).toBe('src/api/');
    expect((await flc(['claim', 'src/api/users.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(1);
    expect((await flc(['claim', 'src/**/*.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(1);
    expect((await flc(['claim', 'src/web.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
    expect((await flc(['claim', 'src/*.md'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
  });

  it('is all-or-nothing for several paths', async () => {
    const repo = makeRepo();
    await flc(['claim', 'b.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const r = await flc(['claim', 'a.ts', 'b.ts', 'c.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(r.code).toBe(1);
    expect(readDb(repo).claims.map((c) => c.path)).toEqual(['b.ts']);
  });

  it('re-claims renew and change kind; read claims share', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts', '--kind', 'read'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect((await flc(['claim', 'a.ts', '--kind', 'read'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
    expect((await flc(['claim', 'a.ts', '--kind', 'write'], { cwd: repo, env: { FLC_SESSION: 'carol' } })).code).toBe(0);
    expect((await flc(['claim', 'a.ts', '--kind', 'exclusive'], { cwd: repo, env: { FLC_SESSION: 'alice' } })).code).toBe(1);
    await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    await flc(['release', '--all'], { cwd: repo, env: { FLC_SESSION: 'carol' } });
    expect((await flc(['claim', 'a.ts', '--kind', 'exclusive'], { cwd: repo, env: { FLC_SESSION: 'alice' } })).code).toBe(0);
    const claims = readDb(repo).claims;
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({ session: 'alice', kind: 'exclusive' });
  });

  it('needs --force to release another session\'s claim, and journals who did', async () => {
    const repo = makeRepo();
    const a = await flc(['claim', 'a.ts', '--json'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const id = JSON.parse(a.stdout).claims[0].id;
    const denied = await flc(['release', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/held by alice.*\n.*--force/);
    expect((await flc(['release', id], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(1);
    const forced = await flc(['release', '--force', id, '--json'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ ok: true, count: 1 });
    expect(readDb(repo).claims).toEqual([]);
    expect(readEvents(repo).at(-1)).toMatchObject({ event: 'claim:released', session: 'alice', by: 'bob', cause: 'forced' });
  });

  it('resolves the session from --session, FLC_SESSION, CLAUDE_CODE_SESSION_ID, then the user', async () => {
    const repo = makeRepo();
    const who = async (args: string[], env: Record<string, string>) => JSON.parse((await flc(['claim', `${Math.random()}.ts`, '--json', ...args], { cwd: repo, env })).stdout).session;
    expect(await who(['--session', 'flag'], { FLC_SESSION: 'env', CLAUDE_CODE_SESSION_ID: 'claude' })).toBe('flag');
    expect(await who([], { FLC_SESSION: 'env', CLAUDE_CODE_SESSION_ID: 'claude' })).toBe('env');
    expect(await who([], { CLAUDE_CODE_SESSION_ID: 'claude' })).toBe('claude');
    expect(await who([], { USER: 'pat' })).toMatch(/^cli:pat@/);
  });

  it('expires claims after their ttl and journals it', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts', '--ttl', '2s'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect((await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(1);
    await sleep(2100);
    expect(JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout).claims).toEqual([]);
    expect((await flc(['claim', 'a.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } })).code).toBe(0);
    expect(readEvents(repo).find((e) => e.event === 'claim:expired')).toMatchObject({ session: 'alice', path: 'a.ts' });
  });

  it('renews a session\'s claims on its activity', async () => {
    const repo = makeRepo();
    await flc(['claim', 'a.ts', '--ttl', '2s'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const before = Date.parse(readDb(repo).claims[0]!.expiresAt as string);
    await sleep(300);
    const renew = await flc(['renew', '--json'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    expect(JSON.parse(renew.stdout)).toMatchObject({ renewed: 1 });
    expect(Date.parse(readDb(repo).claims[0]!.expiresAt as string)).toBeGreaterThan(before + 200);
  });

  it('filters status by path and session', async () => {
    const repo = makeRepo();
    await flc(['claim', 'src/a.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    await flc(['claim', 'lib/b.ts'], { cwd: repo, env: { FLC_SESSION: 'bob' } });
    const bySrc = JSON.parse((await flc(['status', 'src/', '--json'], { cwd: repo })).stdout);
    expect(bySrc.claims.map((c: { path: string }) => c.path)).toEqual(['src/a.ts']);
    const byBob = JSON.parse((await flc(['list', '--session', 'bob', '--json'], { cwd: repo })).stdout);
    expect(byBob.claims.map((c: { path: string }) => c.path)).toEqual(['lib/b.ts']);
  });
});

describe('bad input', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown command', ['frobnicate'], /Command not found/],
    ['claim without a path', ['claim'], /Not enough positional/],
    ['claim with a bad kind', ['claim', 'a.ts', '--kind', 'lock'], /unknown claim kind "lock"/],
    ['claim with a bad ttl', ['claim', 'a.ts', '--ttl', 'soon'], /invalid ttl "soon"/],
    ['claim with a bad timeout', ['claim', 'a.ts', '--wait', '--timeout', 'soon'], /invalid timeout/],
    ['claim with an unknown option', ['claim', 'a.ts', '--frob'], /Unsupported option|Command not found/],
    ['release with nothing', ['release'], /nothing to release/],
    ['check without a path', ['check'], /Not enough positional/],
    ['check with a bad kind', ['check', 'a.ts', '--kind', 'x'], /unknown claim kind/],
    ['status with an outside path', ['status', '/etc/passwd'], /outside the repository/],
    ['config get of an unknown key', ['config', 'get', 'nope'], /unknown config key "nope"/],
    ['config set without =', ['config', 'set', 'ttl'], /expected KEY=VALUE/],
    ['config set of a bad value', ['config', 'set', 'release=never'], /invalid release "never"/],
    ['config unset of an unknown key', ['config', 'unset', 'nope'], /unknown config key/],
    ['log with a bad count', ['log', '-n', 'many'], /-n expects a number/],
    ['renew with a session id full of control characters', ['renew', '--session', 'a\u0007b'], /control characters/],
    ['init with --local but no --claude', ['init', '--local'], /--local goes with --claude/],
    ['doctor with an unknown option', ['doctor', '--fix'], /Unsupported option|Command not found/],
    ['guard with an unknown option', ['guard', '--strict'], /Unsupported option|Command not found/],
    ['commit without a message', ['commit'], /a commit message is required/],
    ['serve with a bad port', ['serve', '--port', 'eighty'], /invalid port "eighty"/],
    ['tool with parameters that are not JSON', ['tool', 'file_claiming_check', '{path'], /not valid JSON/],
    ['tool with an unknown tool', ['tool', 'file_claiming_steal', '{}'], /unknown tool file_claiming_steal/],
    ['mcp with an unknown option', ['mcp', '--port', '1'], /Unsupported option|Command not found/],
  ];

  it.each(cases)('%s: one line, a hint, exit 2, store intact', async (_name, args, message) => {
    const repo = makeRepo();
    await flc(['claim', 'keep.ts'], { cwd: repo, env: { FLC_SESSION: 'alice' } });
    const before = fs.readFileSync(path.join(repo, '.git/flc/db.json'), 'utf8');
    const r = await flc(args, { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^hint: /);
    expect(lines).toHaveLength(2);
    expect(fs.readFileSync(path.join(repo, '.git/flc/db.json'), 'utf8')).toBe(before);
  });

  it('gives bad-input errors as JSON with --json', async () => {
    const repo = makeRepo();
    const r = await flc(['claim', 'a.ts', '--kind', 'x', '--json'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: 'BAD_INPUT', error: 'unknown claim kind "x"' });
  });

  it('exits 3 outside a git repository', async () => {
    const dir = makeTempDir();
    for (const args of [['claim', 'a.ts'], ['status'], ['init'], ['doctor']]) {
      const r = await flc(args, { cwd: dir, env: { GIT_CEILING_DIRECTORIES: path.dirname(dir) } });
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toMatch(/not inside a git work tree/);
    }
  });

  it('prints help with examples, and exits 0', async () => {
    const repo = makeRepo();
    const top = await flc(['--help'], { cwd: repo });
    expect(top.code).toBe(0);
    for (const command of ['claim', 'release', 'status', 'check', 'renew', 'config', 'log', 'doctor', 'init']) {
      expect(top.stdout).toContain(`flc ${command}`);
    }
    const claim = await flc(['claim', '--help'], { cwd: repo });
    expect(claim.stdout).toMatch(/Examples/);
    expect(claim.stdout).toMatch(/\$ flc claim src\/app\.ts --wait --timeout 2m/);
    expect((await flc([], { cwd: repo })).stdout).toContain('flc claim');
  });
});

describe('flc config', () => {
  it('sets, validates all-or-nothing, gets, unsets, and applies ttl', async () => {
    const repo = makeRepo();
    expect((await flc(['config', 'set', 'ttl=10m', 'release=edit'], { cwd: repo })).code).toBe(0);
    expect((await flc(['config', 'get', 'ttl'], { cwd: repo })).stdout.trim()).toBe('10m');
    const bad = await flc(['config', 'set', 'waitTimeout=2m', 'release=bogus'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect((await flc(['config', 'get', 'waitTimeout'], { cwd: repo })).stdout.trim()).toBe('1m');
    const all = JSON.parse((await flc(['config', '--json'], { cwd: repo })).stdout);
    expect(all).toMatchObject({ ttl: '10m', release: 'edit', waitTimeout: '1m' });
    const claim = JSON.parse((await flc(['claim', 'a.ts', '--json'], { cwd: repo })).stdout);
    expect(Date.parse(claim.claims[0].expiresAt) - Date.parse(claim.claims[0].acquiredAt)).toBe(600_000);
    await flc(['config', 'unset', 'ttl'], { cwd: repo });
    expect((await flc(['config', 'get', 'ttl'], { cwd: repo })).stdout.trim()).toBe('5m');
  });

  it('reports a hand-broken config.json with exit 3', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    fs.writeFileSync(path.join(repo, '.git/flc/config.json'), '{"ttl": "forever"}');
    const r = await flc(['claim', 'a.ts'], { cwd: repo });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/config\.json has a bad value: invalid ttl "forever"/);
  });
});

describe('flc init, doctor and the corrupted store', () => {
  it('init creates the store once and is idempotent', async () => {
    const repo = makeRepo();
    const first = await flc(['init'], { cwd: repo });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created .*db\.json/);
    expect(fs.existsSync(path.join(repo, '.git/flc/config.json'))).toBe(true);
    const second = await flc(['init'], { cwd: repo });
    expect(second.stdout).toMatch(/already set up/);
  });

  it('refuses a corrupt db.json with exit 3, never overwrites it, and doctor --repair moves it aside', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const db = path.join(repo, '.git/flc/db.json');
    fs.writeFileSync(db, '{"version": 1, "claims": [');
    for (const args of [['claim', 'a.ts'], ['status'], ['release', '--all'], ['check', 'a.ts']]) {
      const r = await flc(args, { cwd: repo });
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toContain(`the claim store ${db} is corrupt`);
      expect(r.stderr).toMatch(/hint: .*flc doctor --repair/);
    }
    expect(fs.readFileSync(db, 'utf8')).toBe('{"version": 1, "claims": [');
    const doctor = await flc(['doctor'], { cwd: repo });
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toMatch(/FAIL db\.json/);
    const repair = await flc(['doctor', '--repair'], { cwd: repo });
    expect(repair.code).toBe(0);
    expect(repair.stdout).toMatch(/repaired: moved the corrupt store to .*db\.json\.corrupt-/);
    const kept = fs.readdirSync(path.join(repo, '.git/flc')).find((f) => f.startsWith('db.json.corrupt-'))!;
    expect(fs.readFileSync(path.join(repo, '.git/flc', kept), 'utf8')).toBe('{"version": 1, "claims": [');
    expect((await flc(['claim', 'a.ts'], { cwd: repo })).code).toBe(0);
  });

  it('refuses a db.json that is valid JSON but not a store', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    fs.writeFileSync(path.join(repo, '.git/flc/db.json'), '[]');
    const r = await flc(['claim', 'a.ts'], { cwd: repo });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/corrupt: not a JSON object/);
  });
});

describe('worktrees and the journal', () => {
  it('shares claims between linked worktrees and records each claim\'s worktree', async () => {
    const repo = makeRepo();
    const other = path.join(makeTempDir(), 'wt');
    git(repo, 'worktree', 'add', '-q', other);
    const a = await flc(['claim', 'src/a.ts', '--json'], { cwd: repo, env: { FLC_SESSION: 'main-session' } });
    expect(JSON.parse(a.stdout).claims[0].worktree).toBe(repo);
    const b = await flc(['claim', 'src/a.ts', '--json'], { cwd: other, env: { FLC_SESSION: 'wt-session' } });
    expect(b.code).toBe(1);
    expect(JSON.parse(b.stdout).holder).toBe('main-session');
    const c = await flc(['claim', path.join(other, 'lib/b.ts'), '--json'], { cwd: other, env: { FLC_SESSION: 'wt-session' } });
    expect(JSON.parse(c.stdout).claims[0]).toMatchObject({ path: 'lib/b.ts', worktree: fs.realpathSync(other) });
    expect(fs.existsSync(path.join(repo, '.git/flc/db.json'))).toBe(true);
    const status = JSON.parse((await flc(['status', '--json'], { cwd: repo })).stdout);
    expect(status.claims.map((x: { path: string }) => x.path).sort()).toEqual(['lib/b.ts', 'src/a.ts']);
  });

  it('rotates the journal so it stays bounded, and flc log reads across the rotation', async () => {
    const repo = makeRepo();
    await flc(['config', 'set', 'journalMaxBytes=4kb'], { cwd: repo });
    const names = Array.from({ length: 40 }, (_, i) => `file-with-a-rather-long-name-${i}.ts`);
    for (let round = 0; round < 4; round++) {
      await flc(['claim', ...names], { cwd: repo });
      await flc(['release', '--all'], { cwd: repo });
    }
    await flc(['claim', ...names], { cwd: repo }); // about 60 KB of events written in all
    const dir = path.join(repo, '.git/flc');
    expect(fs.existsSync(path.join(dir, 'events.1.jsonl'))).toBe(true);
    const kept = fs.statSync(path.join(dir, 'events.jsonl')).size + fs.statSync(path.join(dir, 'events.1.jsonl')).size;
    expect(kept).toBeLessThan(2 * 4096 + 2 * 7000); // two files of at most maxBytes plus one transaction's batch
    const log = await flc(['log', '-n', '5', '--json'], { cwd: repo });
    const events = log.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toHaveLength(5);
    expect(events.at(-1)).toMatchObject({ event: 'claim:acquired', path: 'file-with-a-rather-long-name-39.ts' });
  });

  it('follows new events with --follow', async () => {
    const repo = makeRepo();
    await flc(['init'], { cwd: repo });
    const { startFlc } = await import('../helpers.js');
    const follower = startFlc(['log', '--follow', '--json'], { cwd: repo });
    await sleep(400);
    await flc(['claim', 'followed.ts'], { cwd: repo });
    const { until } = await import('../helpers.js');
    await until(() => follower.output().stdout.includes('followed.ts'));
    follower.child.kill('SIGINT');
    expect((await follower.done).code).toBe(0);
  });
});

describe('the V8 code cache of bin/flc.js', () => {
  it('is written once to a private directory and reused; a directory others can write is not used', async () => {
    const repo = makeRepo();
    const tmp = makeTempDir();
    const cacheDir = path.join(tmp, `flc-code-cache-${process.getuid!()}`);
    for (let i = 0; i < 2; i++) {
      const r = await flc(['status', '--json'], { cwd: repo, env: { TMPDIR: tmp } });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ claims: [] });
    }
    const files = fs.readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/-cli-\d+-\d+-v\d+\.\d+\.\d+-\w+\.bin$/);
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);

    fs.rmSync(path.join(cacheDir, files[0]!));
    fs.chmodSync(cacheDir, 0o777);
    const open = await flc(['status'], { cwd: repo, env: { TMPDIR: tmp } });
    expect(open.code).toBe(0);
    expect(fs.readdirSync(cacheDir)).toEqual([]);

    const off = await flc(['status'], { cwd: repo, env: { TMPDIR: makeTempDir(), FLC_NO_CODE_CACHE: '1' } });
    expect(off.code).toBe(0);
  });
});
