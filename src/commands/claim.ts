import { Command, Option } from '../cli/clipanion.js';
import { describeRefusal } from '../agents/refusal.js';
import { FlcCommand } from '../cli/base.js';
import { blockerLine, claimLine } from '../cli/describe.js';
import { parseDuration, parseTtl } from '../core/duration.js';
import { EXIT } from '../core/errors.js';
import { parseKind } from '../core/kinds.js';

export class ClaimCommand extends FlcCommand {
  static paths = [['claim']];
  static usage = Command.Usage({
    description: 'claim files before editing them',
    details: `
      Claims one or more paths for this session: files, directories ending in \`/\`, or globs (quote them). A claim of several paths is all-or-nothing.

      A path that exists is a path, never a glob: \`app/[slug]/page.tsx\` claims that file, \`app/[slug]\` that directory. Symbolic links are resolved, so a link and its target are one claim. To claim a name that looks like a glob before it exists, use \`--literal\` or escape its characters with a backslash (\`app/\\[id\\]/page.tsx\`).

      Kinds: \`read\` (shared), \`write\` (the default; coexists with reads), \`exclusive\` (nothing else). A session never conflicts with itself: claiming again renews the claim and may change its kind.

      Without \`--wait\`, a conflict is refused at once (exit 1) naming the holder. With \`--wait\`, the request queues (first come, first served) and is granted as soon as the paths free up, or refused when \`--timeout\` passes. A wait that would close a cycle (A waits for B, B waits for A) is refused at once.

      Exit codes: 0 granted, 1 refused (conflict, timeout, deadlock), 2 bad usage, 3 environment (no repository, unreadable store).
    `,
    examples: [
      ['Claim a file for writing', 'flc claim src/app.ts'],
      ['Claim a directory and a glob, all or nothing', "flc claim src/api/ 'tests/**/*.test.ts' --reason 'refactor api'"],
      ['Wait up to 2 minutes for a held file', 'flc claim src/app.ts --wait --timeout 2m'],
      ['Share a file for reading, for 30 minutes', 'flc claim docs/spec.md --kind read --ttl 30m'],
      ['Claim as a named session, JSON result', 'flc claim src/app.ts --session agent-7 --json'],
      ['Claim a file that looks like a glob, before it exists', "flc claim --literal 'app/[id]/page.tsx'"],
    ],
  });

  targets = Option.Rest({ required: 1, name: 'path' });
  kind = Option.String('--kind,-k', 'write', { description: 'read, write (default) or exclusive' });
  sessionFlag = Option.String('--session,-s', { description: 'Act as this session (default: FLC_SESSION, CLAUDE_CODE_SESSION_ID, cli:<user>@<host>)' });
  agent = Option.String('--agent', { description: 'Subagent id within the session' });
  ttl = Option.String('--ttl', { description: 'Time to live, e.g. 5m, 1h, or none (default: config ttl)' });
  wait = Option.Boolean('--wait,-w', false, { description: 'Queue and wait instead of refusing at once' });
  timeout = Option.String('--timeout,-t', { description: 'How long --wait waits, e.g. 30s, 2m (default: config waitTimeout)' });
  literal = Option.Boolean('--literal', false, { description: 'The paths are file names, never globs: * ? [ ] { } are part of the name' });
  reason = Option.String('--reason,-r', { description: 'Why you claim it; shown to whoever is blocked' });

  async run(): Promise<number> {
    const kind = parseKind(this.kind);
    const ttlMs = this.ttl === undefined ? undefined : parseTtl(this.ttl);
    const timeoutMs = this.timeout === undefined ? undefined : parseDuration(this.timeout, 'timeout');
    const session = this.session(this.sessionFlag);
    const coordinator = this.coordinator();

    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await coordinator.claim({
        paths: this.targets,
        literal: this.literal,
        kind,
        session,
        agent: this.agent,
        ttlMs,
        timeoutMs,
        wait: this.wait,
        reason: this.reason,
        signal: abort.signal,
        onQueued: (blockers) => {
          if (!this.json) this.warn(this.err.dim(`waiting for: ${blockers.map((b) => blockerLine(b)).join('; ')}`));
        },
      });
      if (this.json) {
        // `message`: the refusal as an agent should read it (used by the Pi extension's CLI mode).
        const message = result.granted ? undefined : describeRefusal(result.conflicts[0]?.path ?? this.targets.join(' '), result);
        this.printJson({ ...result, session, ...(message ? { message } : {}) });
      } else if (result.granted) {
        for (const claim of result.claims) this.print(`${this.out.green('claimed')} ${claimLine(claim)}`);
        if (result.waited >= 0.1) this.print(this.out.dim(`waited ${result.waited}s`));
      } else {
        this.warn(`${this.err.red('refused:')} ${result.error}`);
        for (const blocker of result.conflicts) this.warn(`  ${blockerLine(blocker)}`);
        this.warn(this.err.dim(result.conflicts.some((b) => b.changes) ? 'hint: `flc status` shows whose changes are where; waiting does not help until they are committed' : hintFor(result.cause)));
      }
      return result.granted ? EXIT.ok : EXIT.refused;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

function hintFor(cause: string): string {
  switch (cause) {
    case 'deadlock':
      return 'hint: release what you hold (flc release --all) or work on something else, then try again';
    case 'timeout':
      return 'hint: work on something else, wait longer (--timeout), or ask the holder; see `flc status`';
    case 'aborted':
      return 'hint: the wait was cancelled; nothing was claimed';
    default:
      return 'hint: wait for it with --wait, see `flc status`, or ask the holder to release it';
  }
}
