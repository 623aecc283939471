import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeAnthropic, Gate, startFakeAnthropic } from '../fixtures/fake-anthropic.js';
import { ROOT, cleanEnv, git } from '../helpers.js';
import { HOOK_MODES, bash, claimsIn, describeReal, sessionIdOf, startClaude, tempDir, write, expectExit } from './harness.js';

let api: FakeAnthropic;

/** npm as a user runs it, without the test run's npm_* settings or session ids. */
function npm(cwd: string, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|FLC_|CLAUDE|ANTHROPIC)/i.test(k)) env[k] = v;
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Registered by all-cases.ts, so that the real-client cases of a hook mode run concurrently in one file. */
export function cases(): void {
  beforeAll(async () => void (api = await startFakeAnthropic()));
  afterAll(() => api?.close());

  describeReal('flc installed as a dev dependency from a packed checkout, then a real Claude Code session', () => {
    it.each(HOOK_MODES)('npm install --save-dev <tarball>, npx flc init --claude --hooks=%s, and the session claims, commits its own work through the guard and releases', async (mode) => {
      // The tarball a user would get from `npm pack` in a checkout (dist/ is built by `npm test`).
      expect(fs.existsSync(path.join(ROOT, 'dist', 'cli.cjs'))).toBe(true);
      const packs = tempDir('flc-pack-');
      npm(ROOT, 'pack', '--ignore-scripts', '--silent', '--pack-destination', packs);
      const [tarball] = fs.readdirSync(packs).filter((f) => f.endsWith('.tgz'));

      const project = tempDir('flc-devdep-');
      git(project, 'init', '-q', '-b', 'main');
      git(project, 'config', 'user.email', 'test@example.com');
      git(project, 'config', 'user.name', 'Test');
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'demo', version: '1.0.0', private: true }, null, 2));
      fs.writeFileSync(path.join(project, '.gitignore'), 'node_modules/\n');
      npm(project, 'install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', path.join(packs, tarball!));
      npm(project, 'exec', '--prefer-offline', '--', 'flc', 'init', '--claude', `--hooks=${mode}`);
      const settings = fs.readFileSync(path.join(project, '.claude', 'settings.json'), 'utf8');
      expect(settings).toContain('node_modules/.bin/flc hook claude');
      if (mode === 'mcp') {
        expect(settings).toContain('"type": "mcp_tool"');
        expect(JSON.parse(fs.readFileSync(path.join(project, '.mcp.json'), 'utf8')).mcpServers.flc).toEqual({ command: '${CLAUDE_PROJECT_DIR:-.}/node_modules/.bin/flc', args: ['mcp', '--hooks-only'] });
      } else {
        expect(settings).not.toContain('mcp_tool');
      }
      git(project, 'add', '-A');
      git(project, 'commit', '-q', '-m', 'set up flc');

      const file = path.join(project, 'src', 'index.js');
      const midTurn = new Gate();
      api.script(`devdep-${mode}`, [
        { tools: [write(file, 'console.log(1);\n')] },
        { gate: midTurn, tools: [bash('git add src/index.js && git commit -q -m "first feature"')] },
        { text: 'Done.' },
      ]);
      const session = startClaude({ cwd: project, api: api.url, prompt: `[script:devdep-${mode}] write and commit`, noShim: true });
      const id = await sessionIdOf(session);
      await midTurn.reached;
      expect(claimsIn(project)).toMatchObject([{ path: 'src/index.js', session: id }]);
      // The guard husky runs from node_modules/.bin refuses someone else's commit of the held file.
      git(project, 'add', 'src/index.js');
      let refused = '';
      try {
        execFileSync('git', ['commit', '-q', '-m', 'not mine'], { cwd: project, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        refused = String((error as { stderr?: string }).stderr);
      }
      expect(refused).toContain('src/index.js');
      expect(refused).toContain(id);
      midTurn.open();
      expectExit(await session.done, 0);
      expect(api.toolResults(`devdep-${mode}`)[1]!.content).toContain('EXIT=0');
      expect(git(project, 'log', '-1', '--format=%s').trim()).toBe('first feature');
      expect(claimsIn(project)).toEqual([]);
    }, 240_000);
  });
}
