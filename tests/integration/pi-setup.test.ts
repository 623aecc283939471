// `flc init --pi` (project copy + personal copy) and `flc doctor`'s answer to "will Pi load flc
// here?", with Pi's home in a temp directory. Pi itself is driven in pi.test.ts / pi-current.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, flc, makeRepo, makeTempDir } from '../helpers.js';

const template = fs.readFileSync(path.join(ROOT, 'templates/pi/flc.ts'), 'utf8');

function setUp() {
  const repo = makeRepo();
  const home = makeTempDir();
  const env = { HOME: home, PI_CODING_AGENT_DIR: undefined };
  const personal = path.join(home, '.pi/agent/extensions/flc.ts');
  return { repo, home, env, personal };
}

describe('flc init --pi', () => {
  it('installs the project copy and the personal copy, once; --uninstall --pi removes both, --uninstall alone keeps the personal one', async () => {
    const { repo, env, personal } = setUp();
    const first = await flc(['init', '--pi', '--no-guard'], { cwd: repo, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`pi: installed the Pi extension ${path.join(repo, '.pi/extensions/flc.ts')} (commit it)`);
    expect(first.stdout).toContain(`pi: installed your personal Pi extension ${personal}: Pi loads it in every session, trusted project or not, and it acts only where flc is set up`);
    expect(fs.readFileSync(personal, 'utf8')).toBe(template);
    expect(fs.readFileSync(path.join(repo, '.pi/extensions/flc.ts'), 'utf8')).toBe(template);
    const again = await flc(['init', '--pi', '--no-guard'], { cwd: repo, env });
    expect(again.stdout.trim()).toBe(`flc is already set up in ${repo}`);

    const json = await flc(['init', '--pi', '--no-guard', '--json'], { cwd: repo, env });
    expect(JSON.parse(json.stdout).pi).toEqual({ file: path.join(repo, '.pi/extensions/flc.ts'), changed: false, personal: { file: personal, changed: false, installed: true } });

    const keep = await flc(['init', '--uninstall'], { cwd: repo, env });
    expect(keep.stdout).toContain('removed the Pi extension .pi/extensions/flc.ts');
    expect(fs.existsSync(personal)).toBe(true);
    await flc(['init', '--pi', '--no-guard'], { cwd: repo, env });
    const both = await flc(['init', '--uninstall', '--pi'], { cwd: repo, env });
    expect(both.stdout).toContain('removed your personal Pi extension');
    expect(fs.existsSync(personal)).toBe(false);
    expect(fs.existsSync(path.join(repo, '.pi'))).toBe(false);
  });

  it('honours PI_CODING_AGENT_DIR, leaves a personal flc.ts that is not flc\'s alone and says what that means', async () => {
    const { repo, home } = setUp();
    const agentDir = path.join(home, 'custom-agent');
    const env = { HOME: home, PI_CODING_AGENT_DIR: agentDir };
    fs.mkdirSync(path.join(agentDir, 'extensions'), { recursive: true });
    fs.writeFileSync(path.join(agentDir, 'extensions/flc.ts'), '// my own flc.ts\n');
    const run = await flc(['init', '--pi', '--no-guard'], { cwd: repo, env });
    expect(run.code).toBe(0);
    expect(fs.readFileSync(path.join(agentDir, 'extensions/flc.ts'), 'utf8')).toBe('// my own flc.ts\n');
    expect(run.stdout).toContain(`pi: ${path.join(agentDir, 'extensions/flc.ts')} is not flc's and was left alone, so Pi 0.79 and later load .pi/extensions/flc.ts only once you trust this project`);

    fs.rmSync(path.join(agentDir, 'extensions/flc.ts'));
    await flc(['init', '--pi', '--no-guard'], { cwd: repo, env });
    expect(fs.readFileSync(path.join(agentDir, 'extensions/flc.ts'), 'utf8')).toBe(template);
    expect(fs.existsSync(path.join(home, '.pi'))).toBe(false);
  });

  it('--no-pi-personal installs only the project copy and warns about project trust', async () => {
    const { repo, env, personal } = setUp();
    const run = await flc(['init', '--pi', '--no-pi-personal', '--no-guard'], { cwd: repo, env });
    expect(run.stdout).toContain('pi: Pi 0.79 and later load .pi/extensions/flc.ts only once you trust this project (Pi asks at start; `pi -p` needs --approve); until then edits are not coordinated');
    expect(fs.existsSync(personal)).toBe(false);
  });
});

describe('flc doctor: will Pi load flc here?', () => {
  const row = (stdout: string) => stdout.split('\n').filter((l) => /^(ok|FAIL) +pi /.test(l) || /^ +fix: npx flc init --pi/.test(l)).join('\n');

  it('the personal copy: yes, trusted or not; an outdated one is reported', async () => {
    const { repo, env, personal } = setUp();
    await flc(['init', '--pi', '--no-guard'], { cwd: repo, env });
    const ok = await flc(['doctor'], { cwd: repo, env });
    expect(ok.code).toBe(0);
    expect(row(ok.stdout)).toBe(`ok   pi          Pi loads flc in every session here, trusted project or not (personal extension ${personal})`);
    fs.writeFileSync(personal, `${template}\n// older\n`);
    expect(row((await flc(['doctor'], { cwd: repo, env })).stdout)).toMatch(/older than this flc\)\n +fix: npx flc init --pi +# updates it/);
  });

  it('the project copy alone: depends on Pi\'s trust decision for the project (trust.json, defaultProjectTrust)', async () => {
    const { repo, home, env } = setUp();
    await flc(['init', '--pi', '--no-pi-personal', '--no-guard'], { cwd: repo, env });
    const undecided = await flc(['doctor'], { cwd: repo, env });
    expect(undecided.code).toBe(0);
    expect(row(undecided.stdout)).toMatch(/^ok   pi +Pi >= 0\.79 loads \.pi\/extensions\/flc\.ts only once you trust this project .*\n +fix: npx flc init --pi/);

    const trustFile = path.join(home, '.pi/agent/trust.json');
    fs.mkdirSync(path.dirname(trustFile), { recursive: true });
    fs.writeFileSync(trustFile, JSON.stringify({ [path.dirname(repo)]: true }));
    expect(row((await flc(['doctor'], { cwd: repo, env })).stdout)).toBe('ok   pi          Pi loads .pi/extensions/flc.ts: you trust this project');

    fs.writeFileSync(trustFile, JSON.stringify({ [path.dirname(repo)]: true, [repo]: false }));
    const refused = await flc(['doctor'], { cwd: repo, env });
    expect(refused.code).toBe(3);
    expect(row(refused.stdout)).toMatch(/^FAIL pi +Pi does not trust this project .* edits are not coordinated\n +fix: npx flc init --pi/);

    fs.writeFileSync(trustFile, '{}');
    fs.writeFileSync(path.join(home, '.pi/agent/settings.json'), JSON.stringify({ defaultProjectTrust: 'always' }));
    expect(row((await flc(['doctor'], { cwd: repo, env })).stdout)).toBe('ok   pi          Pi loads .pi/extensions/flc.ts: defaultProjectTrust is "always"');
  });

  it('not set up for Pi: a choice, not a fault', async () => {
    const { repo, env } = setUp();
    await flc(['init', '--no-guard'], { cwd: repo, env });
    const run = await flc(['doctor'], { cwd: repo, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ok   pi +not set up for Pi \(flc init --pi\)/);
  });
});
