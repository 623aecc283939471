import fs from 'node:fs';
import path from 'node:path';
import { type ClaudePayload, isEditTool, parseClaudePayload } from '../agents/claude.js';
import { describeRefusal } from '../agents/refusal.js';
import { Coordinator } from '../coordinator.js';
import { isFlcError } from '../core/errors.js';
import { relativeToRoot } from '../core/paths.js';
import { realPathAllowingMissing } from '../git/real-path.js';
import { findRepo, type RepoInfo } from '../git/repo.js';
import { resolveSession } from '../identity.js';

/** What the hook process does: its exit code and the lines it writes to stderr (never stdout). */
export interface HookOutcome {
  exitCode: 0 | 2;
  stderr: string[];
}

const ALLOW: HookOutcome = { exitCode: 0, stderr: [] };

/**
 * `flc hook claude`: one entry for every Claude Code hook event. Silent on success (zero
 * context tokens); exit 2 with a reason only for a real refusal of an edit; on anything
 * unexpected — bad input, flc's own errors — it allows, with one warning line.
 */
export async function runClaudeHook(input: string, env: NodeJS.ProcessEnv = process.env): Promise<HookOutcome> {
  const parsed = parseClaudePayload(input);
  if (!parsed.ok) return warnAndJournal(parsed.problem, env);
  try {
    return await dispatch(parsed.payload, env);
  } catch (error) {
    const message = isFlcError(error) ? error.message : (error as Error)?.message ?? String(error);
    return warnAndJournal(`internal error (${message}); allowed`, env, parsed.payload.cwd);
  }
}

async function dispatch(payload: ClaudePayload, env: NodeJS.ProcessEnv): Promise<HookOutcome> {
  const session = resolveSession({ payloadSession: payload.sessionId, env });
  const holder = { session, agent: payload.agentId };

  if (payload.event === 'PreToolUse' && isEditTool(payload.toolName)) {
    if (!payload.filePath) return warnAndJournal(`${payload.toolName} input has no file_path; allowed`, env, payload.cwd);
    const file = path.resolve(payload.cwd ?? process.cwd(), payload.filePath);
    const coordinator = coordinatorForFile(file);
    if (!coordinator) return ALLOW; // not in a repository, or inside .git: not flc's business
    const result = await coordinator.claim({ ...holder, paths: [file], literal: true, kind: 'write', wait: true, reason: `${payload.toolName} (Claude Code)` });
    return result.granted ? ALLOW : { exitCode: 2, stderr: [describeRefusal(relativeToRoot(file, coordinator.repo.root) ?? file, result)] };
  }

  const coordinator = coordinatorFor(payload.cwd ?? process.cwd());
  if (!coordinator) return ALLOW;
  const release = coordinator.store.config().release;
  switch (payload.event) {
    case 'SessionStart':
      await coordinator.renew(session, { started: true, detail: 'Claude Code' }); // registers it; every write also prunes expired claims
      if (env.CLAUDE_ENV_FILE && payload.sessionId) exportSession(env.CLAUDE_ENV_FILE, payload.sessionId);
      return ALLOW;
    case 'PostToolUse':
      if (release === 'edit' && isEditTool(payload.toolName) && payload.filePath) {
        const file = path.resolve(payload.cwd ?? process.cwd(), payload.filePath);
        const key = relativeToRoot(file, coordinator.repo.root);
        if (key !== null && key !== '') {
          await coordinator.release({ ...holder, targets: [file], literal: true });
          return ALLOW;
        }
      }
      await coordinator.renew(session);
      return ALLOW;
    case 'Stop':
      if (release === 'turn') await coordinator.release({ session, all: true });
      else await coordinator.renew(session);
      return ALLOW;
    case 'SubagentStop':
      if (payload.agentId) await coordinator.release({ session, agent: payload.agentId, all: true });
      else await coordinator.renew(session);
      return ALLOW;
    case 'SessionEnd':
      await coordinator.endSession(session, 'Claude Code');
      return ALLOW;
    default:
      // Any other event is a sign of life: it keeps the session's claims from expiring.
      await coordinator.renew(session);
      return ALLOW;
  }
}

function coordinatorFor(dir: string): Coordinator | null {
  let repo: RepoInfo;
  try {
    repo = findRepo(dir);
  } catch (error) {
    if (isFlcError(error) && error.code === 'NOT_A_REPO') return null;
    throw error;
  }
  return new Coordinator(repo, dir);
}

/** The repository holding `file` (which may not exist yet), unless the file is outside one or inside .git. */
function coordinatorForFile(file: string): Coordinator | null {
  let dir = path.dirname(file);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const coordinator = coordinatorFor(dir);
  if (!coordinator) return null;
  const key = relativeToRoot(file, coordinator.repo.root) ?? relativeToRoot(realPathAllowingMissing(file), coordinator.repo.root);
  if (key === null || key === '' || key === '.git' || key.startsWith('.git/')) return null;
  return coordinator;
}

/** Later Bash commands of the session (a `git commit` through the guard) carry its identity. */
function exportSession(envFile: string, sessionId: string): void {
  const line = `export FLC_SESSION=${shellQuote(sessionId)}\n`;
  try {
    if (fs.readFileSync(envFile, 'utf8').includes(line)) return;
  } catch {
    // not there yet
  }
  fs.appendFileSync(envFile, line);
}

function shellQuote(text: string): string {
  return /^[\w.:@/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Allows, with one warning line on stderr and a `hook:error` journal entry when a repository is at hand. */
export function warnAndJournal(problem: string, env: NodeJS.ProcessEnv, cwd?: string): Promise<HookOutcome> {
  const outcome: HookOutcome = { exitCode: 0, stderr: [`flc hook: ${problem}`] };
  const coordinator = safe(() => coordinatorFor(cwd ?? process.cwd()));
  if (!coordinator) return Promise.resolve(outcome);
  const session = safe(() => resolveSession({ env }));
  return coordinator.store
    .record([{ event: 'hook:error', ...(session ? { session } : {}), detail: problem }])
    .then(
      () => outcome,
      () => outcome,
    );
}

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}
