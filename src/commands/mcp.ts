import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

declare const FLC_VERSION: string;

export class McpCommand extends FlcCommand {
  static paths = [['mcp']];
  static usage = Command.Usage({
    category: 'Agent integrations',
    description: 'serve the claim tools to Claude Code (or any MCP client) over stdio',
    details: `
      An MCP server on stdin/stdout with the tools \`file_claiming_claim\` { paths, kind?, ttl?, reason? }, \`file_claiming_release\` { id? | path? }, \`file_claiming_list\` {} and \`file_claiming_check\` { path, kind? }, acting for the session in \`CLAUDE_CODE_SESSION_ID\` or \`FLC_SESSION\` (or \`--session\`). Register it with \`flc init --claude --mcp\`.
    `,
    examples: [['What the MCP client runs', 'flc mcp']],
  });

  sessionFlag = Option.String('--session,-s', { description: 'Act as this session' });

  async run(): Promise<number> {
    const coordinator = this.coordinator();
    const session = this.session(this.sessionFlag);
    const { serveMcp } = await import('../server/mcp.js');
    await serveMcp(coordinator, session, typeof FLC_VERSION === 'string' ? FLC_VERSION : 'dev');
    return EXIT.ok;
  }
}
