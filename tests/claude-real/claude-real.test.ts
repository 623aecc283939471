import { describeReal } from './harness.js';
import { cases as addDir } from './add-dir.cases.js';
import { cases as clear } from './clear.cases.js';
import { cases as devInstall } from './dev-install.cases.js';
import { cases as identity } from './identity.cases.js';
import { cases as longTurn } from './long-turn.cases.js';
import { cases as missingFlc } from './missing-flc.cases.js';
import { cases as nested } from './nested.cases.js';
import { cases as mcpHooks } from './mcp-hooks.cases.js';
import { cases as payloads } from './payloads.cases.js';
import { cases as session } from './session.cases.js';
import { cases as shell } from './shell.cases.js';
import { cases as shellAfter } from './shell-after.cases.js';
import { cases as subagents } from './subagents.cases.js';
import { cases as timeouts } from './timeouts.cases.js';
import { cases as turnEndings } from './turn-endings.cases.js';
import { cases as twoSessions } from './two-sessions.cases.js';

/**
 * The real Claude Code CLI, driven headless against a scripted fake Messages API (see
 * harness.ts and PAYLOADS.md). One test file, so that its sessions run concurrently (vitest runs
 * one file at a time on a 2-core machine): most of a case's time is spent waiting on processes.
 * Run one topic with `npx vitest run tests/claude-real -t subagents`.
 */
describeReal('the real Claude Code CLI', () => {
  payloads();
  devInstall();
  twoSessions();
  session();
  subagents();
  turnEndings();
  longTurn();
  addDir();
  clear();
  timeouts();
  missingFlc();
  nested();
  identity();
  shell();
  shellAfter();
  mcpHooks();
});
