import fs from 'node:fs';
import path from 'node:path';
import { type ClaudePayload, WORKTREE_EXIT_TOOL, forkOrigin, isEditTool, parseClaudePayload } from '../agents/claude.js';
import { SESSION_END_BUDGET_MS, hookWaitLimitMs, installedHookTimeoutMs } from '../agents/claude-timeouts.js';
import { describeRefusal } from '../agents/refusal.js';
import { Coordinator } from '../coordinator.js';
import { agentProcess, processArgs } from '../coordinator/sessions.js';
import { isFlcError } from '../core/errors.js';
import { relativeToRoot } from '../core/paths.js';
import type { AgentProcess } from '../core/types.js';
import { realPathAllowingMissing } from '../git/real-path.js';
import { findRepo, type RepoInfo } from '../git/repo.js';
import { hookSession } from '../identity.js';
import * as sessionRepos from './session-stores.js';
import { settingsHookTimeoutMs } from './settings-timeout.js';
import { gateShellCommand } from './shell-pre.js';
import { afterShell, beforeShell, finishOpenShells, isShellTool } from './claude-shell.js';
import { checkWorktreeExit } from './claude-worktree.js';

/** What the hook process does: its exit code, the lines it writes to stderr, and (only to say something) a JSON answer on stdout. */
export interface HookOutcome {
  exitCode: 0 | 2;
  stderr: string[];
  /** A message for the user (`systemMessage`: shown to the user, not the model). */
  systemMessage?: string | undefined;
  /** Context for the model (`hookSpecificOutput.additionalContext`; PostToolUse sends it next to the tool result). */
  additionalContext?: { event: string; text: string } | undefined;
}

const ALLOW: HookOutcome = { exitCode: 0, stderr: [] };

/** SessionEnd reasons after which the same Claude Code process goes on under another session id. */
const CONTINUED = new Set(['clear', 'resume']);

/**
 * `flc hook claude`: one entry for every Claude Code hook event. Silent on success (zero
 * context tokens); exit 2 with a reason only for a real refusal of an edit; on anything
 * unexpected — bad input, flc's own errors — it allows, with one warning line.
 */
export async function runClaudeHook(input: string, env: NodeJS.ProcessEnv = process.env): Promise<HookOutcome> {
  const parsed = parseClaudePayload(input);
  if (!parsed.ok) return warnAndJournal(parsed.problem, env);
  const identity = hookSession(parsed.payload.sessionId);
  // The payload is the only source of identity in a hook: without one, act for no one.
  if (!identity.ok) return warnAndJournal(`${identity.problem}; ${parsed.payload.event} ignored, allowed`, env, parsed.payload.cwd);
  const context: HookContext = { payload: parsed.payload, session: identity.session, env, process: processOf(env) };
  try {
    return await dispatch(context);
  } catch (error) {
    const message = isFlcError(error) ? error.message : (error as Error)?.message ?? String(error);
    return warnAndJournal(`internal error (${message}); allowed`, env, parsed.payload.cwd, identity.session);
  }
}

interface HookContext {
  payload: ClaudePayload;
  session: string;
  env: NodeJS.ProcessEnv;
  /** The Claude Code process (CLAUDE_PID): while it runs, the session's claims do not lapse. */
  process: AgentProcess | undefined;
}

