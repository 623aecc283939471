import fs from 'node:fs';
import path from 'node:path';
import { LowSync, type SyncAdapter } from 'lowdb';
import { type Config, DEFAULT_CONFIG, configFromStored, showConfigValue, type ConfigKey } from '../core/config.js';
import { FlcError, isFlcError } from '../core/errors.js';
import { randomHex } from '../core/random.js';
import { type DbData, emptyDb } from '../core/types.js';
import { asDb, describeProblems, repairDb, validateDb, type StoreProblem } from '../core/validate.js';
import { Journal, type JournalEvent } from './journal.js';
import { type Held, Mutex, MutexCompromisedError, MutexTimeoutError } from './mutex.js';

/** What a transaction body gets besides the data: its clock, and a way to journal what it did. */
export interface Tx {
  now: number;
  emit(event: Omit<JournalEvent, 't'>): void;
}

export const STORE_DIR = 'flc';

/**
 * The only code that touches `<git-common-dir>/flc/`. Every read-modify-write runs in
 * `transaction`, under the cross-process mutex. db.json is replaced atomically by a fenced
 * write (see mutex.ts): a unique temp file in the lock holder's stage directory, renamed onto
 * db.json, which fails once the lock was broken. So lock-free readers see the old or the new
 * state, two writers can never tear the file, and a writer frozen past a lock break cannot
 * overwrite the newer state (its transaction is re-run on the new state instead).
 */
export class Store {
  readonly dir: string;
  readonly dbPath: string;
  readonly configPath: string;
  readonly journal: Journal;
  readonly mutex: Mutex;
  private configCache: Config | undefined;
  private configStamp = '';
  private readonly warned = new Set<string>();

  /** `warn` receives one-line warnings (a journal that cannot be written); default: stderr. */
  constructor(commonDir: string, private readonly warn: (line: string) => void = warnOnStderr) {
    this.dir = path.join(commonDir, STORE_DIR);
    this.dbPath = path.join(this.dir, 'db.json');
    this.configPath = path.join(this.dir, 'config.json');
    this.journal = new Journal(path.join(this.dir, 'events.jsonl'), () => this.configCache?.journalMaxBytes ?? DEFAULT_CONFIG.journalMaxBytes);
    this.mutex = new Mutex(path.join(this.dir, 'db.lock'));
  }

  exists(): boolean {
    return fs.existsSync(this.dbPath);
  }

