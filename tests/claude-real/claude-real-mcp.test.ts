import { registerAll } from './all-cases.js';

/** The same real-client cases with mcp hooks (`flc init --claude --hooks=mcp`): see all-cases.ts. */
registerAll('mcp');
