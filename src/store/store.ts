import fs from 'node:fs';
import path from 'node:path';
import { LowSync } from 'lowdb';
import { DataFileSync } from 'lowdb/node';
import { type Config, DEFAULT_CONFIG, configFromStored, showConfigValue, type ConfigKey } from '../core/config.js';
import { FlcError, isFlcError } from '../core/errors.js';
import { randomHex } from '../core/random.js';
import { type DbData, emptyDb } from '../core/types.js';
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
 * `transaction`, under the cross-process mutex; db.json is replaced atomically (lowdb writes
 * a temp file and renames it), so lock-free readers see either the old or the new state.
 */
export class Store {
  readonly dir: string;
  readonly dbPath: string;
  readonly configPath: string;
  readonly journal: Journal;
  readonly mutex: Mutex;
  private configCache: Config | undefined;
  private configStamp = '';

  constructor(commonDir: string) {
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
    const low = new LowSync<DbData>(new DataFileSync(this.dbPath, { parse: (text) => parseDb(text, this.dbPath), stringify: stringifyDb }), emptyDb());
    try {
      low.read();
    } catch (error) {
      if (isFlcError(error)) throw error;
      throw new FlcError('STORE_UNREADABLE', `cannot read ${this.dbPath}: ${(error as Error).message}`, 'check the file permissions, or run `flc doctor`');
    }
    return low;
  }

  /**
   * Runs `body` on the current data under the mutex and writes the result if it changed.
   * Journal events emitted by the body are appended after the write, still under the mutex,
   * so the journal's order is the store's order.
   */
  async transaction<T>(body: (db: DbData, tx: Tx) => T): Promise<T> {
    this.config(); // a bad config.json fails before anything is written; the journal reads its size limit
    return this.locked((held) => {
      const low = this.load();
      const before = fs.existsSync(this.dbPath) ? stringifyDb(low.data) : '';
      const events: JournalEvent[] = [];
      const now = Date.now();
      const tx: Tx = { now, emit: (event) => events.push({ t: new Date(now).toISOString(), ...event }) };
      const result = body(low.data, tx);
      if (stringifyDb(low.data) !== before) {
        try {
          held.assertHeld();
        } catch (error) {
          if (error instanceof MutexCompromisedError) {
            throw new FlcError('LOCK_COMPROMISED', 'the store lock was broken while this process held it; nothing was written', 'retry the command');
          }
          throw error;
        }
        low.write();
      }
      this.journal.append(events);
      return result;
    });
  }

  /** Runs `fn` holding the store mutex (creating the store directory first). */
  private async locked<T>(fn: (held: Held) => T): Promise<T> {
    this.ensureDir();
    const held = await this.acquire();
    try {
      return fn(held);
    } finally {
      held.release();
    }
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
      this.journal.append(events.map((e) => ({ t, ...e })));
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
    return this.locked(() => {
      const current = fs.existsSync(this.configPath) ? fs.readFileSync(this.configPath, 'utf8') : '{}';
      parseConfigFile(current, this.configPath); // refuse to build on a broken file
      const stored = JSON.parse(current) as Record<string, unknown>;
      for (const key of unset) delete stored[key];
      for (const [key, value] of Object.entries(changes)) stored[key] = showConfigValue(key as ConfigKey, value as never);
      writeAtomic(this.configPath, JSON.stringify(stored, null, 2) + '\n');
      const config = this.config();
      this.journal.append([{ t: new Date().toISOString(), event: 'config:changed', detail: JSON.stringify(stored) }]);
      return config;
    });
  }

  /** Creates db.json and config.json when missing. Returns what it created. */
  async init(): Promise<string[]> {
    return this.locked(() => {
      const created: string[] = [];
      if (!fs.existsSync(this.dbPath)) {
        writeAtomic(this.dbPath, stringifyDb(emptyDb()));
        created.push(this.dbPath);
      }
      if (!fs.existsSync(this.configPath)) {
        writeAtomic(this.configPath, '{}\n');
        created.push(this.configPath);
      }
      return created;
    });
  }

  /** Moves a corrupt db.json aside (kept for inspection) and starts an empty one. */
  async repair(): Promise<{ movedTo: string | null }> {
    return this.locked(() => {
      try {
        const text = fs.readFileSync(this.dbPath, 'utf8');
        parseDb(text, this.dbPath);
        return { movedTo: null };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { movedTo: null };
      }
      const movedTo = `${this.dbPath}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomHex(4)}`;
      fs.renameSync(this.dbPath, movedTo);
      writeAtomic(this.dbPath, stringifyDb(emptyDb()));
      this.journal.append([{ t: new Date().toISOString(), event: 'store:repaired', detail: `moved corrupt db.json to ${movedTo}` }]);
      return { movedTo };
    });
  }
}

export function stringifyDb(data: DbData): string {
  return JSON.stringify(data, null, 2) + '\n';
}

/** Parses db.json, refusing anything that is not a store (it is never silently replaced). */
export function parseDb(text: string, file: string): DbData {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `not valid JSON (${(error as Error).message})`);
  }
  const db = data as Partial<DbData> | null;
  if (!db || typeof db !== 'object' || Array.isArray(db)) throw corrupt(file, 'not a JSON object');
  if (db.version !== 1) throw corrupt(file, `unknown version ${JSON.stringify(db.version)}`);
  if (!Array.isArray(db.claims) || !Array.isArray(db.waiters) || !Array.isArray(db.sessions)) {
    throw corrupt(file, 'claims, waiters or sessions is not a list');
  }
  for (const claim of db.claims) {
    if (!claim || typeof claim.path !== 'string' || typeof claim.session !== 'string' || typeof claim.id !== 'string') {
      throw corrupt(file, 'a claim lacks its id, path or session');
    }
  }
  if (typeof db.nextSeq !== 'number') db.nextSeq = db.waiters.reduce((max, w) => Math.max(max, w.seq ?? 0), 0) + 1;
  return db as DbData;
}

function corrupt(file: string, why: string): FlcError {
  return new FlcError('STORE_CORRUPT', `the claim store ${file} is corrupt: ${why}`, 'run `flc doctor` to inspect it and `flc doctor --repair` to move it aside and start fresh');
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

export function writeAtomic(file: string, text: string): void {
  const temp = `${file}.${process.pid}.${randomHex(8)}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}
