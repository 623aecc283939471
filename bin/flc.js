#!/usr/bin/env node
// CommonJS on purpose (see bin/package.json): the fastest start Node offers.
require('../dist/cli.cjs');
