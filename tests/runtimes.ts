// The Node versions and Pi lines the tests run on. Node 22 and 24 and the current Pi line are
// dev dependencies (npm aliases node22, node24, pi-current), so they need no download step.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

export interface NodeRuntime {
  /** "20", "22", "24" */
  major: string;
  /** The node executable. */
  bin: string;
}

/** The machine's Node (the one running the tests) and the Node binaries installed as dev dependencies. */
export const NODES: NodeRuntime[] = [
  { major: process.versions.node.split('.')[0]!, bin: process.execPath },
  ...['22', '24'].map((major) => ({ major, bin: path.join(ROOT, 'node_modules', `node${major}`, 'bin', 'node') })),
].filter((node, i, all) => fs.existsSync(node.bin) && all.findIndex((n) => n.major === node.major) === i);

/** The other Node versions: what the version matrix runs besides the whole suite. */
export const OTHER_NODES = NODES.filter((node) => node.bin !== process.execPath);

export interface PiLine {
  /** "0.74", "1.6" */
  line: string;
  version: string;
  /** Pi's command-line entry point. */
  cli: string;
  /** The Node it runs on. */
  node: string;
  /** Whether project extensions need the user's trust (Pi >= 0.79). */
  trust: boolean;
  /** Whether bash commands get PI_SESSION_ID (Pi >= 0.82). */
  sessionEnv: boolean;
  /** Whether Pi signals true idleness with agent_settled (Pi >= 0.80.4). */
  settles: boolean;
  /** Whether Pi has the optional `powershell` tool (Pi >= 0.84.3; enabled with --tools). */
  powershell: boolean;
  /** Whether Pi has the optional `codemode` tool, scripts that call the other tools (Pi >= 0.99.1; enabled with --tools). */
  codemode: boolean;
}

function piLine(dir: string, cliFile: string, node: string | undefined): PiLine | null {
  const pkg = path.join(ROOT, 'node_modules', dir, 'package.json');
  if (!node || !fs.existsSync(pkg)) return null;
  const version = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  const at = (m: number, p = 0) => major > 0 || minor > m || (minor === m && patch >= p);
  return { line: `${major}.${minor}`, version, cli: path.join(ROOT, 'node_modules', dir, cliFile), node, trust: at(79), sessionEnv: at(82), settles: at(80, 4), powershell: at(84, 3), codemode: at(99, 1) };
}

/** Pi 0.74 (the last line on Node 20) on the machine's Node, and the current Pi on Node 24. */
export const PI_LINES: PiLine[] = [
  piLine('@earendil-works/pi-coding-agent', 'dist/cli.js', process.execPath),
  piLine('pi-current', 'dist/bundle/cli.js', NODES.find((n) => n.major === '24')?.bin),
].filter((line): line is PiLine => line !== null);
