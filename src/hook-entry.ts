// The bundle entry for `flc hook claude` and `flc mcp --hooks-only` (dist/hook.cjs): the hook
// path only, without the command-line framework (or the MCP SDK), so the few milliseconds of
// loading it are not paid on every edit, nor at the start of every session.
import { hookMain } from './hooks/main.js';
import { serveHookMcp } from './hooks/mcp-hook.js';

if (process.argv[2] === 'mcp') void serveHookMcp();
else void hookMain();
