import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLAUDE_HOOK_TOOL } from '../agents/claude-mcp-hook.js';
import { CLAIM_PROTOCOL, CLAIM_TOOLS, type ToolContext, runClaimTool } from '../agents/tools.js';
import { answerClaudeHook } from '../hooks/mcp-hook.js';

/**
 * `flc mcp`: the claim tools over MCP on stdio, acting for one session, and `claude_hook`, the
 * Claude Code hook as an `mcp_tool` hook. The hook tool is not listed (Claude Code calls a hook's
 * tool by name, the model never needs it), so it costs the model no context. The low-level
 * server takes the tools' JSON Schemas as they are, the same ones the Pi extension uses.
 * (`--hooks-only` is src/hooks/mcp-hook.ts, without the SDK.)
 */
export async function serveMcp(claims: ToolContext, version: string): Promise<void> {
  const server = new Server({ name: 'flc', version }, { capabilities: { tools: {} }, instructions: CLAIM_PROTOCOL });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: CLAIM_TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    if (request.params.name === CLAUDE_HOOK_TOOL) return { content: [{ type: 'text', text: await answerClaudeHook(request.params.arguments) }] };
    try {
      const result = await runClaimTool(request.params.name, request.params.arguments ?? {}, claims);
      return { content: [{ type: 'text', text: result.text }], structuredContent: result.details };
    } catch (error) {
      return { content: [{ type: 'text', text: (error as Error).message }], isError: true };
    }
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
}
