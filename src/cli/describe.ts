import { formatDuration } from '../core/duration.js';
import type { Blocker } from '../core/rules.js';
import type { Claim } from '../core/types.js';

/** "2m 5s ago"-style age of an ISO time ("an unknown time" when it cannot be read). */
export function age(iso: string, now = Date.now()): string {
  return formatDuration(now - Date.parse(iso));
}

/** Time left until an ISO time ("4m 10s"), "never" for null, "expired" when past. */
export function timeLeft(iso: string | null, now = Date.now()): string {
  if (iso === null) return 'never';
  const left = Date.parse(iso) - now;
  if (!Number.isFinite(left)) return 'an unknown time';
  return left <= 0 ? 'expired' : formatDuration(left);
}

/** A claim's expiry as a phrase: "expires in 4m 10s", "never expires", "expired". */
export function expiryText(iso: string | null, now = Date.now()): string {
  const left = timeLeft(iso, now);
  if (left === 'never') return 'never expires';
  if (left === 'expired') return 'expired';
  return `expires in ${left}`;
}

/** One readable line about what blocks a request, with everything needed to act on it. */
export function blockerLine(b: Blocker, now = Date.now()): string {
  const who = b.agent ? `${b.session} (agent ${b.agent})` : b.session;
  const overlap = b.heldPath === b.path ? '' : `overlaps ${b.heldPath}, `;
  if (b.changes) return `${b.path}: ${overlap}uncommitted changes of ${who}, owned for ${age(b.acquiredAt, now)}`;
  if (b.queued) {
    return `${b.path}: ${overlap}${who} is queued first for a ${b.kind} claim (waiting ${age(b.acquiredAt, now)})${b.reason ? ` — "${b.reason}"` : ''}`;
  }
  return `${b.path}: ${overlap}held by ${who}, ${b.kind}, for ${age(b.acquiredAt, now)}, ${expiryText(b.expiresAt, now)}${b.reason ? ` — "${b.reason}"` : ''}`;
}

export function claimLine(c: Claim): string {
  return `${c.kind} ${c.path} (${c.id}, ${c.expiresAt ? expiryText(c.expiresAt) : 'no expiry'})`;
}
