// esbuild plugin: clipanion builds its default context when it is loaded, which touches
// process.stdin (loading net, stream and tty: ~10 ms) and tty's colour depth. flc passes its own
// context and colour setting, so the bundle makes both lazy. The build fails if clipanion's
// source no longer has the expected shape, rather than silently shipping a slow start.
import fs from 'node:fs';

const DEFAULT_CONTEXT = `Cli.defaultContext = {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    colorDepth: platform.getDefaultColorDepth(),
};`;

const LAZY_CONTEXT = `Cli.defaultContext = {
    env: process.env,
    get stdin() { return process.stdin; },
    stdout: process.stdout,
    stderr: process.stderr,
    get colorDepth() { return platform.getDefaultColorDepth(); },
};`;

export const lazyClipanion = {
  name: 'lazy-clipanion',
  setup(build) {
    build.onLoad({ filter: /clipanion[\\/]lib[\\/](advanced[\\/]Cli|platform[\\/]node)\.js$/ }, async (args) => {
      let source = await fs.promises.readFile(args.path, 'utf8');
      if (args.path.endsWith('Cli.js')) {
        if (!source.includes(DEFAULT_CONTEXT)) throw new Error(`lazy-clipanion: unexpected source in ${args.path}`);
        source = source.replace(DEFAULT_CONTEXT, LAZY_CONTEXT);
        // Spreading the default context would read the getters; flc's context is complete.
        source = source.replaceAll('...Cli.defaultContext,', '');
      } else {
        const eager = "var tty = require('tty');";
        if (!source.includes(eager)) throw new Error(`lazy-clipanion: unexpected source in ${args.path}`);
        source = source
          .replace(eager, "var tty;")
          .replace("var tty__default = /*#__PURE__*/_interopDefaultLegacy(tty);", "var tty__default = { get default() { return require('tty'); } };");
      }
      return { contents: source, loader: 'js' };
    });
  },
};