  ensureDir(): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw new FlcError('STORE_UNREADABLE', `cannot create ${this.dir}: ${(error as Error).message}`, 'check the permissions of the .git directory');
    }
  }

  /** Reads db.json without the mutex (consistent thanks to atomic renames). */
  read(): DbData {
    return this.load().data;
  }

  private load(): LowSync<DbData> {
    const low = new LowSync<DbData>(new StoreFile(this.dbPath), emptyDb());
    try {
      low.read();
    } catch (error) {
      if (isFlcError(error)) throw error;
      throw new FlcError('STORE_UNREADABLE', `cannot read ${this.dbPath}: ${(error as Error).message}`, 'check the file permissions, or run `flc doctor`');
    }
    return low;
  }

  /** db.json is replaced by rename, which would silently turn a symlink into a file: refuse. */
  refuseSymlink(): void {
    let link = false;
    try {
      link = fs.lstatSync(this.dbPath).isSymbolicLink();
    } catch {
      return;
    }
    if (link) {
      throw new FlcError(
        'STORE_UNREADABLE',
        `${this.dbPath} is a symbolic link; flc replaces db.json atomically and will not replace a link with a file`,
        `replace the link with the file it points to: cp --remove-destination "$(readlink -f ${this.dbPath})" ${this.dbPath}`,
      );
    }
  }

  /**
   * Runs `body` on the current data under the mutex and writes the result if it changed.
   * Journal events emitted by the body are appended after the write, still under the mutex,
   * so the journal's order is the store's order. If the lock was broken while this process
   * held it (it was frozen past the stale time), nothing was written, and the body runs again
   * on the new state (twice at most, then LOCK_COMPROMISED): `body` must not have effects
   * outside `db` and `tx`.
   */
  async transaction<T>(body: (db: DbData, tx: Tx) => T): Promise<T> {
    this.config(); // a bad config.json fails before anything is written; the journal reads its size limit
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.lockedRaw((held) => this.runOnce(held, body));
      } catch (error) {
        if (!(error instanceof MutexCompromisedError)) throw error;
        if (attempt >= 3) throw compromised();
      }
    }
  }

  private runOnce<T>(held: Held, body: (db: DbData, tx: Tx) => T): T {
    this.refuseSymlink();
    const low = this.load();
    const before = fs.existsSync(this.dbPath) ? stringifyDb(low.data) : '';
    const events: JournalEvent[] = [];
    const now = Date.now();
    const tx: Tx = { now, emit: (event) => events.push({ t: new Date(now).toISOString(), ...event }) };
    const result = body(low.data, tx);
    if (stringifyDb(low.data) !== before) {
      (low.adapter as StoreFile).held = held;
      low.write();
    }
    this.appendJournal(events);
    return result;
  }

  /**
   * The journal comes after the change it records: a journal that cannot be written (EACCES
   * in a repository shared by two users, a full disk) does not undo or fail the change. One
   * warning per problem and process; `flc doctor` reports it.
   */
  private appendJournal(events: JournalEvent[]): void {
    try {
      this.journal.append(events);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      const line = `flc: warning: the change was saved, but the journal ${this.journal.path} could not be written (${reason}); run \`flc doctor\``;
      if (this.warned.has(line)) return;
      this.warned.add(line);
      this.warn(line);
    }
  }

  /** Runs `fn` holding the store mutex (creating the store directory first). */
  private async locked<T>(fn: (held: Held) => T): Promise<T> {
    try {
      return await this.lockedRaw(fn);
    } catch (error) {
      if (error instanceof MutexCompromisedError) throw compromised();
      throw error;
    }
  }

  /** `locked`, letting MutexCompromisedError through (the transaction re-runs on it). */
  private async lockedRaw<T>(fn: (held: Held) => T): Promise<T> {
    this.ensureDir();
    const held = await this.acquire();
    try {
      this.sweepLeftovers();
      return fn(held);
    } finally {
      held.release();
    }
  }

  /**
   * What killed processes leave in the store directory: the mutex's stage directories and
   * temp files, and db.json/config.json temp files, with their age and whether they can go
   * (older than the mutex's stale time, or of a visibly dead process).
   */
  leftovers(): Array<{ name: string; ageMs: number; removable: boolean }> {
    const names = this.listDir();
    return [...this.mutex.leftovers(names), ...this.tempFiles(names)];
  }

  /** Removes the leftovers that can go (the mutex's, a stale breaker's lock too); call it holding the mutex. Returns their names. */
  private sweepLeftovers(): string[] {
    const names = this.listDir();
    const temps = this.tempFiles(names).filter((l) => l.removable);
    for (const { name } of temps) fs.rmSync(path.join(this.dir, name), { force: true });
    return [...this.mutex.sweepLeftovers(names), ...temps.map((l) => l.name)];
  }

  private listDir(): string[] {
    try {
      return fs.readdirSync(this.dir);
    } catch {
      return [];
    }
  }

  /** db.json/config.json temp files of killed writers among `names`. */
  private tempFiles(names: string[]): Array<{ name: string; ageMs: number; removable: boolean }> {
    const found: Array<{ name: string; ageMs: number; removable: boolean }> = [];
    for (const name of names) {
      if (!TEMP_FILE.test(name)) continue;
      try {
        const ageMs = Date.now() - fs.lstatSync(path.join(this.dir, name)).mtimeMs;
        found.push({ name, ageMs, removable: Math.abs(ageMs) > this.mutex.staleMs });
      } catch {
        // gone meanwhile
      }
    }
    return found;
  }

  /** Removes old leftovers now (flc doctor --repair). */
  async removeLeftovers(): Promise<string[]> {
    return this.locked(() => this.sweepLeftovers());
  }

  private async acquire(): Promise<Held> {
    try {
      return await this.mutex.acquire();
    } catch (error) {
      if (error instanceof MutexTimeoutError) {
        const who = error.owner ? ` (held by pid ${error.owner.pid} on ${error.owner.host})` : '';
        throw new FlcError('STORE_BUSY', `timed out waiting for the store lock ${error.lockPath}${who}`, 'if no flc process is running, delete that lock file');
      }
      throw new FlcError('STORE_UNREADABLE', `cannot lock the store in ${this.dir}: ${(error as Error).message}`, 'check the permissions of the .git directory');
    }
  }

  /** Appends events to the journal outside any data change (under the mutex, like every write). */
  async record(events: Array<Omit<JournalEvent, 't'>>): Promise<void> {
    return this.locked(() => {
      const t = new Date().toISOString();
      this.appendJournal(events.map((e) => ({ t, ...e })));
    });
  }

  /**
   * The config, defaults merged with config.json. Bad values fail loudly (exit 3). Long-lived
   * processes (flc serve, the Pi extension) see changes: the file is re-read when it changed.
   */
  config(): Config {
    let stamp: string;
    try {
      const stat = fs.statSync(this.configPath);
      stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new FlcError('STORE_UNREADABLE', `cannot read ${this.configPath}: ${(error as Error).message}`, 'check the file permissions');
      }
      stamp = 'none';
    }
    if (this.configCache && this.configStamp === stamp) return this.configCache;
    let text: string;
    try {
      text = stamp === 'none' ? '{}' : fs.readFileSync(this.configPath, 'utf8');
    } catch (error) {
      throw new FlcError('STORE_UNREADABLE', `cannot read ${this.configPath}: ${(error as Error).message}`, 'check the file permissions');
    }
    this.configCache = parseConfigFile(text, this.configPath);
    this.configStamp = stamp;
    return this.configCache;
  }

  /** The raw stored config (keys set explicitly by the user). */
  storedConfig(): Record<string, unknown> {
    try {
      return JSON.parse(fs.readFileSync(this.configPath, 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  /** Writes config changes under the mutex (atomic replace). */
  async updateConfig(changes: Partial<Config>, unset: ConfigKey[] = []): Promise<Config> {
    return this.locked((held) => {
      const current = fs.existsSync(this.configPath) ? fs.readFileSync(this.configPath, 'utf8') : '{}';
      parseConfigFile(current, this.configPath); // refuse to build on a broken file
      const stored = JSON.parse(current) as Record<string, unknown>;
      for (const key of unset) delete stored[key];
      for (const [key, value] of Object.entries(changes)) stored[key] = showConfigValue(key as ConfigKey, value as never);
      held.writeFenced(this.configPath, JSON.stringify(stored, null, 2) + '\n');
      const config = this.config();
      this.appendJournal([{ t: new Date().toISOString(), event: 'config:changed', detail: JSON.stringify(stored) }]);
      return config;
    });
  }

  /** Creates db.json and config.json when missing. Returns what it created. */
  async init(): Promise<string[]> {
    return this.locked((held) => {
      const created: string[] = [];
      if (!fs.existsSync(this.dbPath)) {
        held.writeFenced(this.dbPath, stringifyDb(emptyDb()));
        created.push(this.dbPath);
      }
      if (!fs.existsSync(this.configPath)) {
        held.writeFenced(this.configPath, '{}\n');
        created.push(this.configPath);
      }
      return created;
    });
  }

  /**
   * Repairs db.json: entries that are not valid are dropped and every valid one kept; a file
   * that is not a store at all is replaced by an empty store. Either way the original is moved
   * aside (kept for inspection as db.json.corrupt-<time>-<id>) and the repair is journaled.
   */
  async repair(): Promise<{ movedTo: string | null; dropped: StoreProblem[] }> {
    return this.locked((held) => {
      this.refuseSymlink();
      let text: string;
      try {
        text = fs.readFileSync(this.dbPath, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { movedTo: null, dropped: [] };
        throw new FlcError('STORE_UNREADABLE', `cannot read ${this.dbPath}: ${(error as Error).message}`, 'check the file permissions');
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
      const { fatal, problems } = validateDb(data);
      if (!fatal && !problems.length) return { movedTo: null, dropped: [] };
      const repaired = fatal ? { db: emptyDb(), dropped: [] } : repairDb(data as Record<string, unknown>);
      const movedTo = `${this.dbPath}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomHex(4)}`;
      fs.linkSync(this.dbPath, movedTo); // kept; db.json itself is replaced by the fenced write
      held.writeFenced(this.dbPath, stringifyDb(repaired.db));
      const what = fatal ? `moved corrupt db.json (${fatal}) to ${movedTo}` : `dropped ${describeProblems(repaired.dropped, 20)}; the original is kept as ${movedTo}`;
      this.appendJournal([{ t: new Date().toISOString(), event: 'store:repaired', detail: what }]);
      return { movedTo, dropped: repaired.dropped };
    });
  }
}

/** Leftover temp files of db.json and config.json writes (ours and lowdb's). */
const TEMP_FILE = /^(\.db\.json\.tmp|(db|config)\.json\.\d+\.[0-9a-f]+\.tmp)$/;

/**
 * The lowdb adapter of db.json: reads and validates it; writes it only through the store
 * lock's fenced write (`held` is set by the transaction that may write).
 */
class StoreFile implements SyncAdapter<DbData> {
  held: Held | null = null;

  constructor(private readonly file: string) {}

  read(): DbData | null {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return parseDb(text, this.file);
  }

  write(data: DbData): void {
    if (!this.held) throw new Error('db.json is written only under the store lock');
    this.held.writeFenced(this.file, stringifyDb(data));
  }
}

function compromised(): FlcError {
  return new FlcError('LOCK_COMPROMISED', 'the store lock was broken while this process held it; nothing was written', 'this process was stalled for long; retry the command');
}

function warnOnStderr(line: string): void {
  try {
    fs.writeSync(2, `${line}\n`);
  } catch {
    // nowhere to warn
  }
}

export function stringifyDb(data: DbData): string {
  return JSON.stringify(data, null, 2) + '\n';
}

/** Parses db.json, refusing anything that is not a valid store (it is never silently replaced). */
export function parseDb(text: string, file: string): DbData {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `not valid JSON (${(error as Error).message})`);
  }
  const { fatal, problems } = validateDb(data);
  if (fatal) throw corrupt(file, fatal);
  if (problems.length) throw corrupt(file, describeProblems(problems), 'run `flc doctor`; `flc doctor --repair` drops only the bad entries, keeps every valid one, and keeps the original aside');
  return asDb(data as Record<string, unknown>);
}

function corrupt(file: string, why: string, hint = 'run `flc doctor` to inspect it and `flc doctor --repair` to move it aside and start fresh'): FlcError {
  return new FlcError('STORE_CORRUPT', `the claim store ${file} is corrupt: ${why}`, hint);
}

function parseConfigFile(text: string, file: string): Config {
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch (error) {
    throw new FlcError('STORE_CORRUPT', `the config ${file} is not valid JSON (${(error as Error).message})`, 'fix or delete that file, then check with `flc config`');
  }
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) {
    throw new FlcError('STORE_CORRUPT', `the config ${file} is not a JSON object`, 'fix or delete that file');
  }
  try {
    return configFromStored(stored as Record<string, unknown>);
  } catch (error) {
    if (isFlcError(error)) {
      throw new FlcError('STORE_CORRUPT', `the config ${file} has a bad value: ${error.message}`, error.hint ?? 'fix it with `flc config set`');
    }
    throw error;
  }
}

