/**
 * flc as a library: the coordinator every front door uses, for in-process integrations
 * (the Pi extension, the HTTP and MCP servers) and scripts.
 */
export { Coordinator } from './coordinator.js';
export type { ClaimInput, ClaimResult, ReleaseInput, ReleaseResult, CheckInput, CheckResult, StatusInput, StatusResult, RefusalCause } from './coordinator.js';
export { resolveSession, defaultSession } from './identity.js';
export { findRepo, type RepoInfo } from './git/repo.js';
export { Store } from './store/store.js';
export { Mutex, Held, MutexTimeoutError, MutexCompromisedError, type MutexOptions } from './store/mutex.js';
export type { JournalEvent, EventName } from './store/journal.js';
export { FlcError, EXIT, isFlcError, type ErrorCode } from './core/errors.js';
export { parseDuration, parseTtl, formatDuration } from './core/duration.js';
export { kindsConflict, parseKind, sameHolder } from './core/kinds.js';
export { patternsOverlap } from './core/overlap.js';
export { normalizeClaimPath } from './core/paths.js';
export { findBlockers, type Blocker } from './core/rules.js';
export { findWaitCycle } from './core/deadlock.js';
export { evaluateGuard, touchedPaths, type GuardFinding, type GuardMode, type StagedChange, type WorktreePolicy } from './core/guard.js';
export { DEFAULT_CONFIG, CONFIG_KEYS, type Config, type ConfigKey, type ReleasePolicy } from './core/config.js';
export { CLAIM_KINDS, holderLabel, type Claim, type ClaimKind, type Holder, type Waiter, type SessionRecord, type DbData } from './core/types.js';
export { CLAIM_TOOLS, CLAIM_TOOL_NAMES, CLAIM_PROTOCOL, runClaimTool, type ToolSpec, type ToolResult, type ToolContext, type ClaimToolName } from './agents/tools.js';
export { describeRefusal } from './agents/refusal.js';
export { ShellChangesService, type ShellReport, type RestoreResult } from './coordinator/shell-changes.js';
export type { KeptVersion, Attribution } from './core/shell-changes.js';
export { parseAssignments, showConfigValue, assertConfigKey } from './core/config.js';
export { analyzeCommand, type ShellAnalysis, type SimpleCommand, type GitIntent, type GitEffect, type WriteTarget, type ShellWord } from './core/shell.js';
export type { ShellCheckInput, ShellDecision, ShellFinding } from './coordinator/shell.js';
export type { UndoInput, UndoResult } from './coordinator/snapshots.js';
export type { SnapshotInfo } from './git/snapshot.js';