async function dispatch(context: HookContext): Promise<HookOutcome> {
  const { payload, session } = context;
  if (payload.event === 'PreToolUse' && isEditTool(payload.toolName)) return claimForEdit(context);

  const coordinator = coordinatorFor(payload.cwd ?? process.cwd(), context.process);
  if (payload.event === 'PreToolUse' && payload.toolName === WORKTREE_EXIT_TOOL) {
    if (!coordinator || !payload.discardsWorktree) return ALLOW;
    const refusal = await checkWorktreeExit(coordinator, { session, agent: payload.agentId, timeoutMs: 0 }); // it writes nothing: no wait
    return refusal ? { exitCode: 2, stderr: [refusal] } : ALLOW;
  }
  if (isShellTool(payload.toolName)) {
    // What an agent's shell command changes is its session's (see coordinator/shell-changes).
    const holder = { session, agent: payload.agentId };
    if (payload.event === 'PreToolUse') {
      // The gate first: a refused command never runs, so it opens no window.
      const gate = await checkShellCommand(context, coordinator);
      if (gate.exitCode !== 0) return gate;
      return { ...ALLOW, ...(await beforeShell(coordinator, holder, payload.toolUseId)) };
    }
    if (payload.event === 'PostToolUse') return { ...ALLOW, ...(await afterShell(coordinator, holder, payload.toolUseId)) };
  }
  switch (payload.event) {
    case 'SessionStart': {
      sessionRepos.pruneOld();
      let outcome = ALLOW;
      if (coordinator) {
        await coordinator.renew(session, { started: true, detail: `Claude Code (${payload.source ?? 'start'})` }); // registers it; every write also prunes expired claims
        await takeOver(context, coordinator);
        if (payload.source === 'fork') outcome = await continueFork(context, coordinator);
      }
      if (context.env.CLAUDE_ENV_FILE) exportSession(context.env.CLAUDE_ENV_FILE, session);
      return outcome;
    }
    case 'UserPromptSubmit':
      // A turn that ended without Stop (an API error, an interrupt) is over once the next prompt comes.
      if (coordinator) await takeOver(context, coordinator);
      await forEachRepo(context, coordinator, (c) => endTurn(c, session, 'all'));
      return { ...ALLOW, ...(await finishOpenShells(coordinator, session, (agent) => !agent)) }; // background subagents may still run
    case 'PostToolUse':
      if (!coordinator) return ALLOW;
      if (coordinator.store.config().release === 'edit' && isEditTool(payload.toolName) && payload.filePath) {
        const file = path.resolve(payload.cwd ?? process.cwd(), payload.filePath);
        const owner = coordinatorForFile(file, context.process);
        if (owner) {
          await owner.release({ session, agent: payload.agentId, targets: [file], literal: true });
          return ALLOW;
        }
      }
      await coordinator.renew(session);
      return ALLOW;
    case 'Stop':
    case 'StopFailure': {
      // Subagents may still run in the background after the main agent stops (Claude Code 2.1
      // lists them in background_tasks): they keep their claims until their own SubagentStop.
      // A subagent not listed has ended, even without a SubagentStop (a crash): its claims go.
      // StopFailure does not say, so every subagent keeps its claims then.
      await forEachRepo(context, coordinator, (c) => endTurn(c, session, payload.event === 'StopFailure' ? 'all' : (payload.runningSubagents ?? [])));
      const running = payload.event === 'StopFailure' ? null : (payload.runningSubagents ?? []);
      return { ...ALLOW, ...(await finishOpenShells(coordinator, session, (agent) => !agent || (running !== null && !running.includes(agent)))) };
    }
    case 'SubagentStop':
      if (payload.agentId) await forEachRepo(context, coordinator, (c) => c.release({ session, agent: payload.agentId, all: true }));
      else await coordinator?.renew(session);
      return { ...ALLOW, ...(payload.agentId ? await finishOpenShells(coordinator, session, (agent) => agent === payload.agentId) : {}) };
    case 'SessionEnd':
      return endSession(context, coordinator);
    default:
      // Any other event is a sign of life: it keeps the session's claims from expiring.
      await coordinator?.renew(session);
      return ALLOW;
  }
}

/** With `release = turn` (each repository's own setting), the turn's claims go; otherwise the turn end is a sign of life. */
function endTurn(coordinator: Coordinator, session: string, keepAgents: readonly string[] | 'all'): Promise<unknown> {
  if (coordinator.store.config().release === 'turn') return coordinator.endTurn(session, { keepAgents });
  return coordinator.renew(session);
}

