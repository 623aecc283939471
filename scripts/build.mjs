// Bundles the CLI into one file (fast start: one module to load) and the library API,
// then emits type declarations for the library.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { lazyClipanion } from './lazy-clipanion.mjs';
import { plainBuiltins } from './plain-builtins.mjs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minifySyntax: true,
  legalComments: 'none',
  define: { FLC_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
};

await Promise.all([
  // The CLI is CommonJS: Node starts a single CommonJS file measurably faster than an ES
  // module graph, and `flc` starts on every edit an agent makes.
  // simple-git and the MCP SDK stay out of the bundle: only `flc commit`/`guard` and `flc mcp`
  // load them, from node_modules.
  build({
    ...common,
    format: 'cjs',
    entryPoints: { cli: 'src/bin.ts', hook: 'src/hook-entry.ts' },
    outExtension: { '.js': '.cjs' },
    outdir: 'dist',
    minify: true,
    external: ['simple-git', '@modelcontextprotocol/sdk'],
    // import.meta.url only feeds createRequire, which takes a path as well as a URL.
    define: { ...common.define, 'import.meta.url': '__filename' },
    plugins: [lazyClipanion, plainBuiltins],
  }),
  build({ ...common, entryPoints: { index: 'src/index.ts' }, outdir: 'dist', packages: 'external' }),
  // The shell parser, one CommonJS file beside the bundles: src/core/shell.ts loads it on the
  // first Bash command (a single file starts several times faster than the package's ES modules).
  build({ ...common, format: 'cjs', minify: true, entryPoints: { unbash: 'node_modules/unbash/dist/parser.js' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
]);

// bin/flc.js runs the CommonJS bundles through vm.Script (for V8's code cache), where a dynamic
// import() has no loader: load optional packages with createRequire instead.
for (const bundle of ['cli.cjs', 'hook.cjs']) {
  if (readFileSync(new URL(`../dist/${bundle}`, import.meta.url), 'utf8').includes('import(')) {
    throw new Error(`dist/${bundle} contains a dynamic import(); use createRequire (see src/core/glob.ts)`);
  }
}

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
