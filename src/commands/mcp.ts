import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

declare const FLC_VERSION: string;

export class McpCommand extends FlcCommand {
  static paths = [['mcp']];
  static usage = Command.Usage({
    category: 'Agent integrations',
    description: 'serve the claim tools and the Claude Code hook over MCP on stdio',
    details: `
      An MCP server on stdin/stdout with the tools \`file_claiming_claim\` { paths, kind?, ttl?, reason? }, \`file_claiming_release\` { id? | path? }, \`file_claiming_list\` {} and \`file_claiming_check\` { path, kind? }, acting for the session in \`CLAUDE_CODE_SESSION_ID\` or \`FLC_SESSION\` (or \`--session\`). Register it with \`flc init --claude --mcp\`.

      It also answers \`claude_hook\`, not listed to the model: Claude Code's \`mcp_tool\` hooks (Claude Code 2.1.118 and later) call it with the hook input, and it runs exactly what \`flc hook claude\` runs, without starting a process per edit. \`flc init --claude\` sets this up (see \`--hooks\`).

      \`--hooks-only\` serves only \`claude_hook\`: the model sees no claim tools. This is the server \`flc init --claude\` registers unless \`--mcp\` is given; it needs no repository where it starts.
    `,
    examples: [
      ['What the MCP client runs for the claim tools (and the hooks)', 'flc mcp'],
      ['What Claude Code runs for the hooks alone', 'flc mcp --hooks-only'],
    ],
  });

  sessionFlag = Option.String('--session,-s', { description: 'Act as this session' });
  hooksOnly = Option.Boolean('--hooks-only', false, { description: 'Serve only the Claude Code hook tool, no claim tools' });

  async run(): Promise<number> {
    if (this.hooksOnly) {
      // Normally bin/flc.js runs this from the hook bundle and never gets here.
      const { serveHookMcp } = await import('../hooks/mcp-hook.js');
      await serveHookMcp();
      return EXIT.ok;
    }
    const { serveMcp } = await import('../server/mcp.js');
    await serveMcp({ coordinator: this.coordinator(), session: this.session(this.sessionFlag) }, typeof FLC_VERSION === 'string' ? FLC_VERSION : 'dev');
    return EXIT.ok;
  }
}
