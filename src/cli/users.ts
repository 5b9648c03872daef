import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { migrationsFor } from '../platform/runtime/migrations-for.js';
import { allServices } from '../services/registry.js';
import { deleteUserByUsername } from '../services/identity/admin.js';

const HELP = `usage: scalestack users delete <username>

Deletes the account and publishes identity.user.deleted (through the outbox):
its tokens are refused at once, social removes the user's articles, comments,
favorites and follows when the event arrives. Reads DATABASE_URL / DATA_DIR
like \`scalestack start\` (on embedded PGlite, stop the server first: the
event is sent at its next start). A signed-in user can do the same with
DELETE /api/user.
`;

/** `scalestack users delete <username>`: an operator deletes an account. */
export async function users(args: string[]): Promise<void> {
  const [verb, username, ...rest] = args;
  if (verb === '--help' || verb === 'help') return void process.stdout.write(HELP);
  if (verb !== 'delete' || !username || rest.length > 0) {
    process.stderr.write(`scalestack users: expected \`delete <username>\`\n\n${HELP}`);
    process.exit(2);
  }
  const config = loadConfig();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1 });
  try {
    await runMigrations(db, migrationsFor(allServices));
    const deleted = await deleteUserByUsername(db, username);
    if (!deleted) {
      process.stderr.write(`scalestack users delete: no user "${username}"\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`deleted user ${deleted.username} (id ${deleted.id}); user-deleted event queued in the outbox\n`);
  } finally {
    await db.close();
  }
}
