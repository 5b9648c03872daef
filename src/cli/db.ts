import { parseArgs } from 'node:util';
import { startLocalReplica, stopLocalReplica } from '../platform/db/replicas/local-replica.js';
import { promoteLocalStandby } from '../platform/db/replicas/promote.js';

const HELP = `usage: scalestack db <replica|replica-stop|failover> [options]

  replica --port <p> [--primary <url>] [--dir <path>]
      a streaming replica of the primary on this machine: pg_basebackup through a
      replication slot (scalestack_replica_<port>), then a hot standby on 127.0.0.1:<p>
  replica-stop --port <p> [--primary <url>] [--dir <path>]
      stops it (immediate), deletes its files and drops its slot on the primary
  failover --dir <path>
      promotes the standby in <path> to primary (pg_ctl promote) and waits until it
      accepts writes; see docs/patterns/failover.md for the drill

--primary defaults to DATABASE_URL's server, else postgres://postgres@127.0.0.1:5432/postgres.
Runs the Postgres binaries of /usr/lib/postgresql/*/bin as the postgres user.
`;

/** `scalestack db ...`: local replicas and failover (docs/patterns/read-replicas.md, failover.md). */
export async function db(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { port: { type: 'string' }, primary: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [action] = positionals;
  if (values.help || !action || !['replica', 'replica-stop', 'failover'].includes(action)) {
    process.stdout.write(HELP);
    if (!values.help) process.exitCode = 2;
    return;
  }
  if (action === 'failover') {
    if (!values.dir) throw new Error('failover needs --dir (the standby\'s data directory)');
    const ms = await promoteLocalStandby(values.dir);
    process.stdout.write(`promoted ${values.dir} in ${ms} ms\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port must be a TCP port');
  const primaryUrl = values.primary ?? defaultPrimary();
  const options = { primaryUrl, port, ...(values.dir ? { dataDir: values.dir } : {}) };
  if (action === 'replica') {
    const replica = await startLocalReplica(options);
    process.stdout.write(`replica of ${new URL(primaryUrl).host} on ${replica.url} (data ${replica.dataDir}, slot ${replica.slot}, pid ${replica.pid()})\n`);
  } else {
    await stopLocalReplica(options);
    process.stdout.write(`replica on port ${port} stopped and removed\n`);
  }
}

function defaultPrimary(): string {
  const url = new URL(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
}
