/**
 * Claude Code hook payloads: what arrives on stdin, checked into a small typed shape. Pure:
 * no I/O. See https://code.claude.com/docs/en/hooks (session_id, cwd, hook_event_name,
 * tool_name, tool_input.file_path | notebook_path, agent_id inside subagents).
 */
export const EDIT_TOOLS = ['Edit', 'Write', 'MultiEdit', 'NotebookEdit'] as const;
export const EDIT_TOOL_MATCHER = EDIT_TOOLS.join('|');

export interface ClaudePayload {
  event: string;
  sessionId?: string | undefined;
  agentId?: string | undefined;
  cwd?: string | undefined;
  toolName?: string | undefined;
  /** The tool call's id (PreToolUse and PostToolUse of one call carry the same). */
  toolUseId?: string | undefined;
  /** The file an edit tool targets, as given (absolute in practice). */
  filePath?: string | undefined;
  /** Bash: the command line it will run. */
  command?: string | undefined;
  /** ExitWorktree: it will delete the worktree, uncommitted files and all (`action: "remove"`, `discard_changes: true`). */
  discardsWorktree?: boolean | undefined;
  /** SessionStart: why the session (re)started: startup, resume, clear, compact, fork. */
  source?: string | undefined;
  /** SessionEnd: why it ended: clear, resume, logout, prompt_input_exit, other. */
  reason?: string | undefined;
  /**
   * Stop (Claude Code 2.1+): the `agent_id`s of subagents still in flight (`background_tasks`
   * entries of type subagent; their `id` is the agent_id). Undefined when the payload does not
   * say (older versions, whose subagents all end before the main agent's Stop).
   */
  runningSubagents?: string[] | undefined;
}

export type ParseResult = { ok: true; payload: ClaudePayload } | { ok: false; problem: string };

const MAX_FIELD = 4096;
const MAX_COMMAND = 256 * 1024;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= MAX_FIELD && !value.includes('\0') ? value : undefined;
}

export function parseClaudePayload(input: string): ParseResult {
  if (input.trim() === '') return { ok: false, problem: 'no hook input on stdin' };
  let data: unknown;
  try {
    data = JSON.parse(input);
  } catch {
    return { ok: false, problem: 'hook input is not JSON' };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { ok: false, problem: 'hook input is not a JSON object' };
  const raw = data as Record<string, unknown>;
  const event = text(raw.hook_event_name);
  if (!event) return { ok: false, problem: 'hook input has no hook_event_name' };
  const toolInput = raw.tool_input && typeof raw.tool_input === 'object' ? (raw.tool_input as Record<string, unknown>) : {};
  return {
    ok: true,
    payload: {
      event,
      sessionId: text(raw.session_id),
      agentId: text(raw.agent_id),
      cwd: text(raw.cwd),
      toolName: text(raw.tool_name),
      toolUseId: text(raw.tool_use_id),
      filePath: text(toolInput.file_path) ?? text(toolInput.notebook_path),
      command: typeof toolInput.command === 'string' && toolInput.command.length <= MAX_COMMAND ? toolInput.command : undefined,
      discardsWorktree: raw.tool_name === WORKTREE_EXIT_TOOL && toolInput.action === 'remove' && toolInput.discard_changes === true,
      source: text(raw.source),
      reason: text(raw.reason),
      runningSubagents: Array.isArray(raw.background_tasks) ? raw.background_tasks.filter(isSubagentTask).map((t) => text((t as Record<string, unknown>).id) ?? '?') : undefined,
    },
  };
}

/** A `background_tasks` entry that is a subagent (`type: "subagent"`, or one naming an `agent_type`). */
function isSubagentTask(task: unknown): boolean {
  if (!task || typeof task !== 'object') return false;
  const t = task as Record<string, unknown>;
  return t.type === 'subagent' || typeof t.agent_type === 'string';
}

/** Claude Code's shell tool: its commands are read before they run (coordinator/shell). */
export const SHELL_TOOL = 'Bash';

/**
 * Claude Code's tool that leaves a worktree EnterWorktree made; `action: "remove"` with
 * `discard_changes: true` deletes it, every uncommitted file and its branch (hooks/claude-worktree).
 */
export const WORKTREE_EXIT_TOOL = 'ExitWorktree';

export function isEditTool(toolName: string | undefined): boolean {
  return (EDIT_TOOLS as readonly string[]).includes(toolName ?? '');
}

/**
 * The session a `claude --resume <id> --fork-session` process continues, from its command line
 * (the SessionStart payload of a fork does not name it). Undefined for any other command line,
 * and for `--continue --fork-session`, which names no session.
 */
export function forkOrigin(args: readonly string[]): string | undefined {
  if (!args.includes('--fork-session')) return undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = arg.startsWith('--resume=') ? arg.slice('--resume='.length) : arg === '--resume' || arg === '-r' ? args[i + 1] : undefined;
    if (value && !value.startsWith('-') && value.length <= 200 && !/[\u0000-\u001f]/.test(value)) return value;
  }
  return undefined;
}
