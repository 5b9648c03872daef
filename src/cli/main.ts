// Every command is imported when it runs: `start` then loads no load generator, seeder or DLQ tooling
// (undici alone is ~5 MB of heap), and `--help` loads nothing.
const commands: Record<string, { run: (args: string[]) => Promise<void>; help: string }> = {
  start: { run: async (args) => (await import('./start.js')).start(args), help: 'run the system: one process, or --topology services [--replicas social=2] / --workers N behind a gateway' },
  gateway: { run: async () => (await import('./gateway.js')).gateway(), help: 'run a gateway alone in front of replicas from GATEWAY_UPSTREAMS or the Redis registry' },
  restart: { run: async (args) => (await import('./restart.js')).restart(args), help: 'rolling restart of a service\'s replicas in a running multi-process topology (scalestack restart social)' },
  migrate: { run: async (args) => (await import('./migrate.js')).migrate(args), help: 'apply pending migrations of every service and exit; --embedded-base makes the embedded database\'s migrated base' },
  load: { run: async (args) => (await import('./load.js')).load(args), help: 'open-model load test of a running system (scalestack load --help)' },
  seed: { run: async (args) => (await import('./seed.js')).seed(args), help: 'create users, follows and articles for load scenarios (scalestack seed --help)' },
  users: { run: async (args) => (await import('./users.js')).users(args), help: 'delete an account: scalestack users delete <username> (scalestack users --help)' },
  dlq: { run: async (args) => (await import('./dlq.js')).dlq(args), help: 'list, show and replay dead-lettered messages (scalestack dlq --help)' },
  shard: { run: async (args) => (await import('./shard.js')).shard(args), help: 'where a key lives in a shard map, and online moves between shards (scalestack shard --help)' },
  links: { run: async (args) => (await import('./links.js')).links(args), help: 'archive or restore a day of click events: scalestack links restore --day YYYY-MM-DD' },
  chaos: { run: async (args) => (await import('./chaos.js')).chaos(args), help: 'run a chaos experiment file: steady state, inject, verify, roll back (scalestack chaos --help)' },
  db: { run: async (args) => (await import('./db.js')).db(args), help: 'local streaming replica and failover: scalestack db replica --port 5433 (scalestack db --help)' },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.help}`);
  return `usage: scalestack <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  process.stderr.write(name && name !== '--help' && name !== 'help' ? `scalestack: unknown command "${name}"\n\n${usage()}` : usage());
  process.exit(name && name !== '--help' && name !== 'help' ? 2 : 0);
}
await command.run(args);
