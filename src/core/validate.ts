import { CLAIM_KINDS, type DbData } from './types.js';

/**
 * The shape of db.json, checked entry by entry. Required fields must have their types; fields
 * and top-level lists this version does not know (added by newer versions) are kept as they
 * are. A store with bad entries is refused whole (`problems`), and `repairDb` keeps every
 * valid entry and drops only the bad ones.
 */
export interface StoreProblem {
  /** Where: "waiters[0]", "claims[3]", "sessions". */
  where: string;
  why: string;
}

export interface Validation {
  /** Not a store at all (not an object, unknown version): nothing can be kept. */
  fatal: string | null;
  problems: StoreProblem[];
}

type FieldCheck = (value: unknown) => string | null;

const text: FieldCheck = (v) => (typeof v === 'string' && v !== '' ? null : 'a non-empty string');
const anyText: FieldCheck = (v) => (typeof v === 'string' ? null : 'a string');
const optionalText: FieldCheck = (v) => (v === undefined || typeof v === 'string' ? null : 'a string when present');
const time: FieldCheck = (v) => (typeof v === 'string' && Number.isFinite(Date.parse(v)) ? null : 'an ISO time');
const timeOrNull: FieldCheck = (v) => (v === null || time(v) === null ? null : 'an ISO time or null');
const msOrNull: FieldCheck = (v) => (v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0) ? null : 'a number of ms or null');
const kind: FieldCheck = (v) => ((CLAIM_KINDS as readonly unknown[]).includes(v) ? null : `one of ${CLAIM_KINDS.join(', ')}`);
const finite: FieldCheck = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'a number');
const pid: FieldCheck = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'a process id');
const paths: FieldCheck = (v) => (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string' && p !== '') ? null : 'a non-empty list of paths');

const CLAIM: Record<string, FieldCheck> = {
  id: text,
  path: text,
  session: text,
  agent: optionalText,
  kind,
  worktree: anyText,
  reason: optionalText,
  acquiredAt: time,
  renewedAt: time,
  expiresAt: timeOrNull,
  ttlMs: msOrNull,
};

const WAITER: Record<string, FieldCheck> = {
  id: text,
  session: text,
  agent: optionalText,
  paths,
  kind,
  worktree: anyText,
  reason: optionalText,
  ttlMs: msOrNull,
  enqueuedAt: time,
  seq: finite,
  deadline: time,
  pid,
  host: anyText,
  scope: optionalText,
};

const SESSION: Record<string, FieldCheck> = {
  id: text,
  firstSeen: time,
  lastSeen: time,
  worktree: optionalText,
};

const optionalTime: FieldCheck = (v) => (v === undefined || time(v) === null ? null : 'an ISO time when present');
const textOrNull: FieldCheck = (v) => (v === null || typeof v === 'string' ? null : 'a string or null');

/** An owned-changes record (core/changes). */
const CHANGE: Record<string, FieldCheck> = {
  path: text,
  session: text,
  agent: optionalText,
  worktree: anyText,
  watchedAt: time,
  base: textOrNull,
  seen: textOrNull,
  since: optionalTime,
};

/** A kept version of a file (core/shell-changes). */
const KEPT: Record<string, FieldCheck> = {
  path: text,
  worktree: anyText,
  session: text,
  blob: text,
  at: time,
};

/**
 * The lists this version checks, entry by entry; an optional list may be absent (read as empty).
 * Other top-level keys are kept untouched.
 */
const LISTS: Record<string, { shape: Record<string, FieldCheck>; optional?: true }> = {
  claims: { shape: CLAIM },
  waiters: { shape: WAITER },
  sessions: { shape: SESSION },
  changes: { shape: CHANGE, optional: true },
  kept: { shape: KEPT, optional: true },
};

/** Why `entry` is not a valid entry of the shape, or null when it is. */
function entryProblem(entry: unknown, shape: Record<string, FieldCheck>): string | null {
  if (entry === null) return 'is null';
  if (typeof entry !== 'object' || Array.isArray(entry)) return `is ${Array.isArray(entry) ? 'a list' : typeof entry}, not an object`;
  for (const [field, check] of Object.entries(shape)) {
    const value = (entry as Record<string, unknown>)[field];
    const wanted = check(value);
    if (wanted) return `${field} ${value === undefined ? 'is missing' : `is ${JSON.stringify(value)?.slice(0, 40)}`}, not ${wanted}`;
  }
  return null;
}

export function validateDb(data: unknown): Validation {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { fatal: 'not a JSON object', problems: [] };
  const db = data as Record<string, unknown>;
  if (db.version !== 1) return { fatal: `unknown version ${JSON.stringify(db.version)}`, problems: [] };
  const problems: StoreProblem[] = [];
  for (const [list, { shape, optional }] of Object.entries(LISTS)) {
    const entries = db[list];
    if (entries === undefined && optional) continue;
    if (!Array.isArray(entries)) {
      problems.push({ where: list, why: entries === undefined ? 'is missing' : 'is not a list' });
      continue;
    }
    entries.forEach((entry, i) => {
      const why = entryProblem(entry, shape);
      if (why) problems.push({ where: `${list}[${i}]`, why });
    });
  }
  if (db.nextSeq !== undefined && finite(db.nextSeq)) problems.push({ where: 'nextSeq', why: 'is not a number' });
  return { fatal: null, problems };
}

/** A valid store (validateDb found no fatal problem and no problems), with defaults filled in. */
export function asDb(data: Record<string, unknown>): DbData {
  const db = data as unknown as DbData;
  if (typeof db.nextSeq !== 'number') db.nextSeq = db.waiters.reduce((max, w) => Math.max(max, w.seq), 0) + 1;
  return db;
}

/**
 * Keeps every valid entry and drops the bad ones (a list that is not a list becomes empty).
 * Unknown top-level keys are kept. Call only when validateDb found nothing fatal.
 */
export function repairDb(data: Record<string, unknown>): { db: DbData; dropped: StoreProblem[] } {
  const { problems } = validateDb(data);
  const repaired: Record<string, unknown> = { ...data };
  for (const [list, { shape, optional }] of Object.entries(LISTS)) {
    const entries = data[list];
    if (entries === undefined && optional) continue;
    repaired[list] = Array.isArray(entries) ? entries.filter((entry) => entryProblem(entry, shape) === null) : [];
  }
  if (repaired.nextSeq !== undefined && finite(repaired.nextSeq)) delete repaired.nextSeq;
  return { db: asDb(repaired), dropped: problems };
}

export function describeProblems(problems: StoreProblem[], max = 3): string {
  const shown = problems.slice(0, max).map((p) => `${p.where} ${p.why}`);
  const more = problems.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}
