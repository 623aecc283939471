import { describe, expect, it } from 'vitest';
import { claudeHookToolInput, hookResultText, parseClaudeVersion, payloadFromToolArguments, versionAtLeast } from '../../src/agents/claude-mcp-hook.js';
import { parseClaudePayload } from '../../src/agents/claude.js';

/** Claude Code's interpolation of an mcp_tool hook's input: `${path}` from the hook input, objects as JSON, missing as "". */
function interpolate(template: unknown, input: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    return template.replace(/\$\{([a-zA-Z_][a-zA-Z0-9_.]*)\}/g, (_, p: string) => {
      const v = p.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), input);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, interpolate(v, input)]));
  return template;
}

describe('the mcp_tool hook input', () => {
  it('rebuilds the payload flc hook claude reads, whatever the event carries', () => {
    const input = {
      session_id: 's1',
      cwd: '/r',
      hook_event_name: 'Stop',
      agent_id: 'a1',
      background_tasks: [{ type: 'subagent', id: 'a2' }],
      tool_input: { file_path: '/r/x.ts', content: 'has "quotes" and ${braces}' },
      tool_name: 'Write',
      tool_use_id: 'toolu_01', // names a Bash call's window (shell attribution)
    };
    const args = interpolate(claudeHookToolInput(90), input);
    const rebuilt = payloadFromToolArguments(args);
    expect(rebuilt).toMatchObject({ ok: true, event: 'Stop', hookTimeoutSeconds: 90 });
    if (!rebuilt.ok) return;
    expect(parseClaudePayload(rebuilt.json)).toEqual(parseClaudePayload(JSON.stringify(input)));
    // a field the event does not have arrives as "" and stays absent
    expect(JSON.parse(rebuilt.json)).not.toHaveProperty('source');
  });

  it('refuses arguments without a payload, or with a JSON field that is not JSON', () => {
    expect(payloadFromToolArguments(undefined)).toMatchObject({ ok: false });
    expect(payloadFromToolArguments({ payload: [] })).toMatchObject({ ok: false });
    expect(payloadFromToolArguments({ payload: { hook_event_name: 'PreToolUse', tool_input: '{nope' } })).toEqual({ ok: false, problem: 'claude_hook: tool_input is not JSON' });
    expect(payloadFromToolArguments({ payload: {}, hook_timeout: -1 })).toMatchObject({ ok: true, hookTimeoutSeconds: undefined });
  });
});

describe('the hook tool answer', () => {
  it('is {} to allow, a deny with the reason for a refused edit, a systemMessage for a warning', () => {
    expect(hookResultText({ exitCode: 0, stderr: [] }, 'PreToolUse')).toBe('{}');
    expect(JSON.parse(hookResultText({ exitCode: 2, stderr: ['held', 'by x'] }, 'PreToolUse'))).toEqual({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'held\nby x' } });
    expect(JSON.parse(hookResultText({ exitCode: 0, stderr: ['flc hook: oops'] }, 'Stop'))).toEqual({ systemMessage: 'flc hook: oops' });
    // A Bash command that changed another session's file: the model is told next to the tool result, the user too.
    expect(JSON.parse(hookResultText({ exitCode: 0, stderr: [], systemMessage: 'flc: theirs.txt', additionalContext: { event: 'PostToolUse', text: 'flc: your command touched theirs.txt' } }, 'PostToolUse'))).toEqual({
      systemMessage: 'flc: theirs.txt',
      hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'flc: your command touched theirs.txt' },
    });
  });
});

describe('Claude Code versions', () => {
  it('compares dotted versions and reads claude --version', () => {
    expect(versionAtLeast('2.1.118', '2.1.118')).toBe(true);
    expect(versionAtLeast('2.1.330', '2.1.118')).toBe(true);
    expect(versionAtLeast('2.2.0', '2.1.118')).toBe(true);
    expect(versionAtLeast('2.1.99', '2.1.118')).toBe(false);
    expect(versionAtLeast('1.9.999', '2.1.118')).toBe(false);
    expect(parseClaudeVersion('2.1.330 (Claude Code)\n')).toBe('2.1.330');
    expect(parseClaudeVersion('claude: not found')).toBeNull();
  });
});
