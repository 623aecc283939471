#!/usr/bin/env node
// CommonJS on purpose (see bin/package.json): the fastest start Node offers. Agent hooks run on
// every edit, so `flc hook claude` loads a bundle of its own, without the command-line framework.
const args = process.argv.slice(2);
require(args.length === 2 && args[0] === 'hook' && args[1] === 'claude' ? '../dist/hook.cjs' : '../dist/cli.cjs');
