import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { EXIT } from '../core/errors.js';
import { installClaudeHooks, installMcpServer, uninstallClaudeHooks, uninstallMcpServer } from '../install/claude.js';
import { HOOK_MODE_ENV, chooseHookMode } from '../install/claude-mode.js';
import { installPersonalPiExtension, installPiExtension, uninstallPersonalPiExtension, uninstallPiExtension } from '../install/pi.js';
import { installGuard, uninstallGuard } from '../git/hooks.js';

export class InitCommand extends FlcCommand {
  static paths = [['init']];
  static usage = Command.Usage({
    description: 'set flc up in this repository',
    details: `
      Creates the claim store (\`db.json\`) and \`config.json\` in \`$(git rev-parse --git-common-dir)/flc/\`, shared by every worktree of the repository, and installs the pre-commit guard (\`flc guard\`):

      - a repository using husky (\`.husky/\`, or core.hooksPath pointing into it): the flc lines go into \`.husky/pre-commit\`, created if needed, keeping what is there;
      - a repository with a \`package.json\` but no husky: husky is set up with its own installer (core.hooksPath = \`.husky/_\`, \`"prepare": "husky"\` in package.json, as \`npx husky init\` does) and the flc lines go into \`.husky/pre-commit\`;
      - any other repository: the hook goes into the hooks directory git uses (core.hooksPath, else \`.git/hooks\`); an existing pre-commit hook is kept as \`pre-commit.flc-chained\` and still runs.

      The hook finds flc in \`node_modules/.bin\`, then the main worktree's \`node_modules/.bin\`, then (plain hooks only) the flc that ran init, then \`PATH\` — never through npx. If flc has been uninstalled it warns and lets the commit through.

      \`--claude\` also merges flc's Claude Code hooks into \`.claude/settings.json\` (\`--local\`: \`.claude/settings.local.json\`, not committed), keeping every other key and hook. The hook command is \`"$CLAUDE_PROJECT_DIR"/node_modules/.bin/flc hook claude\` when flc is a dev dependency of the project, else \`flc hook claude\` (flc on PATH).

      \`--hooks\` (with \`--claude\`) chooses how the hooks reach flc. \`mcp\`: the hooks that run on every edit and turn (PreToolUse, PostToolUse, UserPromptSubmit, Stop, SubagentStop) are \`mcp_tool\` hooks, calls into the session's own \`flc mcp\` server, registered as the MCP server \`flc\` in \`.mcp.json\` (\`flc mcp --hooks-only\`: the model sees no tools) and approved in the settings file (\`enabledMcpjsonServers\`); SessionStart and SessionEnd stay commands. No process starts per edit. Needs Claude Code 2.1.118 or later. \`command\`: every hook starts \`flc hook claude\`, in any Claude Code version. \`auto\` (the default): \`mcp\` when \`claude --version\` says 2.1.118 or later, else \`command\`; the environment variable \`FLC_CLAUDE_HOOKS\` (mcp, command, auto) sets the default. In mcp mode an edit is refused, and Claude is told why, while the server cannot be reached.

      \`--mcp\` (with \`--claude\`) also registers \`flc mcp\`, the claim tools, as the MCP server \`flc\` in the project's \`.mcp.json\`, keeping the other servers (the same server answers the mcp hooks).

      \`--pi\` installs the Pi extension as \`.pi/extensions/flc.ts\` (commit it) and as your personal Pi extension \`~/.pi/agent/extensions/flc.ts\` (\`$PI_CODING_AGENT_DIR/extensions/\` if set), both updated when flc's template changed. Pi 0.79 and later load a project's extensions only once you trust the project; personal ones always. The personal copy acts only in repositories where flc is set up, and the project copy stands down where it acts, so exactly one runs, trusted or not. \`--no-pi-personal\` installs only the project copy. A personal \`flc.ts\` that is not flc's is left alone.

      Running init again changes nothing. \`--uninstall\` removes exactly what init added (restoring a chained hook, core.hooksPath and package.json's prepare script, flc's entries in the Claude settings files and .mcp.json, and the Pi extension unless you changed it); the claim store is kept. The personal Pi extension serves all your repositories: \`--uninstall --pi\` removes it too.

      Exit codes: 0 done, 2 a bad option (such as \`--hooks=other\`), 3 not a git repository or the store cannot be created.
    `,
    examples: [
      ['Set flc up in the current repository', 'flc init'],
      ['Only the store, no git hook', 'flc init --no-guard'],
      ['Also set up Claude Code hooks for the team', 'flc init --claude'],
      ['Claude Code hooks for yourself only', 'flc init --claude --local'],
      ['Hooks plus the claim tools as an MCP server', 'flc init --claude --mcp'],
      ['Hooks that start a process per edit (any Claude Code version)', 'flc init --claude --hooks=command'],
      ['Set up the Pi extension (project and personal copy)', 'flc init --pi'],
      ['Remove the git hook again', 'flc init --uninstall'],
    ],
  });

