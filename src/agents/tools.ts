import type { Coordinator } from '../coordinator.js';
import { age, blockerLine, expiryText } from '../cli/describe.js';
import { parseTtl } from '../core/duration.js';
import { FlcError } from '../core/errors.js';
import { parseKind } from '../core/kinds.js';
import { holderLabel } from '../core/types.js';

/**
 * The LLM-callable claim tools, shared by every agent front door (the MCP server, the Pi
 * extension): the seed's names and parameters, short readable text for the model, and the
 * structured data as `details`. A refusal or a bad call is thrown (an error the agent sees as a
 * failed tool call).
 */
export const CLAIM_TOOL_NAMES = ['file_claiming_claim', 'file_claiming_release', 'file_claiming_list', 'file_claiming_check'] as const;
export type ClaimToolName = (typeof CLAIM_TOOL_NAMES)[number];

export interface ToolSpec {
  name: ClaimToolName;
  description: string;
  /** JSON Schema of the parameters. */
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[]; additionalProperties: false };
}

const KIND = { type: 'string', enum: ['read', 'write', 'exclusive'], description: 'read (shared), write (default: one writer, readers allowed) or exclusive (nothing else)' };

export const CLAIM_TOOLS: ToolSpec[] = [
  {
    name: 'file_claiming_claim',
    description:
      'Claim files before editing them, so other agent sessions working in this repository do not edit them at the same time. All or nothing. Paths may be files, directories ending in "/", or globs. Fails, naming the holder, if another session holds a conflicting claim: then work on other files and try later.',
    inputSchema: {
      type: 'object',
      properties: {
        paths: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Files, directories ending in "/", or globs, relative to the repository or absolute' },
        kind: KIND,
        ttl: { type: 'string', description: 'How long the claim lives without activity, e.g. "10m" (default: the config ttl, 5m)' },
        reason: { type: 'string', description: 'What you are doing; shown to anyone you block' },
      },
      required: ['paths'],
      additionalProperties: false,
    },
  },
  {
    name: 'file_claiming_release',
    description: 'Release one of your claims, by claim id or by path, when you are done with the files.',
    inputSchema: {
      type: 'object',
      properties: { id: { type: 'string', description: 'Claim id, e.g. c-1a2b3c4d' }, path: { type: 'string', description: 'The path as claimed' } },
      additionalProperties: false,
    },
  },
  {
    name: 'file_claiming_list',
    description: 'List all live file claims in this repository (every session), and queued requests.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: 'file_claiming_check',
    description: 'Check whether you could claim a path now, and who holds it if not. Claims nothing.',
    inputSchema: { type: 'object', properties: { path: { type: 'string' }, kind: KIND }, required: ['path'], additionalProperties: false },
  },
];

/** A short system-prompt guideline: the protocol in a few lines. */
export const CLAIM_PROTOCOL =
  'Several agent sessions may edit this repository at once. Edits claim their files automatically; if an edit is refused because another session holds the file, do not retry it at once: work on other files and come back later. Use file_claiming_claim to reserve files (or whole directories) before a larger change, file_claiming_check to ask, file_claiming_release when done, and file_claiming_list to see who holds what.';

export interface ToolResult {
  text: string;
  details: Record<string, unknown>;
}

export interface ToolContext {
  coordinator: Coordinator;
  session: string;
  agent?: string | undefined;
  cwd?: string | undefined;
}

export async function runClaimTool(name: string, params: unknown, context: ToolContext): Promise<ToolResult> {
  const args = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>;
  const { coordinator, session, agent, cwd } = context;
  switch (name) {
    case 'file_claiming_claim': {
      const paths = stringList(args.paths, 'paths');
      const kind = args.kind === undefined ? 'write' : parseKind(String(args.kind));
      const ttlMs = args.ttl === undefined ? undefined : parseTtl(String(args.ttl));
      const reason = optionalString(args.reason, 'reason');
      const result = await coordinator.claim({ session, agent, paths, kind, ttlMs, reason, cwd });
      if (!result.granted) {
        throw new Error(`Not claimed: ${result.error}.\n${result.conflicts.map((b) => blockerLine(b)).join('\n')}\nWork on other files and try again later.`);
      }
      const lines = result.claims.map((c) => `${c.path} (${c.kind}, id ${c.id}, ${expiryText(c.expiresAt)})`);
      return { text: `Claimed ${lines.join(', ')}.`, details: { granted: true, claims: result.claims } };
    }
    case 'file_claiming_release': {
      const target = optionalString(args.id, 'id') ?? optionalString(args.path, 'path');
      if (!target) throw new FlcError('BAD_INPUT', 'give the claim id or the path to release', 'for example: { "path": "src/a.ts" }');
      const result = await coordinator.release({ session, agent, targets: [target], cwd });
      if (!result.released.length) throw new Error(`You hold no claim on ${target}. See file_claiming_list.`);
      return { text: `Released ${result.released.map((c) => c.path).join(', ')}.`, details: { released: result.released } };
    }
    case 'file_claiming_list': {
      const status = coordinator.status();
      const now = Date.now();
      const lines = status.claims.map(
        (c) => `${c.path}: ${c.kind} by ${holderLabel(c)}${c.session === session ? ' (you)' : ''}, ${age(c.acquiredAt, now)}, ${expiryText(c.expiresAt, now)}${c.reason ? ` — "${c.reason}"` : ''} [${c.id}]`,
      );
      const waiting = status.waiters.map((w) => `${w.paths.join(' ')}: ${holderLabel(w)} waiting for ${w.kind} (${age(w.enqueuedAt, now)})`);
      const text = lines.length ? lines.join('\n') + (waiting.length ? `\nWaiting:\n${waiting.join('\n')}` : '') : 'No claims.';
      return { text, details: { claims: status.claims, waiters: status.waiters } };
    }
    case 'file_claiming_check': {
      const target = optionalString(args.path, 'path');
      if (!target) throw new FlcError('BAD_INPUT', 'give the path to check', 'for example: { "path": "src/a.ts" }');
      const kind = args.kind === undefined ? 'write' : parseKind(String(args.kind));
      const result = coordinator.check({ session, agent, paths: [target], kind, cwd });
      const text = result.ok ? `${result.paths[0]} is free for a ${kind} claim.` : `${result.paths[0]} is not free:\n${result.conflicts.map((b) => blockerLine(b)).join('\n')}`;
      return { text, details: { ...result, kind } };
    }
    default:
      throw new FlcError('BAD_INPUT', `unknown tool ${name}`, `use one of: ${CLAIM_TOOL_NAMES.join(', ')}`);
  }
}

function stringList(value: unknown, field: string): string[] {
  if (typeof value === 'string' && value.trim()) return [value];
  if (!Array.isArray(value) || !value.length || !value.every((v) => typeof v === 'string' && v.trim())) {
    throw new FlcError('BAD_INPUT', `${field} must be a non-empty list of paths`, 'for example: { "paths": ["src/a.ts"] }');
  }
  return value as string[];
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new FlcError('BAD_INPUT', `${field} must be a string`, 'see the tool description');
  return value;
}
