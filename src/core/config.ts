import { durationText, parseDuration, parseTtl } from './duration.js';
import { badInput } from './errors.js';
import { CHANGES_CLAIM_POLICIES, type ChangesClaimPolicy } from './changes.js';
import { GUARD_MODES, type GuardMode, WORKTREE_POLICIES, type WorktreePolicy } from './guard.js';

export const RELEASE_POLICIES = ['turn', 'edit', 'session'] as const;
export type ReleasePolicy = (typeof RELEASE_POLICIES)[number];

export interface Config {
  /** Default time to live of a claim in ms (null: claims never expire). */
  ttl: number | null;
  /** How long an agent hook waits for a held file before refusing, in ms. */
  waitTimeout: number;
  /** When agent integrations release their claims: end of turn, after each edit, or session end. */
  release: ReleasePolicy;
  /** Journal size in bytes at which events.jsonl rotates to events.1.jsonl. */
  journalMaxBytes: number;
  /** What the pre-commit guard does about other sessions' claims: block, warn, or nothing. */
  'guard.mode': GuardMode;
  /** How the guard treats claims recorded from another linked worktree. */
  'guard.otherWorktrees': WorktreePolicy;
  /** Whether another session's uncommitted (owned) changes block a write/exclusive claim of the file. */
  'changes.claims': ChangesClaimPolicy;
  /** Whether agents' shell commands are watched: what they change becomes the session's owned changes (core/shell-changes). */
  'shell.track': boolean;
  /** Pi tools whose target file the Pi extension claims before they run. */
  'pi.blockedTools': string[];
  /** How many working-tree snapshots (taken before a command discards changes) are kept. */
  'snapshots.keep': number;
  /** Snapshots older than this are deleted (ms; null keeps them until `snapshots.keep` pushes them out). */
  'snapshots.maxAge': number | null;
  /** Whether the Pi extension shows its claims and conflicts in the footer. */
  'pi.showDiagnostics': boolean;
}

export const DEFAULT_CONFIG: Config = {
  ttl: 5 * 60_000,
  waitTimeout: 60_000,
  release: 'turn',
  journalMaxBytes: 1024 * 1024,
  'guard.mode': 'block',
  'guard.otherWorktrees': 'warn',
  'changes.claims': 'block',
  'shell.track': true,
  'pi.blockedTools': ['edit', 'write'],
  'pi.showDiagnostics': true,
  'snapshots.keep': 50,
  'snapshots.maxAge': 7 * 86_400_000,
};

interface KeySpec<K extends keyof Config> {
  describe: string;
  parse(text: string): Config[K];
  show(value: Config[K]): string;
}

function oneOf<T extends string>(values: readonly T[], key: string) {
  return (text: string): T => {
    const value = text.trim().toLowerCase();
    if ((values as readonly string[]).includes(value)) return value as T;
    throw badInput(`invalid ${key} "${text}"`, `use one of: ${values.join(', ')}`);
  };
}

function positiveBytes(text: string): number {
  const match = /^(\d+)\s*(b|k|kb|m|mb)?$/i.exec(text.trim());
  if (!match) throw badInput(`invalid journalMaxBytes "${text}"`, 'use a size like 1mb, 512kb or 65536');
  const scale = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  const bytes = Number(match[1]) * scale;
  if (bytes < 4096) throw badInput(`journalMaxBytes ${text} is too small`, 'use at least 4kb');
  return bytes;
}

