// A do-nothing MCP server for bench/claude-hooks.mjs: one tool, `claude_hook`, answered at once
// with an empty text (no decision). With mcp_tool hooks pointed at it, a session measures what
// Claude Code's own dispatch of the hooks costs, the floor under any work flc does in them.
// Newline-delimited JSON-RPC on stdio, as Claude Code speaks to a stdio server; no SDK, so its
// own start costs no more than Node's.
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, newline).trim();
    buffer = buffer.slice(newline + 1);
    if (line) answer(JSON.parse(line));
  }
});
process.stdin.on('end', () => process.exit(0));

function answer(message) {
  if (message.id === undefined) return; // a notification
  const results = {
    initialize: () => ({ protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'noop', version: '1' } }),
    'tools/list': () => ({ tools: [{ name: 'claude_hook', description: 'does nothing', inputSchema: { type: 'object' } }] }),
    'tools/call': () => ({ content: [{ type: 'text', text: '' }] }),
  };
  const result = (results[message.method] ?? (() => ({})))();
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: message.id, result })}\n`);
}
