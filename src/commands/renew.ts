import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand } from '../cli/base.js';
import { EXIT } from '../core/errors.js';

export class RenewCommand extends FlcCommand {
  static paths = [['renew']];
  static usage = Command.Usage({
    description: "renew this session's claims (a sign of life)",
    details: `
      Pushes back the expiry of every live claim the session holds by its time to live. Any claim or release by the session does the same; use this from long-running work that claims nothing new.

      Exit codes: 0 done, 2 bad usage, 3 environment.
    `,
    examples: [
      ['Renew my claims', 'flc renew'],
      ['Renew for a named session', 'flc renew --session agent-7'],
    ],
  });

  sessionFlag = Option.String('--session,-s', { description: 'Act as this session' });

  async run(): Promise<number> {
    const session = this.session(this.sessionFlag);
    const renewed = await this.coordinator().renew(session);
    if (this.json) this.printJson({ ok: true, renewed, session });
    else this.print(`renewed ${renewed} claim${renewed === 1 ? '' : 's'} of ${session}`);
    return EXIT.ok;
  }
}
