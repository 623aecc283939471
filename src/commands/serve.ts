import { Command, Option } from '../cli/clipanion.js';
import { FlcCommand, usage } from '../cli/base.js';
import { EXIT, FlcError } from '../core/errors.js';

export class ServeCommand extends FlcCommand {
  static paths = [['serve']];
  static usage = Command.Usage({
    category: 'Agent integrations',
    description: 'serve the HTTP lock API (drop-in for the original File Lock Coordinator)',
    details: `
      Serves \`GET /health\`, \`POST /lock?wait=true&timeout=60s\`, \`POST /unlock\`, \`POST /unlock-all\` and \`GET /status\` on the repository's shared store: a lock taken over HTTP shows in \`flc status\` and blocks Claude, Pi and CLI sessions, and the reverse.

      A \`file\` inside the repository meets everyone's claims on that file; a path outside it (the examples' \`/test.txt\`) is an HTTP-only name. Port: \`--port\`, else \`FILE_LOCK_PORT\`, else 9876 (\`--port 0\` picks a free one). Stops cleanly on Ctrl-C or SIGTERM; claims stay in the store.

      The API has no authentication, so it is for this machine only: it binds to 127.0.0.1, answers only requests whose Host is a loopback name, takes POST bodies only as \`Content-Type: application/json\` (415 otherwise) and refuses requests from web pages of other origins (403), so a browser tab cannot take or drop claims. A non-loopback \`--host\` is refused unless \`--allow-remote\` says the network is trusted.

      A request's headers and body must arrive within 5 s; a waiting long-poll stays open for its \`timeout\`. Connections are capped (\`--max-connections\`, by default below the process's open-file limit).

      Exit codes: 0 stopped by a signal, 2 bad usage (including a non-loopback \`--host\` without \`--allow-remote\`), 3 the port cannot be bound or no repository.
    `,
    examples: [
      ['Serve on the default port 9876', 'flc serve'],
      ['Another port', 'flc serve --port 9999'],
      ['Try it', 'curl -X POST http://localhost:9876/lock -H "Content-Type: application/json" -d \'{"session": "test", "file": "/test.txt"}\''],
    ],
  });

  port = Option.String('--port,-p', { description: 'Port (default: FILE_LOCK_PORT, else 9876)' });
  host = Option.String('--host', '127.0.0.1', { description: 'Address to bind (default 127.0.0.1; loopback only without --allow-remote)' });
  allowRemote = Option.Boolean('--allow-remote', false, { description: 'Allow a non-loopback --host: anyone who can reach the port can take and drop claims' });
  maxConnections = Option.String('--max-connections', { description: 'Open connections at most (default: below the open-file limit, at most 1024)' });

  async run(): Promise<number> {
    const portText = this.port ?? process.env.FILE_LOCK_PORT ?? '9876';
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw usage(`invalid port "${portText}"`, 'use a number from 0 to 65535');
    if (this.maxConnections !== undefined && !/^[1-9]\d{0,5}$/.test(this.maxConnections)) {
      throw usage(`invalid --max-connections "${this.maxConnections}"`, 'use a whole number of connections, e.g. 256');
    }
    const { createLockServer, isLoopbackName } = await import('../server/http.js');
    if (!isLoopbackName(this.host) && !this.allowRemote) {
      throw usage(
        `refusing to listen on ${this.host}: the HTTP lock API has no authentication, so anyone who can reach it could take or drop every claim`,
        'keep the default 127.0.0.1 (or another loopback address), or add --allow-remote if every machine that can reach this address is trusted',
      );
    }
    const coordinator = this.coordinator();
    coordinator.store.read(); // a corrupt store is reported now, not at the first request
    const lock = createLockServer(coordinator, {
      allowRemote: this.allowRemote,
      ...(this.maxConnections !== undefined ? { maxConnections: Number(this.maxConnections) } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      lock.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new FlcError('STORE_UNREADABLE', `cannot listen on ${this.host}:${portText}: ${error.code ?? error.message}`, 'pick another --port, or stop what uses this one')),
      );
      lock.server.listen(Number(portText), this.host, () => resolve());
    });
    const address = lock.server.address();
    const port = typeof address === 'object' && address ? address.port : Number(portText);
    this.print(`flc serve: listening on http://${this.host}:${port} for ${coordinator.repo.root}`);
    if (!isLoopbackName(this.host)) this.warn(`flc serve: --allow-remote: anyone who can reach ${this.host}:${port} can take and drop claims`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await lock.close();
    this.warn('flc serve: stopped');
    return EXIT.ok;
  }
}
