import { Builtins, Cli, Command } from './cli/clipanion.js';
import { FdWriter } from './cli/output.js';
import { colorEnabled } from './cli/style.js';
import { EXIT } from './core/errors.js';
import { AdoptCommand } from './commands/adopt.js';
import { CheckCommand } from './commands/check.js';
import { CheckCommandCommand } from './commands/check-command.js';
import { CommitCommand } from './commands/commit.js';
import { ClaimCommand } from './commands/claim.js';
import { ConfigCommand, ConfigGetCommand, ConfigSetCommand, ConfigUnsetCommand } from './commands/config.js';
import { DoctorCommand } from './commands/doctor.js';
import { GuardCommand } from './commands/guard.js';
import { HookClaudeCommand } from './commands/hook.js';
import { InitCommand } from './commands/init.js';
import { LogCommand } from './commands/log.js';
import { McpCommand } from './commands/mcp.js';
import { ReleaseCommand } from './commands/release.js';
import { RestoreCommand } from './commands/restore.js';
import { RenewCommand } from './commands/renew.js';
import { SnapshotsCommand } from './commands/snapshots.js';
import { UndoCommand } from './commands/undo.js';
import { ServeCommand } from './commands/serve.js';
import { StatusCommand } from './commands/status.js';
import { ToolCommand } from './commands/tool.js';

declare const FLC_VERSION: string;

const COMMANDS = [
  InitCommand,
  ClaimCommand,
  ReleaseCommand,
  StatusCommand,
  CheckCommand,
  CheckCommandCommand,
  SnapshotsCommand,
  UndoCommand,
  RenewCommand,
  ConfigCommand,
  ConfigGetCommand,
  ConfigSetCommand,
  ConfigUnsetCommand,
  LogCommand,
  DoctorCommand,
  GuardCommand,
  CommitCommand,
  AdoptCommand,
  RestoreCommand,
  HookClaudeCommand,
  ServeCommand,
  McpCommand,
  ToolCommand,
];

/**
 * Registers only the commands `argv` can name: clipanion compiles a parser for every
 * registered command at each start, which is most of flc's start-up time. Anything else
 * (help, typos) gets them all, so help and suggestions stay complete.
 */
function commandsFor(argv: string[]) {
  const matching = COMMANDS.filter((command) => command.paths.some((path) => path[0] === argv[0]));
  return [...(matching.length ? matching : COMMANDS), Builtins.HelpCommand, Builtins.VersionCommand];
}

export async function main(argv: string[]): Promise<number> {
  const stdout = new FdWriter(1);
  const stderr = new FdWriter(2);
  const cli = new Cli({
    binaryLabel: 'flc — File Lock Coordinator',
    binaryName: 'flc',
    binaryVersion: typeof FLC_VERSION === 'string' ? FLC_VERSION : 'dev',
    enableColors: colorEnabled(stdout),
  });
  for (const command of commandsFor(argv)) cli.register(command);

  // No Node streams on the way in or out: they would load half of Node's stream stack at every
  // start. stdin is left out (no command reads it through clipanion; the bundle keeps clipanion
  // from touching it too), and output goes straight to the file descriptors.
  const context = {
    env: process.env,
    stdin: undefined as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    colorDepth: 1,
  };
  let command: Command;
  try {
    command = cli.process(argv.length ? argv : ['--help'], context);
  } catch (error) {
    // Unknown command or option, missing argument: one line, a hint, exit 2.
    const first = (error as Error).message.split('\n').find((line) => line.trim() !== '') ?? 'bad usage';
    const message = first.replace(/^(Usage Error|Error): /, '').replace(/[;:]?\s*did you mean.*$/i, '').trim();
    stderr.write(`flc: ${message} (in \`flc ${argv.join(' ')}\`)\n`);
    stderr.write(`hint: run \`flc --help\` or \`flc <command> --help\`\n`);
    return EXIT.usage;
  }
  return cli.run(command, context);
}
