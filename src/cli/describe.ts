import { formatDuration } from '../core/duration.js';
import type { Blocker } from '../core/rules.js';
import type { Claim } from '../core/types.js';

/** "2m 5s ago"-style age of an ISO time. */
export function age(iso: string, now = Date.now()): string {
  return formatDuration(now - Date.parse(iso));
}

/** Time left until an ISO time ("4m 10s"), "never" for null, "expired" when past. */
export function timeLeft(iso: string | null, now = Date.now()): string {
  if (iso === null) return 'never';
  const left = Date.parse(iso) - now;
  return left <= 0 ? 'expired' : formatDuration(left);
}

/** One readable line about what blocks a request, with everything needed to act on it. */
export function blockerLine(b: Blocker, now = Date.now()): string {
  const who = b.agent ? `${b.session} (agent ${b.agent})` : b.session;
  const overlap = b.heldPath === b.path ? '' : `overlaps ${b.heldPath}, `;
  if (b.queued) {
    return `${b.path}: ${overlap}${who} is queued first for a ${b.kind} claim (waiting ${age(b.acquiredAt, now)})${b.reason ? ` — "${b.reason}"` : ''}`;
  }
  const expiry = b.expiresAt === null ? 'never expires' : `expires in ${timeLeft(b.expiresAt, now)}`;
  return `${b.path}: ${overlap}held by ${who}, ${b.kind}, for ${age(b.acquiredAt, now)}, ${expiry}${b.reason ? ` — "${b.reason}"` : ''}`;
}

export function claimLine(c: Claim): string {
  return `${c.kind} ${c.path} (${c.id}${c.expiresAt ? `, expires in ${timeLeft(c.expiresAt)}` : ', no expiry'})`;
}
