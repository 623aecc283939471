import fs from 'node:fs';
import path from 'node:path';
import type { ClaimKind } from '../core/types.js';

export type EventName =
  | 'claim:acquired'
  | 'claim:released'
  | 'claim:conflicted'
  | 'claim:expired'
  | 'claim:waiting'
  | 'claim:skipped'
  | 'session:started'
  | 'session:ended'
  | 'store:repaired'
  | 'config:changed'
  | 'guard:blocked'
  | 'hook:error'
  | 'changes:owned'
  | 'changes:cleared'
  | 'changes:handed-over'
  | 'changes:adopted'
  | 'shell:refused'
  | 'shell:unparsed'
  | 'snapshot:saved'
  | 'snapshot:restored'
  | 'changes:overwritten'
  | 'changes:ambiguous'
  | 'changes:restored';

/** One line of events.jsonl. */
export interface JournalEvent {
  t: string;
  event: EventName;
  session?: string | undefined;
  agent?: string | undefined;
  path?: string | undefined;
  kind?: ClaimKind | undefined;
  claimId?: string | undefined;
  /** For conflicts: who was in the way. For forced releases: whose claim it was. */
  holder?: { session: string; agent?: string | undefined; kind: ClaimKind; path: string; queued?: boolean } | undefined;
  /** Who released a claim that was not theirs (`release --force`). */
  by?: string | undefined;
  /** Why: "timeout", "deadlock", "conflict", "forced", "ttl", ... */
  cause?: string | undefined;
  detail?: string | undefined;
}

/**
 * The append-only journal, written after the store change it records (a journal that cannot
 * be written is a warning of the store, not a failed change). Appends are single `write` calls with O_APPEND, so concurrent
 * writers never interleave within a line. When the file passes `maxBytes` it is rotated to
 * `events.1.jsonl` (replacing the older one), which bounds the journal to about 2 x maxBytes.
 */
export class Journal {
  readonly rotatedPath: string;

  constructor(readonly path: string, private readonly maxBytes: () => number) {
    this.rotatedPath = path.replace(/\.jsonl$/, '.1.jsonl');
  }

  append(events: JournalEvent[]): void {
    if (!events.length) return;
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    this.rotateIfFull();
    fs.appendFileSync(this.path, text);
  }

  private rotateIfFull(): void {
    let size: number;
    try {
      size = fs.statSync(this.path).size;
    } catch {
      return;
    }
    if (size >= this.maxBytes()) fs.renameSync(this.path, this.rotatedPath);
  }

  /**
   * Why appending to (or rotating) the journal would fail now, or null. For `flc doctor`:
   * the store does not fail a change over its journal, it warns.
   */
  writeProblem(): string | null {
    for (const file of [this.path, this.rotatedPath]) {
      try {
        if (!fs.statSync(file).isFile()) return `${file} is not a file`;
      } catch {
        // missing is fine: it is created when needed
      }
    }
    try {
      if (fs.existsSync(this.path)) fs.accessSync(this.path, fs.constants.W_OK);
      fs.accessSync(path.dirname(this.path), fs.constants.W_OK);
    } catch (error) {
      return `${this.path} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
    return null;
  }

  /** The last `n` events, oldest first (reads the rotated file too when needed). */
  tail(n: number): JournalEvent[] {
    const lines = [...readLines(this.rotatedPath), ...readLines(this.path)];
    return lines.slice(Math.max(0, lines.length - n)).flatMap(parseLine);
  }
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function parseLine(line: string): JournalEvent[] {
  try {
    const event = JSON.parse(line) as JournalEvent;
    return event && typeof event.event === 'string' ? [event] : [];
  } catch {
    return []; // a line cut short by a crash is skipped, not fatal
  }
}
