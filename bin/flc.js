#!/usr/bin/env node
// CommonJS on purpose (see bin/package.json): the fastest start Node offers. Agent hooks run on
// every edit, so `flc hook claude` (and `flc mcp --hooks-only`, the hooks' MCP server) loads a
// bundle of its own, without the command-line framework.
'use strict';
const path = require('node:path');

const args = process.argv.slice(2);
const hookPath = args.length === 2 && ((args[0] === 'hook' && args[1] === 'claude') || (args[0] === 'mcp' && args[1] === '--hooks-only'));
const bundle = path.join(__dirname, '..', 'dist', hookPath ? 'hook.cjs' : 'cli.cjs');

const run = compileWithCodeCache(bundle);
if (run) run();
else require(bundle);

/**
 * Compiling the bundle is a large part of each start. V8's code cache for it is kept in a
 * private directory (per user, not writable by others) and reused while the bundle and Node are
 * unchanged. Any problem with the cache means a plain require(); FLC_NO_CODE_CACHE=1 turns it off.
 * Returns a function that runs the bundle as a CommonJS module, or null.
 */
function compileWithCodeCache(file) {
  if (process.env.FLC_NO_CODE_CACHE) return null;
  try {
    const fs = require('node:fs');
    const os = require('node:os');
    const vm = require('node:vm');
    const Module = require('node:module');
    const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
    const dir = path.join(os.tmpdir(), `flc-code-cache-${uid}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const owner = fs.statSync(dir);
    if ((typeof process.getuid === 'function' && owner.uid !== process.getuid()) || (owner.mode & 0o022) !== 0) return null;
    const source = fs.readFileSync(file, 'utf8');
    const stat = fs.statSync(file);
    const prefix = `${hash(file)}-${path.basename(file, '.cjs')}-`;
    const key = `${prefix}${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}.bin`;
    const cacheFile = path.join(dir, key);
    let cachedData;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    // The bundles contain no dynamic import() (scripts/build.mjs checks), which a vm.Script
    // could not resolve.
    const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
    if (!cachedData || script.cachedDataRejected) {
      process.once('exit', () => {
        try {
          const temp = `${cacheFile}.${process.pid}.tmp`;
          fs.writeFileSync(temp, script.createCachedData());
          fs.renameSync(temp, cacheFile);
          // Caches of earlier builds of this bundle are of no more use.
          for (const old of fs.readdirSync(dir)) {
            if (old.startsWith(prefix) && old !== key && old.endsWith('.bin')) fs.rmSync(path.join(dir, old), { force: true });
          }
        } catch {
          // no cache this time
        }
      });
    }
    const wrapper = script.runInThisContext();
    const mod = new Module(file, module);
    mod.filename = file;
    const localRequire = Module.createRequire(file);
    return () => wrapper.call(mod.exports, mod.exports, localRequire, mod, file, path.dirname(file));
  } catch {
    return null;
  }
}

function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
