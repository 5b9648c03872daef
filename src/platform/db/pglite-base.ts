import { existsSync, linkSync, mkdirSync, openAsBlob, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite, type Extensions } from '@electric-sql/pglite';
import { extract } from 'tar';

/**
 * A freshly initialised PGlite data directory, kept as a tarball and unpacked
 * into a new data directory (or loaded into an in-memory database: startFromBase)
 * instead of running initdb again. initdb is most of a PGlite start: measured
 * on this 2-core machine under load 12, 46–57 s from nothing against 14 s from
 * the tarball (and ~60 MB less resident), for every `scalestack start` on a new
 * data directory, every in-memory test system and every child process of the
 * suites. The tarball is made once per machine and PGlite version (the first
 * start pays initdb plus a ~5 s dump) and written once (writeOnce), so processes
 * starting together never read half of one.
 * `PGLITE_BASE_DIR` moves it (default: the OS temp directory); `PGLITE_BASE=off`
 * runs initdb every time.
 */
export async function pgliteBase(extensions: Extensions): Promise<string | undefined> {
  if (!pgliteBasesKept()) return undefined;
  const file = baseFile(extensions);
  try {
    if (!existsSync(file)) {
      const fresh = await PGlite.create(undefined, { extensions });
      writeOnce(file, Buffer.from(await (await fresh.dumpDataDir('none')).arrayBuffer()));
      await fresh.close();
    }
    return file;
  } catch {
    // No writable temp directory, or a tarball another version left unreadable: initdb as before.
    return undefined;
  }
}

/** False with `PGLITE_BASE=off`: every new database runs initdb and its migrations, and nothing is kept. */
export function pgliteBasesKept(): boolean {
  return process.env['PGLITE_BASE'] !== 'off';
}

/**
 * The same, one step further: a new database with every migration of
 * `schemaKey` (migrationsKey() of the migrations the process runs) already
 * applied. Applying them statement by statement was the larger half of an
 * embedded start once initdb was gone (24 migrations, one transaction and
 * one advisory lock each, in WebAssembly), and of every test system's start.
 * Undefined until a process has migrated a new database with that key and
 * kept it (keepMigratedBase); the migrations then find nothing left to do.
 */
export function migratedPgliteBase(extensions: Extensions, schemaKey: string): string | undefined {
  if (!pgliteBasesKept()) return undefined;
  const file = baseFile(extensions, schemaKey);
  return existsSync(file) ? file : undefined;
}

/**
 * What PGlite.create needs to start from the base tarball `file`. A data directory on disk
 * gets the tarball unpacked into it, and PGlite opens it as an existing database: loading a
 * tarball instead (`loadDataDir`) copies it through PGlite's WebAssembly memory, which grew
 * by ~80 MB and never shrinks (RSS after start 405–413 MB against ~320 on an existing
 * directory). An in-memory database has nowhere to unpack to and loads it, from a Blob
 * backed by the file rather than by a copy of its bytes.
 */
export async function startFromBase(file: string, dataDir: string | undefined): Promise<{ loadDataDir?: Blob }> {
  if (!dataDir) return { loadDataDir: await openAsBlob(file) };
  // Unpacked beside, then moved into place: a start that dies halfway leaves no half database behind.
  const partial = `${dataDir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  // Synchronous: 0.3–0.4 s for the 41 MB tarball against 0.7–0.8 s streamed, and nothing else runs during a start anyway.
  // Read 1 MB at a time: by default node-tar reads the whole file into one buffer, ~40 MB resident until a full GC.
  extract({ file, cwd: partial, sync: true, maxReadSize: 1 << 20 });
  rmSync(dataDir, { recursive: true, force: true });
  renameSync(partial, dataDir);
  return {};
}

/** Keeps a database just migrated from nothing as the migrated base of `schemaKey`; once per machine, version and key. */
export async function keepMigratedBase(pglite: PGlite, extensions: Extensions, schemaKey: string): Promise<void> {
  if (!pgliteBasesKept()) return;
  const file = baseFile(extensions, schemaKey);
  try {
    if (!existsSync(file)) writeOnce(file, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
  } catch {
    // Not kept: the next new database runs its migrations, as before.
  }
}

/** Where the bases are kept: `PGLITE_BASE_DIR`, or a folder in the OS temp directory. */
export function pgliteBaseDir(): string {
  return process.env['PGLITE_BASE_DIR'] ?? join(tmpdir(), 'scalestack-pglite');
}

function baseFile(extensions: Extensions, schemaKey?: string): string {
  const dir = pgliteBaseDir();
  const ext = Object.keys(extensions).sort().join('+') || 'plain';
  return join(dir, `base-${pgliteVersion()}-${ext}${schemaKey ? `-schema-${schemaKey}` : ''}.tar`);
}

/**
 * Written beside, then linked into place only if no other process got there first: a reader
 * never sees half a tarball, and a tarball never changes once there (the Blob a starting
 * process opened on it reads the file later, and fails if it was replaced meanwhile).
 */
function writeOnce(file: string, bytes: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, bytes);
  try {
    linkSync(partial, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(partial, { force: true });
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
