import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

export class ToolCommand extends FlcCommand {
  static paths = [['tool']];
  static usage = Command.Usage({
    category: 'Agent integrations',
    description: 'call one of the agent claim tools (for integrations that cannot load the library)',
    details: `
      Runs \`file_claiming_claim\`, \`file_claiming_release\`, \`file_claiming_list\` or \`file_claiming_check\` with JSON parameters, exactly as the MCP server and the Pi extension do, and prints \`{ "text", "details" }\` as JSON (or the text alone without \`--json\`).

      Exit codes: 0 done, 1 the tool refused (the reason is the error), 2 bad usage or parameters, 3 environment.
    `,
    examples: [
      ['Claim two files for a session', 'flc tool file_claiming_claim \'{"paths": ["src/a.ts", "src/b.ts"]}\' --session pi:1234 --json'],
      ['Who holds what', 'flc tool file_claiming_list'],
    ],
  });

  name = Option.String({ name: 'tool' });
  params = Option.String({ name: 'json', required: false });
  sessionFlag = Option.String('--session,-s', { description: 'Act as this session' });
  agent = Option.String('--agent', { description: 'Subagent id within the session' });

  async run(): Promise<number> {
    let params: unknown = {};
    if (this.params !== undefined) {
      try {
        params = JSON.parse(this.params);
      } catch {
        throw usage('the tool parameters are not valid JSON', `for example: flc tool file_claiming_check '{"path": "src/a.ts"}'`);
      }
    }
    const { runClaimTool } = await import('../agents/tools.js');
    const coordinator = this.coordinator();
    try {
      const result = await runClaimTool(this.name, params, { coordinator, session: this.session(this.sessionFlag), agent: this.agent });
      if (this.json) this.printJson(result);
      else this.print(result.text);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof Error && !('code' in error)) {
        // A refusal by the tool (not a usage error): the message is the answer.
        if (this.json) this.printJson({ error: error.message });
        else this.warn(error.message);
        return EXIT.refused;
      }
      throw error;
    }
  }
}
