import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { migrationsFor } from '../platform/runtime/migrations-for.js';
import { allServices } from '../services/registry.js';
import { deleteUserByUsername, grantAdminByEmail } from '../services/identity/admin.js';

const HELP = `usage: scalestack users delete <username>
       scalestack users grant-admin <email>

Deletes the account and publishes identity.user.deleted (through the outbox):
its tokens are refused at once, social removes the user's articles, comments,
favorites and follows when the event arrives. Reads DATABASE_URL / DATA_DIR
like \`scalestack start\` (on embedded PGlite, stop the server first: the
event is sent at its next start). A signed-in user can do the same with
DELETE /api/user.

grant-admin adds the admin role (catalog writes) to the user with that
email; the only way to make an admin. Their requests are checked against
the new role at once (identity.user.roles-changed drops cached standings).
`;

/** `scalestack users delete <username>`: an operator deletes an account. */
export async function users(args: string[]): Promise<void> {
  const [verb, username, ...rest] = args;
  if (verb === '--help' || verb === 'help') return void process.stdout.write(HELP);
  if ((verb !== 'delete' && verb !== 'grant-admin') || !username || rest.length > 0) {
    process.stderr.write(`scalestack users: expected \`delete <username>\` or \`grant-admin <email>\`\n\n${HELP}`);
    process.exit(2);
  }
  const config = loadConfig();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1, preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  try {
    await runMigrations(db, migrationsFor(allServices));
    if (verb === 'grant-admin') {
      const granted = await grantAdminByEmail(db, username);
      if (!granted) {
        process.stderr.write(`scalestack users grant-admin: no user with email "${username}"\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`user ${granted.username} (id ${granted.id}) now has roles ${granted.roles.join(', ')}\n`);
      return;
    }
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
