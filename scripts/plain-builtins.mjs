// esbuild plugin for the CommonJS bundles: `import fs from 'node:fs'` would be compiled to an
// interop wrapper that copies every export of the module, once per importing file (about a
// thousand property definitions at each start). A Node built-in's default export is the module
// itself, so a one-line ES module re-exporting `require(...)` gives the same value for free.
const BUILTIN_DEFAULTS = /^node:(fs|path|os|http)$/;

export const plainBuiltins = {
  name: 'plain-builtins',
  setup(build) {
    build.onResolve({ filter: BUILTIN_DEFAULTS }, (args) => {
      if (args.namespace === 'plain-builtin') return { path: args.path, external: true }; // the require() inside
      if (args.importer.includes('node_modules')) return undefined;
      return { path: args.path, namespace: 'plain-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'plain-builtin' }, (args) => ({
      contents: `export default require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
