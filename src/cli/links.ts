import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config/load-config.js';
import { openSharedClickStore } from '../services/links/analytics/open-click-store.js';
import { dayStart } from '../services/links/analytics/days.js';

const HELP = `usage: scalestack links <archive|restore> --day YYYY-MM-DD

  archive --day D   move day D's click events (every process's) from the hot store to its Parquet archive
  restore --day D   bring archived day D back into the hot store (and remove its archive file or object)

Works on DATA_DIR/links (archived days there, or in the BLOB_URL store when it is set),
also while processes run on it (see docs/patterns/olap-archival.md).
The archival job does 'archive' by itself for days older than LINKS_ARCHIVE_AFTER_DAYS.
`;

/** `scalestack links archive|restore --day`: move a day of click events to or from its Parquet archive. */
export async function links(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { day: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [action] = positionals;
  if (values.help || !action || !['archive', 'restore'].includes(action) || !values.day) {
    process.stdout.write(HELP);
    if (!values.help) process.exitCode = 2;
    return;
  }
  try {
    dayStart(values.day);
  } catch {
    process.stderr.write(`--day ${values.day}: expected YYYY-MM-DD\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  if (config.DATA_DIR === 'memory://') {
    process.stderr.write('DATA_DIR=memory:// keeps no click store to work on\n');
    process.exitCode = 2;
    return;
  }
  const store = await openSharedClickStore({ dataDir: config.DATA_DIR, blobUrl: config.BLOB_URL });
  try {
    const moved = action === 'archive' ? await store.archiveDay(values.day) : await store.restoreDay(values.day);
    process.stdout.write(`${action}d ${values.day}: ${moved} click events\n`);
  } finally {
    await store.close();
  }
}
