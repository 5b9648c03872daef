import { start } from './start.js';
import { migrate } from './migrate.js';

const commands: Record<string, { run: (args: string[]) => Promise<void>; help: string }> = {
  start: { run: start, help: 'run the whole system in one process (embedded unless DATABASE_URL etc. are set)' },
  migrate: { run: migrate, help: 'apply pending migrations of every service and exit' },
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
