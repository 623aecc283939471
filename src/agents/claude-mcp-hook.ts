/**
 * The `mcp_tool` form of flc's Claude Code hook (Claude Code >= 2.1.118): Claude Code calls the
 * tool `claude_hook` of the session's `flc mcp` server instead of starting `flc hook claude`.
 * An mcp_tool hook cannot pass the hook input whole: its `input` is a JSON template whose string
 * values take `${field}` from the hook input (objects arrive as JSON text, missing fields as "").
 * This module writes that template, rebuilds the payload from what arrives, and turns the hook's
 * outcome into the text Claude Code's decision parser reads. Pure: no I/O.
 */
import type { HookOutcome } from '../hooks/claude-hook.js';

/** The MCP server name flc registers in `.mcp.json`, and its hook tool. */
export const MCP_SERVER_NAME = 'flc';
export const CLAUDE_HOOK_TOOL = 'claude_hook';

/** The first Claude Code version with `mcp_tool` hooks. */
export const MCP_HOOKS_SINCE = '2.1.118';

/** Hook input fields flc reads, passed one by one. Objects and arrays arrive as JSON text. */
const TEXT_FIELDS = ['session_id', 'cwd', 'hook_event_name', 'tool_name', 'tool_use_id', 'agent_id', 'agent_type', 'source', 'reason'] as const;
const JSON_FIELDS = ['tool_input', 'background_tasks'] as const;

/** The `input` of flc's mcp_tool hook entries. `hook_timeout` (seconds) is PreToolUse's, as FLC_HOOK_TIMEOUT is for the command. */
export function claudeHookToolInput(hookTimeoutSeconds?: number): Record<string, unknown> {
  const payload: Record<string, string> = {};
  for (const field of [...TEXT_FIELDS, ...JSON_FIELDS]) payload[field] = `\${${field}}`;
  return { payload, ...(hookTimeoutSeconds !== undefined ? { hook_timeout: hookTimeoutSeconds } : {}) };
}

/** What the tool input schema says (the tool is for Claude Code's hooks, not for the model). */
export const CLAUDE_HOOK_TOOL_SCHEMA = {
  type: 'object',
  properties: {
    payload: { type: 'object', description: 'The hook input fields, as Claude Code interpolates them' },
    hook_timeout: { type: 'number', description: 'The hook timeout in seconds (PreToolUse)' },
  },
  required: ['payload'],
} as const;

export type ToolPayload = { ok: true; json: string; event: string | undefined; hookTimeoutSeconds: number | undefined } | { ok: false; problem: string };

/** The hook input as `flc hook claude` would read it on stdin, rebuilt from the tool's arguments. */
export function payloadFromToolArguments(args: unknown): ToolPayload {
  const raw = args && typeof args === 'object' ? (args as Record<string, unknown>).payload : undefined;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, problem: 'claude_hook was called without a payload object' };
  const fields = raw as Record<string, unknown>;
  const payload: Record<string, unknown> = {};
  for (const field of TEXT_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' && value !== '') payload[field] = value;
  }
  for (const field of JSON_FIELDS) {
    const value = fields[field];
    if (value && typeof value === 'object') payload[field] = value;
    else if (typeof value === 'string' && value !== '') {
      try {
        payload[field] = JSON.parse(value);
      } catch {
        return { ok: false, problem: `claude_hook: ${field} is not JSON` };
      }
    }
  }
  const timeout = (args as Record<string, unknown>).hook_timeout;
  const hookTimeoutSeconds = typeof timeout === 'number' && Number.isInteger(timeout) && timeout > 0 ? timeout : undefined;
  return { ok: true, json: JSON.stringify(payload), event: payload.hook_event_name as string | undefined, hookTimeoutSeconds };
}

/**
 * The JSON a hook answers with (a command hook on stdout, the hook tool as its text): a message
 * for the user (`systemMessage`) and context for the model (`hookSpecificOutput.additionalContext`,
 * which Claude Code sends next to a PostToolUse tool result); null when there is neither.
 */
export function hookAnswer(outcome: Pick<HookOutcome, 'systemMessage' | 'additionalContext'>): Record<string, unknown> | null {
  if (!outcome.systemMessage && !outcome.additionalContext) return null;
  return {
    ...(outcome.systemMessage ? { systemMessage: outcome.systemMessage } : {}),
    ...(outcome.additionalContext ? { hookSpecificOutput: { hookEventName: outcome.additionalContext.event, additionalContext: outcome.additionalContext.text } } : {}),
  };
}

/**
 * The tool's answer: "{}" to allow, a PreToolUse deny with the refusal as its reason, and
 * otherwise `hookAnswer` with any warning added to the user's message. Always hook JSON: with
 * `onFailure: "block"`, Claude Code takes plain text for a failed call.
 */
export function hookResultText(outcome: HookOutcome, event: string | undefined): string {
  const text = outcome.stderr.join('\n');
  if (outcome.exitCode === 2) {
    if (event === 'PreToolUse') return JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: text } });
    return JSON.stringify({ decision: 'block', reason: text });
  }
  const forUser = [outcome.systemMessage, text].filter(Boolean).join('\n');
  return JSON.stringify(hookAnswer({ systemMessage: forUser || undefined, additionalContext: outcome.additionalContext }) ?? {});
}

/** `a.b.c` version order; non-numeric parts count as 0. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const b = minimum.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** The version in `claude --version` output ("2.1.330 (Claude Code)"), or null. */
export function parseClaudeVersion(output: string): string | null {
  return /(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? null;
}
