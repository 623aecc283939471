import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { table } from '../cli/style.js';
import { CONFIG_KEYS, type ConfigKey, assertConfigKey, parseAssignments, showConfigValue } from '../core/config.js';
import { EXIT } from '../core/errors.js';
import { syncClaudeHookTimeouts } from '../install/claude.js';

const KEY_LIST = Object.entries(CONFIG_KEYS)
  .map(([key, spec]) => `- \`${key}\`: ${spec.describe}`)
  .join('\n');

export class ConfigCommand extends FlcCommand {
  static paths = [['config']];
  static usage = Command.Usage({
    description: 'show the settings',
    details: `
      Lists every setting with its value and whether it is the default. Settings live in \`.git/flc/config.json\` and are shared by all worktrees.

      Keys:
      ${KEY_LIST}
    `,
    examples: [
      ['Show all settings', 'flc config'],
      ['Read one', 'flc config get ttl'],
      ['Change some', 'flc config set ttl=10m waitTimeout=2m release=edit'],
      ['Back to the default', 'flc config unset ttl'],
    ],
  });

  async run(): Promise<number> {
    const store = this.coordinator().store;
    const config = store.config();
    const stored = store.storedConfig();
    const keys = Object.keys(CONFIG_KEYS) as ConfigKey[];
    if (this.json) {
      this.printJson(Object.fromEntries(keys.map((k) => [k, showConfigValue(k, config[k])])));
      return EXIT.ok;
    }
    const rows = keys.map((k) => [k, showConfigValue(k, config[k]), k in stored ? 'set' : 'default', CONFIG_KEYS[k].describe]);
    this.print(table(['KEY', 'VALUE', 'SOURCE', 'MEANING'], rows, this.out));
    return EXIT.ok;
  }
}

export class ConfigGetCommand extends FlcCommand {
  static paths = [['config', 'get']];
  static usage = Command.Usage({
    description: 'print one setting',
    examples: [['Read the claim time to live', 'flc config get ttl']],
  });

  key = Option.String({ name: 'key' });

  async run(): Promise<number> {
    const key = assertConfigKey(this.key);
    const value = showConfigValue(key, this.coordinator().store.config()[key]);
    if (this.json) this.printJson({ [key]: value });
    else this.print(value);
    return EXIT.ok;
  }
}

export class ConfigSetCommand extends FlcCommand {
  static paths = [['config', 'set']];
  static usage = Command.Usage({
    description: 'change settings (KEY=VALUE ...)',
    details: `
      Validates every assignment before writing any of them; a bad value changes nothing (exit 2).

      Keys:
      ${KEY_LIST}
    `,
    examples: [
      ['Longer claims', 'flc config set ttl=15m'],
      ['Agents release after each edit, and wait 2 minutes', 'flc config set release=edit waitTimeout=2m'],
    ],
  });

  assignments = Option.Rest({ required: 1, name: 'key=value' });

  async run(): Promise<number> {
    const changes = parseAssignments(this.assignments);
    const coordinator = this.coordinator();
    const config = await coordinator.store.updateConfig(changes);
    // Claude Code cancels a hook at its timeout and makes the edit: the installed timeout follows the wait.
    const synced = 'waitTimeout' in changes ? syncClaudeHookTimeouts(coordinator.repo, config.waitTimeout) : [];
    const keys = Object.keys(changes) as ConfigKey[];
    if (this.json) this.printJson(Object.fromEntries(keys.map((k) => [k, showConfigValue(k, config[k])])));
    else for (const k of keys) this.print(`${k} = ${showConfigValue(k, config[k])}`);
    for (const file of synced) this.warn(`flc: updated the Claude Code PreToolUse hook timeout in ${file} to match (commit it if the team shares it)`);
    return EXIT.ok;
  }
}

export class ConfigUnsetCommand extends FlcCommand {
  static paths = [['config', 'unset']];
  static usage = Command.Usage({
    description: 'reset settings to their defaults',
    examples: [['Default time to live again', 'flc config unset ttl']],
  });

  keys = Option.Rest({ required: 1, name: 'key' });

  async run(): Promise<number> {
    const keys = this.keys.map(assertConfigKey);
    const config = await this.coordinator().store.updateConfig({}, keys);
    if (this.json) this.printJson(Object.fromEntries(keys.map((k) => [k, showConfigValue(k, config[k])])));
    else for (const k of keys) this.print(`${k} = ${showConfigValue(k, config[k])} (default)`);
    return EXIT.ok;
  }
}
