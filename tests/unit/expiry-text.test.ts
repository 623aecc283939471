import { describe, expect, it } from 'vitest';
import { age, blockerLine, claimLine, expiryText } from '../../src/cli/describe.js';
import { parseTtl } from '../../src/core/duration.js';
import type { Blocker } from '../../src/core/rules.js';
import { NOW, claim } from './factories.js';

function blocker(extra: Partial<Blocker> = {}): Blocker {
  return { path: 'a.ts', heldPath: 'a.ts', session: 'alice', kind: 'write', queued: false, acquiredAt: new Date(NOW - 60_000).toISOString(), expiresAt: new Date(NOW + 60_000).toISOString(), ...extra };
}

describe('expiry and age text', () => {
  it('never says "expires in expired"', () => {
    const past = new Date(NOW - 1000).toISOString();
    expect(blockerLine(blocker({ expiresAt: past }), NOW)).not.toMatch(/expires in expired/);
    expect(blockerLine(blocker({ expiresAt: past }), NOW)).toMatch(/expired/);
    expect(expiryText(past, NOW)).toBe('expired');
    expect(expiryText(null, NOW)).toBe('never expires');
    expect(expiryText(new Date(NOW + 90_000).toISOString(), NOW)).toBe('expires in 1m 30s');
    expect(claimLine(claim('a.ts', 'alice', 'write', { expiresAt: new Date(Date.now() - 5).toISOString() }))).not.toMatch(/expires in expired/);
  });

  it('never says NaN for a time it cannot read', () => {
    expect(age('not a date', NOW)).toBe('an unknown time');
    expect(blockerLine(blocker({ acquiredAt: 'garbage', expiresAt: 'garbage' }), NOW)).not.toMatch(/NaN/);
  });
});

describe('parseTtl', () => {
  it('means no expiry for 0, none and never', () => {
    for (const text of ['0', 'none', 'never', 'NEVER', ' 0 ']) expect(parseTtl(text)).toBeNull();
  });

  it('refuses anything under one second, whatever the unit', () => {
    for (const text of ['0s', '0ms', '0m', '1ms', '999ms', '0.5s']) expect(() => parseTtl(text), text).toThrow(/at least 1s/);
    expect(parseTtl('1s')).toBe(1000);
    expect(parseTtl('1000ms')).toBe(1000);
  });
});