  uninstall = Option.Boolean('--uninstall', false, { description: 'Remove what init installed (the store is kept)' });
  guard = Option.Boolean('--guard', true, { description: 'Install the pre-commit guard (default; --no-guard skips it)' });
  claude = Option.Boolean('--claude', false, { description: "Merge flc's hooks into .claude/settings.json" });
  local = Option.Boolean('--local', false, { description: 'With --claude: use .claude/settings.local.json instead' });
  mcp = Option.Boolean('--mcp', false, { description: 'With --claude: also register `flc mcp` in .mcp.json' });
  hooks = Option.String('--hooks', { description: `With --claude: mcp, command or auto (default; ${HOOK_MODE_ENV} sets it)` });
  pi = Option.Boolean('--pi', false, { description: 'Install the Pi extension as .pi/extensions/flc.ts and as your personal Pi extension' });
  piPersonal = Option.Boolean('--pi-personal', true, { description: 'With --pi: also install the personal copy (default; --no-pi-personal skips it)' });

  async run(): Promise<number> {
    if (this.local && !this.claude) throw usage('--local goes with --claude', 'flc init --claude --local');
    if (this.mcp && !this.claude) throw usage('--mcp goes with --claude', 'flc init --claude --mcp');
    if (this.hooks !== undefined && !this.claude) throw usage('--hooks goes with --claude', 'flc init --claude --hooks=mcp');
    const coordinator = this.coordinator();
    if (this.uninstall) {
      const { actions } = uninstallGuard(coordinator.repo);
      for (const file of uninstallClaudeHooks(coordinator.repo)) actions.push(`removed flc's hooks from ${file}`);
      if (uninstallMcpServer(coordinator.repo)) actions.push('removed the flc MCP server from .mcp.json');
      const pi = uninstallPiExtension(coordinator.repo);
      if (pi.removed) actions.push('removed the Pi extension .pi/extensions/flc.ts');
      if (pi.kept) actions.push(`kept ${pi.kept}: it was changed since flc init installed it`);
      const personal = this.pi ? uninstallPersonalPiExtension() : { removed: false };
      if (personal.removed) actions.push('removed your personal Pi extension');
      if (personal.kept) actions.push(`kept ${personal.kept}: it was changed since flc init installed it`);
      if (this.json) this.printJson({ ok: true, actions });
      else if (!actions.length) this.print('flc init had installed nothing here; nothing to remove');
      else for (const action of actions) this.print(action);
      return EXIT.ok;
    }
    const chosen = this.claude ? chooseHookMode(this.hooks, process.env, coordinator.repo.root) : null; // a bad --hooks changes nothing
    const created = await coordinator.store.init();
    coordinator.store.read(); // an existing but corrupt store is reported, not papered over
    const guard = this.guard ? installGuard(coordinator.repo, ownBin()) : null;
    const claude = chosen ? installClaudeHooks(coordinator.repo, { local: this.local, waitTimeoutMs: coordinator.store.config().waitTimeout, mode: chosen.mode }) : null;
    // The hooks' server (mcp mode) and the claim tools (--mcp) are one .mcp.json entry.
    const mcp = this.mcp || chosen?.mode === 'mcp' ? installMcpServer(coordinator.repo, { claimTools: this.mcp || undefined }) : null;
    const mcpRemoved = chosen?.mode === 'command' && !this.mcp && uninstallMcpServer(coordinator.repo, { hooksOnly: true });
    const pi = this.pi ? installPiExtension(coordinator.repo) : null;
    const piPersonal = this.pi && this.piPersonal ? installPersonalPiExtension() : null;
    if (this.json) {
      this.printJson({
        ok: true,
        root: coordinator.repo.root,
        store: coordinator.store.dir,
        created,
        guard: guard && { file: guard.record.file, layout: guard.record.layout, actions: guard.actions },
        claude: claude && { file: claude.file, changed: claude.changed, command: claude.command, hooks: chosen!.mode, why: chosen!.why },
        mcp: mcp && { file: mcp.file, changed: mcp.changed, claimTools: mcp.claimTools },
        pi: pi && { file: pi.file, changed: pi.changed, personal: piPersonal && { file: piPersonal.file, changed: piPersonal.changed, installed: !piPersonal.foreign } },
      });
      return EXIT.ok;
    }
    for (const file of created) this.print(`${this.out.green('created')} ${file}`);
    for (const action of guard?.actions ?? []) this.print(`${this.out.green('guard:')} ${action}`);
    if (claude?.changed) this.print(`${this.out.green('claude:')} added flc's hooks to ${claude.file}: ${chosen!.mode === 'mcp' ? 'mcp_tool hooks into the session\'s flc MCP server' : `command hooks (${claude.command})`} (${chosen!.why})`);
    if (mcp?.changed) this.print(`${this.out.green('claude:')} registered the flc MCP server (${mcp.claimTools ? 'claim tools and hooks' : 'hooks only'}) in ${mcp.file}`);
    if (mcpRemoved) this.print(`${this.out.green('claude:')} removed the hooks-only flc MCP server from .mcp.json (command hooks need no server)`);
    if (pi?.changed) this.print(`${this.out.green('pi:')} ${pi.replaced ? 'updated' : 'installed'} the Pi extension ${pi.file} (commit it)`);
    if (piPersonal?.changed) this.print(`${this.out.green('pi:')} ${piPersonal.replaced ? 'updated' : 'installed'} your personal Pi extension ${piPersonal.file}: Pi loads it in every session, trusted project or not, and it acts only where flc is set up`);
    if (pi?.changed && !libraryInProject(coordinator.repo.root)) {
      this.print(`${this.out.yellow('pi:')} file-lock-coordinator is not installed in this project, so the extension will run the flc command, a process for every claim and release (see the README's Benchmarks); npm install --save-dev file-lock-coordinator makes it call flc in-process`);
    }
    if (pi && (!piPersonal || piPersonal.foreign)) {
      const why = piPersonal?.foreign ? `${piPersonal.file} is not flc's and was left alone, so ` : '';
      this.print(`${this.out.yellow('pi:')} ${why}Pi 0.79 and later load .pi/extensions/flc.ts only once you trust this project (Pi asks at start; \`pi -p\` needs --approve); until then edits are not coordinated`);
    }
    if (!created.length && !guard?.changed && !claude?.changed && !mcp?.changed && !mcpRemoved && !pi?.changed && !piPersonal?.changed) this.print(`flc is already set up in ${coordinator.repo.root}`);
    else this.print(`flc is set up in ${coordinator.repo.root}. Try: flc claim <file>, flc status`);
    return EXIT.ok;
  }
}

/** Whether the Pi extension will find flc as a library (the fast mode): the project's dev dependency. */
function libraryInProject(root: string): boolean {
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules', 'file-lock-coordinator', 'dist', 'index.js'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/** The flc executable running now, as a last-resort path for plain (uncommitted) hooks. */
function ownBin(): string | undefined {
  try {
    return fs.realpathSync(process.argv[1]!);
  } catch {
    return undefined;
  }
}
