/**
 * Random hex for ids and nonces. They need to be unique, not unpredictable, and loading
 * node:crypto costs several milliseconds of every start (hooks run on every edit).
 */
export function randomHex(length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}
