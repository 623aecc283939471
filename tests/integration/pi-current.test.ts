// The Pi extension on the current Pi line (on Node 24), where project extensions load only in a
// trusted project: the whole suite without trust (the personal copy `flc init --pi` installs
// acts), then what trust changes, and what happens without flc's personal copy.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flc, git, makeRepo, makeTempDir, readDb } from '../helpers.js';
import { definePiSuite, piProject, recordedEvents, runPi } from '../pi-suite.js';
import { NODES, PI_LINES } from '../runtimes.js';

const found = PI_LINES.find((l) => l.trust);
const line = found ?? PI_LINES[0]!; // placeholder when the current Pi (or Node 24) is not installed

if (found) definePiSuite(found);

describe.skipIf(!found)(`Pi ${line.version} project trust`, () => {
  const heldWrite = [{ tool: 'write', args: { path: 'notes.txt', content: 'from pi\n' } }, { text: 'done' }];

  it('with the project trusted (--approve) both copies load and exactly one acts: one claim attempt, no duplicate tools', async () => {
    const project = await piProject();
    await flc(['claim', 'notes.txt'], { cwd: project.repo, env: { FLC_SESSION: 'cli-holder' } });
    const run = await runPi(line, project, [...heldWrite.slice(0, 1), { tool: 'file_claiming_list', args: {} }, { text: 'done' }], {}, { approve: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.tools.map((t) => [t.toolName, t.isError])).toEqual([
      ['write', true],
      ['file_claiming_list', false],
    ]);
    expect(run.tools[0]!.text).toMatch(/Held by session cli-holder/);
    expect(recordedEvents(project).map((e) => e.name)).toEqual(['claim:conflicted']);
    expect(run.stderr).not.toMatch(/conflict|flc/i);
    expect(fs.existsSync(path.join(project.repo, 'notes.txt'))).toBe(false);
  }, 60_000);

  it('without the personal copy and without trust, Pi does not load flc: the edit goes through, and flc doctor and init say so', async () => {
    const project = await piProject({ personal: false });
    const { repo } = project;
    await flc(['claim', 'notes.txt'], { cwd: repo, env: { FLC_SESSION: 'cli-holder' } });
    const untrusted = await runPi(line, project, heldWrite);
    expect(untrusted.tools).toMatchObject([{ toolName: 'write', isError: false }]);
    expect(fs.readFileSync(path.join(repo, 'notes.txt'), 'utf8')).toBe('from pi\n');
    const doctor = await flc(['doctor'], { cwd: repo, env: { HOME: project.home } });
    expect(doctor.stdout).toMatch(/pi +Pi >= 0\.79 loads \.pi\/extensions\/flc\.ts only once you trust this project .*until then edits are not coordinated/);
    expect(doctor.stdout).toMatch(/fix: npx flc init --pi/);

    // Trusted for the run: the project copy acts.
    fs.rmSync(path.join(repo, 'notes.txt'));
    const trusted = await runPi(line, project, heldWrite, {}, { approve: true });
    expect(trusted.tools).toMatchObject([{ toolName: 'write', isError: true }]);
    expect(trusted.tools[0]!.text).toMatch(/Held by session cli-holder/);
    expect(fs.existsSync(path.join(repo, 'notes.txt'))).toBe(false);
  }, 60_000);

  it('in a fresh clone where flc has not run yet, the personal copy tells an untrusted session that edits are not coordinated', async () => {
    const origin = await piProject();
    git(origin.repo, 'add', '.pi');
    git(origin.repo, 'commit', '-q', '-m', 'flc for Pi');
    const clone = path.join(makeTempDir(), 'clone');
    git(path.dirname(clone), 'clone', '-q', origin.repo, clone);
    const project = { ...origin, repo: clone };
    const run = await runPi(line, project, [{ tool: 'write', args: { path: 'a.txt', content: 'x' } }, { text: 'done' }]);
    expect(run.tools).toMatchObject([{ toolName: 'write', isError: false }]);
    expect(run.stderr).toMatch(/flc: this project uses flc, but Pi has not loaded its extension \(the project is not trusted\) and flc is not set up in this clone, so edits are not coordinated\. Run `npx flc init --pi`, or trust the project/);
    expect(fs.existsSync(path.join(clone, '.git/flc'))).toBe(false);
  }, 60_000);

  const node22 = NODES.find((n) => n.major === '22');
  it.runIf(node22)('runs on Node 22 as well: a held file is refused, naming the holder', async () => {
    const project = await piProject();
    await flc(['claim', 'notes.txt'], { cwd: project.repo, env: { FLC_SESSION: 'cli-holder' } });
    const run = await runPi({ ...line, node: node22!.bin }, project, heldWrite);
    expect(run.code, run.stderr).toBe(0);
    expect(run.tools).toMatchObject([{ toolName: 'write', isError: true }]);
    expect(run.tools[0]!.text).toMatch(/Held by session cli-holder/);
  }, 60_000);

  it('the personal copy does nothing in a repository without flc: no tools, no store, no output', async () => {
    const project = await piProject();
    const other = makeRepo();
    const run = await runPi(line, { ...project, repo: other }, [{ tool: 'file_claiming_list', args: {} }, { tool: 'write', args: { path: 'a.txt', content: 'x' } }, { text: 'done' }]);
    expect(run.tools.map((t) => [t.toolName, t.isError])).toEqual([
      ['file_claiming_list', true],
      ['write', false],
    ]);
    expect(run.tools[0]!.text).toMatch(/not found|unknown/i);
    expect(fs.existsSync(path.join(other, '.git/flc'))).toBe(false);
    expect(run.stderr).not.toMatch(/flc/);
    expect(readDb(project.repo).claims).toEqual([]);
  }, 60_000);
});
