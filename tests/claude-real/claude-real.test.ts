import { registerAll } from './all-cases.js';

/**
 * The real Claude Code CLI, driven headless against a scripted fake Messages API (see
 * harness.ts and PAYLOADS.md), with command hooks (`flc hook claude`, a process per hook).
 * One test file per mode, so that a mode's sessions run concurrently (vitest runs one file at a
 * time on a 2-core machine): most of a case's time is spent waiting on processes. mcp mode:
 * claude-real-mcp.test.ts. Run one topic with `npx vitest run tests/claude-real -t subagents`.
 */
registerAll('command');