async function claimForEdit(context: HookContext): Promise<HookOutcome> {
  const { payload, session, env } = context;
  if (!payload.filePath) return warnAndJournal(`${payload.toolName} input has no file_path; allowed`, env, payload.cwd, session);
  const file = path.resolve(payload.cwd ?? process.cwd(), payload.filePath);
  if (isDirectory(file)) return warnAndJournal(`${payload.toolName} names a directory (${file}), not a file; nothing claimed, allowed`, env, payload.cwd, session);
  const coordinator = coordinatorForFile(file, context.process);
  if (!coordinator) return ALLOW; // not in a repository, or inside .git: not flc's business
  const holder = { session, agent: payload.agentId };
  const timeoutMs = hookWaitLimitMs(coordinator.store.config().waitTimeout, shortest(installedHookTimeoutMs(env), settingsHookTimeoutMs(env, payload.cwd)));
  const result = await coordinator.claim({ ...holder, paths: [file], literal: true, kind: 'write', wait: true, timeoutMs, reason: `${payload.toolName} (Claude Code)` });
  if (!result.granted) return { exitCode: 2, stderr: [describeRefusal(relativeToRoot(file, coordinator.repo.root) ?? file, result, holder)] };
  try {
    sessionRepos.rememberRepo(session, coordinator.repo.root);
  } catch {
    // best effort: the claim then lapses by TTL once the session's process is gone
  }
  return ALLOW;
}

/** Bash: refuse what would destroy or take others' work, claim obvious writes, snapshot before discarding (hooks/shell-pre). */
async function checkShellCommand(context: HookContext, coordinator: Coordinator | null): Promise<HookOutcome> {
  const { payload, session, env } = context;
  const cwd = payload.cwd ?? process.cwd();
  if (!coordinator || !payload.command) return ALLOW;
  // A write target held by another session waits as an edit does: ended before Claude Code's own
  // timeout for the hook, or Claude Code would cancel the hook and run the command.
  const timeoutMs = hookWaitLimitMs(coordinator.store.config().waitTimeout, shortest(installedHookTimeoutMs(env), settingsHookTimeoutMs(env, payload.cwd)));
  const outcome = await gateShellCommand(coordinator, { session, agent: payload.agentId, command: payload.command, cwd, timeoutMs, via: 'Claude Code' });
  if (outcome.claimed) safe(() => sessionRepos.rememberRepo(session, coordinator.repo.root));
  return outcome.refusal ? { exitCode: 2, stderr: [outcome.refusal] } : ALLOW;
}

/**
 * SessionEnd releases everything the session holds, in every repository it claimed in, within
 * Claude Code's short budget for it: past that it gives up with a warning (the claims then lapse
 * by TTL once the process is gone). After `/clear` or `/resume` the process goes on under a new
 * id, which takes the claims over at its SessionStart, so nothing is released then.
 */
async function endSession(context: HookContext, coordinator: Coordinator | null): Promise<HookOutcome> {
  const { session, payload } = context;
  if (context.process && CONTINUED.has(payload.reason ?? '')) {
    await coordinator?.renew(session);
    return ALLOW;
  }
  let finished = false;
  const work = forEachRepo(context, coordinator, (c) => c.endSession(session, 'Claude Code')).then(() => {
    finished = true;
    sessionRepos.forget(session);
  });
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, SESSION_END_BUDGET_MS).unref());
  await Promise.race([work, deadline]);
  if (finished) return ALLOW;
  const problem = `SessionEnd could not release ${session}'s claims within ${SESSION_END_BUDGET_MS} ms (the store is busy); they lapse by TTL once Claude Code has exited`;
  // The store lock is what is busy, so this one line goes straight to the journal (appends are atomic).
  try {
    coordinator?.store.journal.append([{ t: new Date().toISOString(), event: 'hook:error', session, detail: problem }]);
  } catch {
    // the warning below still tells
  }
  return { exitCode: 0, stderr: [`flc hook: ${problem}`] }; // hookMain exits at once, abandoning the wait for the lock
}

/** Runs `action` in the cwd's repository and in every other one the session claimed files in. */
async function forEachRepo<T>(context: HookContext, own: Coordinator | null, action: (c: Coordinator) => Promise<T>): Promise<void> {
  const seen = new Set<string>();
  if (own) {
    seen.add(own.store.dir);
    await action(own);
  }
  for (const root of sessionRepos.reposOf(context.session)) {
    const other = safe(() => coordinatorFor(root, context.process));
    if (!other || seen.has(other.store.dir) || !other.store.exists()) continue;
    seen.add(other.store.dir);
    await action(other);
  }
}

