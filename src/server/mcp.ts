import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLAIM_PROTOCOL, CLAIM_TOOLS, runClaimTool } from '../agents/tools.js';
import type { Coordinator } from '../coordinator.js';

/**
 * `flc mcp`: the claim tools over MCP on stdio, acting for one session. The low-level server
 * takes the tools' JSON Schemas as they are, the same ones the Pi extension uses.
 */
export async function serveMcp(coordinator: Coordinator, session: string, version: string): Promise<void> {
  const server = new Server({ name: 'flc', version }, { capabilities: { tools: {} }, instructions: CLAIM_PROTOCOL });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: CLAIM_TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    try {
      const result = await runClaimTool(request.params.name, request.params.arguments ?? {}, { coordinator, session });
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
