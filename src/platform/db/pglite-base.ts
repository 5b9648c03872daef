import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite, type Extensions } from '@electric-sql/pglite';

/**
 * A freshly initialised PGlite data directory, kept as a tarball and loaded
 * instead of running initdb again. initdb is most of a PGlite start: measured
 * on this 2-core machine under load 12, 46–57 s from nothing against 14 s from
 * the tarball (and ~60 MB less resident), for every `scalestack start` on a new
 * data directory, every in-memory test system and every child process of the
 * suites. The tarball is made once per machine and PGlite version (the first
 * start pays initdb plus a ~5 s dump) and written atomically, so processes
 * starting together never read half of one.
 * `PGLITE_BASE_DIR` moves it (default: the OS temp directory); `PGLITE_BASE=off`
 * runs initdb every time.
 */
export async function pgliteBase(extensions: Extensions): Promise<Blob | undefined> {
  if (process.env['PGLITE_BASE'] === 'off') return undefined;
  const dir = process.env['PGLITE_BASE_DIR'] ?? join(tmpdir(), 'scalestack-pglite');
  const file = join(dir, `base-${pgliteVersion()}-${Object.keys(extensions).sort().join('+') || 'plain'}.tar`);
  try {
    if (!existsSync(file)) {
      const fresh = await PGlite.create(undefined, { extensions });
      const tarball = Buffer.from(await (await fresh.dumpDataDir('none')).arrayBuffer());
      await fresh.close();
      mkdirSync(dir, { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, tarball);
      renameSync(partial, file);
    }
    return new Blob([readFileSync(file)]);
  } catch {
    // No writable temp directory, or a tarball another version left unreadable: initdb as before.
    return undefined;
  }
}

/** True when `dataDir` holds no database yet (PGlite writes PG_VERSION at initdb). */
export function isEmptyDataDir(dataDir: string): boolean {
  return !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}

/** The installed PGlite's version (its package.json is not in its exports: found beside its entry point). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}
