import { type HookMode, describeReal, useHookMode } from './harness.js';
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
import { cases as worktree } from './worktree.cases.js';

/**
 * Every real-client case, registered in one hook mode (`flc init --claude --hooks=<mode>` for the
 * repositories the cases make). In mcp mode the cases about the command hook itself are left out:
 * `payloads` (what Claude Code sends a command hook), `devInstall` and `missingFlc` (how the
 * command finds flc; mcp-hooks covers a missing flc in mcp mode), `timeouts` (the command hook's
 * timeout against Claude Code's), and `mcpHooks`, which chooses its modes itself.
 */
export function registerAll(mode: HookMode): void {
  useHookMode(mode);
  describeReal(`the real Claude Code CLI (${mode} hooks)`, () => {
    if (mode === 'command') {
      payloads();
      devInstall();
    }
    twoSessions();
    session();
    subagents();
    turnEndings();
    longTurn();
    addDir();
    clear();
    if (mode === 'command') {
      timeouts();
      missingFlc();
    }
    nested();
    identity();
    shell();
    shellAfter();
    worktree();
    if (mode === 'command') mcpHooks();
  });
}
