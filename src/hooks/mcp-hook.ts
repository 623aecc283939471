import { CLAUDE_HOOK_TOOL, hookResultText, payloadFromToolArguments } from '../agents/claude-mcp-hook.js';
import { HOOK_TIMEOUT_ENV } from '../agents/claude-timeouts.js';
import { runClaudeHook, warnAndJournal } from './claude-hook.js';

declare const FLC_VERSION: string;

/**
 * One `claude_hook` call: exactly `flc hook claude`'s logic on the rebuilt payload, answered as
 * hook JSON. Claude Code starts the MCP server itself, so the server's parent is the session's
 * Claude Code process, which stands in for the CLAUDE_PID a command hook gets. The parent wins
 * over an inherited CLAUDE_PID: a `claude -p` run from another session's Bash tool inherits that
 * session's, and would pass for it.
 */
export async function answerClaudeHook(args: unknown): Promise<string> {
  const parsed = payloadFromToolArguments(args);
  if (!parsed.ok) return hookResultText(await warnAndJournal(`${parsed.problem}; allowed`, process.env), undefined);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (process.ppid > 1) env.CLAUDE_PID = String(process.ppid);
  if (parsed.hookTimeoutSeconds !== undefined) env[HOOK_TIMEOUT_ENV] = String(parsed.hookTimeoutSeconds);
  return hookResultText(await runClaudeHook(parsed.json, env), parsed.event);
}

interface JsonRpcMessage {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
}

const LATEST_PROTOCOL = '2025-06-18';

/**
 * `flc mcp --hooks-only`: the MCP subset Claude Code's hooks need (initialize, ping, tools/list,
 * tools/call of `claude_hook`), newline-delimited JSON-RPC on stdio, written by hand. It runs from
 * the hook bundle, without the MCP SDK, so the server is up in about the time Node starts: the
 * session's first hook waits for it. Calls run concurrently (a PreToolUse may wait minutes for a
 * held file while other hooks come and go). Ends when Claude Code closes its stdin.
 */
export function serveHookMcp(): Promise<void> {
  const version = typeof FLC_VERSION === 'string' ? FLC_VERSION : 'dev';
  let pending = 0;
  let closed = false;
  let buffer = '';
  const send = (message: object) => {
    try {
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    } catch {
      // Claude Code is gone: nothing to answer
    }
  };
  const exitIfDone = () => {
    if (closed && pending === 0) process.exit(0);
  };
  const handle = async (message: JsonRpcMessage) => {
    if (message.id === undefined || message.id === null || typeof message.method !== 'string') return; // a notification or a response
    const id = message.id;
    switch (message.method) {
      case 'initialize': {
        const asked = message.params?.protocolVersion;
        const protocolVersion = typeof asked === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? asked : LATEST_PROTOCOL;
        return send({ id, result: { protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'flc', version } } });
      }
      case 'ping':
        return send({ id, result: {} });
      case 'tools/list':
        return send({ id, result: { tools: [] } });
      case 'tools/call': {
        const name = message.params?.name;
        if (name !== CLAUDE_HOOK_TOOL) return send({ id, result: { content: [{ type: 'text', text: `flc mcp --hooks-only serves only Claude Code's hooks, not ${String(name)}` }], isError: true } });
        pending++;
        try {
          return send({ id, result: { content: [{ type: 'text', text: await answerClaudeHook(message.params?.arguments) }] } });
        } finally {
          pending--;
          exitIfDone();
        }
      }
      default:
        return send({ id, error: { code: -32601, message: `Method not found: ${message.method}` } });
    }
  };
  return new Promise(() => {
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        let message: JsonRpcMessage;
        try {
          message = JSON.parse(line) as JsonRpcMessage;
        } catch {
          send({ id: null, error: { code: -32700, message: 'Parse error' } });
          continue;
        }
        void handle(message).catch((error: unknown) => {
          if (message.id !== undefined && message.id !== null) send({ id: message.id, error: { code: -32603, message: (error as Error)?.message ?? String(error) } });
        });
      }
    });
    process.stdin.on('end', () => {
      closed = true;
      exitIfDone();
    });
  });
}
