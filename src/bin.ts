// The bundle entry for every command but the agent hooks (dist/cli.cjs).
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`flc: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 3;
  },
);
