// Bundles the CLI into one file (fast start: one module to load) and the library API,
// then emits type declarations for the library.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

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
  build({
    ...common,
    entryPoints: { cli: 'src/bin.ts' },
    outdir: 'dist',
    minify: true,
    // Bundled CommonJS dependencies (clipanion) still call require() for Node built-ins.
    banner: { js: "import { createRequire as __flcRequire } from 'node:module'; const require = __flcRequire(import.meta.url);" },
  }),
  build({ ...common, entryPoints: { index: 'src/index.ts' }, outdir: 'dist', packages: 'external' }),
]);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