/** `/clear` and `/resume`: this id takes over what earlier ids of the same Claude Code process held, in every repository. */
async function takeOver(context: HookContext, coordinator: Coordinator): Promise<void> {
  const earlier = await coordinator.takeOverEarlierSessions(context.session);
  for (const old of earlier) {
    for (const root of sessionRepos.reposOf(old)) {
      const other = safe(() => coordinatorFor(root, context.process));
      if (other && other.store.dir !== coordinator.store.dir && other.store.exists()) await other.takeOverEarlierSessions(context.session);
    }
    sessionRepos.mergeRepos(old, context.session);
  }
}

/**
 * `claude --resume <id> --fork-session`: a new process under a new id, whose payload does not
 * name the session it forks; its command line does. If that session's process has ended, the
 * fork takes over what it held, in every repository; if it still runs, the two are parallel
 * sessions, so the fork takes nothing and the user is told how to take it.
 */
async function continueFork(context: HookContext, coordinator: Coordinator): Promise<HookOutcome> {
  const origin = context.process ? forkOrigin(processArgs(context.process.pid) ?? []) : undefined;
  if (!origin || origin === context.session) return ALLOW; // `--continue --fork-session`, or no /proc: nothing known to follow
  const result = await coordinator.continueFork(origin, context.session);
  if (result.originRunning) {
    return { ...ALLOW, systemMessage: `flc: this fork starts with nothing of session ${origin}, which is still running and keeps its claims and uncommitted changes. To take them over: flc adopt --from ${origin}` };
  }
  for (const root of sessionRepos.reposOf(origin)) {
    const other = safe(() => coordinatorFor(root, context.process));
    if (other && other.store.dir !== coordinator.store.dir && other.store.exists()) await other.continueFork(origin, context.session);
  }
  sessionRepos.mergeRepos(origin, context.session);
  return ALLOW;
}

function processOf(env: NodeJS.ProcessEnv): AgentProcess | undefined {
  const text = env.CLAUDE_PID?.trim();
  if (!text || !/^\d{1,10}$/.test(text)) return undefined;
  const pid = Number(text);
  return pid > 1 ? agentProcess(pid) : undefined;
}

function coordinatorFor(dir: string, agent?: AgentProcess): Coordinator | null {
  let repo: RepoInfo;
  try {
    repo = findRepo(dir);
  } catch (error) {
    if (isFlcError(error) && error.code === 'NOT_A_REPO') return null;
    throw error;
  }
  const coordinator = new Coordinator(repo, dir);
  coordinator.agentProcess = agent;
  return coordinator;
}

/** The repository holding `file` (which may not exist yet), unless the file is outside one or inside .git. */
function coordinatorForFile(file: string, agent?: AgentProcess): Coordinator | null {
  let dir = path.dirname(file);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const coordinator = coordinatorFor(dir, agent);
  if (!coordinator) return null;
  const key = relativeToRoot(file, coordinator.repo.root) ?? relativeToRoot(realPathAllowingMissing(file), coordinator.repo.root);
  if (key === null || key === '' || key === '.git' || key.startsWith('.git/')) return null;
  return coordinator;
}

function shortest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Later Bash commands of the session (a `git commit` through the guard) carry its identity.
 * After `/clear` the same file gets the new id, appended: the last line wins.
 */
function exportSession(envFile: string, sessionId: string): void {
  const line = `export FLC_SESSION=${shellQuote(sessionId)}`;
  let last: string | undefined;
  try {
    last = fs.readFileSync(envFile, 'utf8').split('\n').filter((l) => l.startsWith('export FLC_SESSION=')).at(-1);
  } catch {
    // not there yet
  }
  if (last !== line) fs.appendFileSync(envFile, `${line}\n`);
}

function shellQuote(text: string): string {
  return /^[\w.:@/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Allows, with one warning line on stderr and a `hook:error` journal entry when a repository is
 * at hand. The entry names the payload's session, never one from the environment.
 */
export function warnAndJournal(problem: string, _env: NodeJS.ProcessEnv, cwd?: string, session?: string): Promise<HookOutcome> {
  const outcome: HookOutcome = { exitCode: 0, stderr: [`flc hook: ${problem}`] };
  const coordinator = safe(() => coordinatorFor(cwd ?? process.cwd()));
  if (!coordinator) return Promise.resolve(outcome);
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
