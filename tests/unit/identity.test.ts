import { describe, expect, it } from 'vitest';
import { resolveSession } from '../../src/identity.js';

describe('resolveSession', () => {
  it('takes a Pi bash command\'s PI_SESSION_ID as pi:<id>, after FLC_SESSION and CLAUDE_CODE_SESSION_ID', () => {
    expect(resolveSession({ env: { PI_SESSION_ID: '01a2-b3' } })).toBe('pi:01a2-b3');
    expect(resolveSession({ env: { PI_SESSION_ID: '01a2-b3', FLC_SESSION: 'pi:01a2-b3' } })).toBe('pi:01a2-b3');
    expect(resolveSession({ env: { PI_SESSION_ID: 'x', FLC_SESSION: 'chosen' } })).toBe('chosen');
    expect(resolveSession({ env: { PI_SESSION_ID: 'x', CLAUDE_CODE_SESSION_ID: 'claude-1' } })).toBe('claude-1');
    expect(resolveSession({ flag: 'flag', env: { PI_SESSION_ID: 'x' } })).toBe('flag');
  });

  it('ignores an empty PI_SESSION_ID', () => {
    expect(resolveSession({ env: { PI_SESSION_ID: '  ', USER: 'ann' } })).toMatch(/^cli:/);
  });
});
