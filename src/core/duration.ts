import { badInput } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

/**
 * Parses "30s", "2m", "1.5h", "500ms" or a bare number of seconds into milliseconds.
 * Compound forms ("1m30s") are accepted too.
 */
export function parseDuration(input: string, what = 'duration'): number {
  const text = input.trim().toLowerCase();
  if (text === '') throw badInput(`empty ${what}`, 'use a duration like 30s, 2m or 1h');
  const parts = text.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d)?/g);
  if (!parts || parts.join('') !== text) {
    throw badInput(`invalid ${what} "${input}"`, 'use a duration like 30s, 2m, 1h30m or 500ms');
  }
  let total = 0;
  for (const part of parts) {
    const [, amount, unit] = DURATION.exec(part)!;
    total += Number(amount) * UNIT_MS[unit ?? 's']!;
  }
  if (!Number.isFinite(total) || total > 365 * UNIT_MS.d!) {
    throw badInput(`${what} "${input}" is too long`, 'use at most a year');
  }
  return Math.round(total);
}

/** The shortest TTL a claim may have: anything shorter would be expired before it is used. */
export const MIN_TTL_MS = 1000;

/**
 * Parses a TTL: a duration of at least 1s, or "0", "none" or "never" for a claim that never
 * expires (null). A zero or sub-second duration ("0s", "500ms") is refused, not rounded.
 */
export function parseTtl(input: string): number | null {
  const text = input.trim().toLowerCase();
  if (text === 'none' || text === 'never' || text === '0') return null;
  return checkTtl(parseDuration(input, 'ttl'), input);
}

/** A TTL in ms (library callers), refused under MIN_TTL_MS; null = never expires. */
export function checkTtl(ms: number | null, shown: string = `${ms}ms`): number | null {
  if (ms === null) return null;
  if (!Number.isFinite(ms) || ms < MIN_TTL_MS) {
    throw badInput(`ttl ${shown} is too short: a claim must live at least 1s`, 'use a ttl of at least 1s (e.g. 30s, 5m), or 0/never for a claim that never expires');
  }
  return ms;
}

/** Formats milliseconds for people: "850ms", "42s", "4m 10s", "2h 5m", "3d 4h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'an unknown time';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)}ms`;
  const seconds = Math.floor(abs / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes}m ${seconds % 60}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}

/** Canonical short text for a stored duration ("5m", "90s", "none"). */
export function durationText(ms: number | null): string {
  if (ms === null) return 'none';
  for (const [unit, size] of [['d', UNIT_MS.d!], ['h', UNIT_MS.h!], ['m', UNIT_MS.m!], ['s', UNIT_MS.s!]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
