import { spawn } from 'node:child_process';
import type { Logger } from '../platform/log/logger.js';
import { EMBEDDED_EXTENSIONS } from '../platform/db/open-database.js';
import { migrationsKey } from '../platform/db/migrations.js';
import { migratedPgliteBase } from '../platform/db/pglite-base.js';
import { migrationsFor } from '../platform/runtime/migrations-for.js';
import type { ServiceModule } from '../platform/runtime/service-module.js';

/** The migrated base this machine keeps for a database of `services` (pglite-base.ts), or undefined. */
export function keptEmbeddedBase(services: readonly ServiceModule[]): string | undefined {
  return migratedPgliteBase(EMBEDDED_EXTENSIONS, migrationsKey(migrationsFor(services)));
}

/**
 * Makes the embedded database's migrated base for `services` in a child process (`scalestack migrate
 * --embedded-base`, this same CLI), which exits when done and so takes initdb's and the migrations' WebAssembly
 * memory with it (DatabaseSettings.makeMigratedBase). A child that fails only costs time: the start then
 * makes the base itself, as before, and the log says why.
 */
export function makeEmbeddedBaseInChild(services: readonly string[], logger: Logger): Promise<void> {
  const entry = process.argv[1];
  if (!entry) return Promise.resolve();
  const started = performance.now();
  // The loader (tsx when run from source) and nothing else: a profiler's or inspector's flags are this process's.
  const args = [...loaderArgs(process.execArgv), entry, 'migrate', '--embedded-base'];
  logger.info({ services }, 'new embedded database and no base for its migrations on this machine: making one in a child process (once)');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, SERVICES: services.join(',') }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    const fail = (why: string) => {
      logger.warn({ why, stderr }, 'making the embedded database base in a child process failed: making it in this process');
      resolve();
    };
    child.on('error', (err) => fail(err.message));
    child.on('exit', (code, signal) => {
      if (code !== 0) return fail(signal ? `signal ${signal}` : `exit code ${code}`);
      logger.info({ pid: child.pid, ms: Math.round(performance.now() - started) }, 'embedded database base made in a child process');
      resolve();
    });
  });
}

/** `--import x`, `--import=x`, `--require`, `--loader`: what makes the entry loadable. */
function loaderArgs(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (/^--(import|require|loader|experimental-loader)=/.test(arg)) kept.push(arg);
    else if (/^--(import|require|loader|experimental-loader)$/.test(arg) && i + 1 < execArgv.length) kept.push(arg, execArgv[++i]!);
  }
  return kept;
}