export const CONFIG_KEYS: { [K in keyof Config]: KeySpec<K> } = {
  ttl: {
    describe: 'default claim time to live; activity by the holder renews it ("none" never expires)',
    parse: parseTtl,
    show: durationText,
  },
  waitTimeout: {
    describe: 'how long agent hooks wait for a held file before refusing the edit',
    parse: (text) => parseDuration(text, 'waitTimeout'),
    show: durationText,
  },
  release: {
    describe: 'when agent integrations release claims: turn (end of each turn), edit (after each edit), session',
    parse: oneOf(RELEASE_POLICIES, 'release'),
    show: (value) => value,
  },
  journalMaxBytes: {
    describe: 'size at which the events.jsonl journal rotates (one older file is kept)',
    parse: positiveBytes,
    show: (value) => String(value),
  },
  'guard.mode': {
    describe: 'pre-commit guard: block commits touching files others hold, only warn, or off (FLC_GUARD overrides once)',
    parse: oneOf(GUARD_MODES, 'guard.mode'),
    show: (value) => value,
  },
  'guard.otherWorktrees': {
    describe: 'how the guard treats claims made from another linked worktree: warn, block or ignore',
    parse: oneOf(WORKTREE_POLICIES, 'guard.otherWorktrees'),
    show: (value) => value,
  },
  'changes.claims': {
    describe: "block: a file holding another session's uncommitted changes cannot be claimed for writing until they are committed, handed over or adopted; allow: it can (the changes stay theirs)",
    parse: oneOf(CHANGES_CLAIM_POLICIES, 'changes.claims'),
    show: (value) => value,
  },
  'shell.track': {
    describe: "watch agents' shell commands (Claude Code Bash, Pi bash): files they change become the session's owned changes, and other sessions' files they change are reported and kept restorable: true or false",
    parse: boolean('shell.track'),
    show: (value) => String(value),
  },
  'pi.blockedTools': {
    describe: 'Pi tools whose target file the Pi extension claims before they run (comma-separated)',
    parse: toolList,
    show: (value) => value.join(','),
  },
  'snapshots.keep': {
    describe: 'how many working-tree snapshots (saved before an agent command discards changes) are kept, newest first',
    parse: (text) => {
      const value = Number(text.trim());
      if (!Number.isInteger(value) || value < 1 || value > 10_000) throw badInput(`invalid snapshots.keep "${text}"`, 'use a whole number from 1 to 10000');
      return value;
    },
    show: (value) => String(value),
  },
  'snapshots.maxAge': {
    describe: 'snapshots older than this are deleted, e.g. 7d, 12h ("none" keeps them until snapshots.keep pushes them out)',
    parse: (text) => (text.trim().toLowerCase() === 'none' ? null : parseDuration(text, 'snapshots.maxAge')),
    show: durationText,
  },
  'pi.showDiagnostics': {
    describe: "show the Pi session's claims and conflicts in Pi's footer: true or false",
    parse: boolean('pi.showDiagnostics'),
    show: (value) => String(value),
  },
};

function toolList(text: string): string[] {
  const tools = text.split(',').map((t) => t.trim()).filter(Boolean);
  if (!tools.length || !tools.every((t) => /^[\w-]+$/.test(t))) {
    throw badInput(`invalid pi.blockedTools "${text}"`, 'use tool names separated by commas, e.g. edit,write');
  }
  return [...new Set(tools)];
}

function boolean(key: string) {
  return (text: string): boolean => {
    const value = text.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(value)) return true;
    if (['false', 'no', 'off', '0'].includes(value)) return false;
    throw badInput(`invalid ${key} "${text}"`, 'use true or false');
  };
}

export type ConfigKey = keyof Config;

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

export function assertConfigKey(key: string): ConfigKey {
  if (isConfigKey(key)) return key;
  throw badInput(`unknown config key "${key}"`, `known keys: ${Object.keys(CONFIG_KEYS).join(', ')}`);
}

/** Parses `KEY=VALUE` assignments, all or nothing. */
export function parseAssignments(assignments: string[]): Partial<Config> {
  const changes: Partial<Record<ConfigKey, unknown>> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw badInput(`expected KEY=VALUE, got "${assignment}"`, 'for example: flc config set ttl=10m');
    const key = assertConfigKey(assignment.slice(0, eq).trim());
    changes[key] = CONFIG_KEYS[key].parse(assignment.slice(eq + 1));
  }
  return changes as Partial<Config>;
}

/**
 * Reads the stored (JSON) form of the config: stored values are the same text a user types,
 * so config.json stays readable and editable by hand. Bad values are reported, not ignored.
 */
export function configFromStored(stored: Record<string, unknown>): Config {
  const config: Config = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(stored)) {
    if (!isConfigKey(key)) continue; // keys of newer flc versions are kept but ignored
    const text = typeof value === 'string' ? value : String(value);
    (config as unknown as Record<string, unknown>)[key] = CONFIG_KEYS[key].parse(text);
  }
  return config;
}

export function showConfigValue<K extends ConfigKey>(key: K, value: Config[K]): string {
  return CONFIG_KEYS[key].show(value);
}
