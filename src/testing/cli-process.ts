import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '../platform/config/schema.js';
import { freePort } from '../platform/runtime/free-port.js';
import { RUNNING_COMPILED } from '../platform/runtime/app-paths.js';

export { freePort };

/**
 * Real processes for tests and benchmarks: the CLI (cliEntry(): its source
 * through tsx, or the compiled one) or any TypeScript script, on a port picked
 * here, with helpers to wait until it serves, stop it and read what it printed.
 */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI's source, run through tsx, as `npx scalestack` runs it. */
export const SOURCE_CLI_ENTRY = 'src/cli/main.ts';

/**
 * The parent's environment without any of the system's settings (so a
 * DATABASE_URL or JWT_SECRET of the shell never leaks into a child) and
 * without node:test's own markers.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(ConfigSchema.properties)) delete env[key];
  delete env['NODE_TEST_CONTEXT'];
  delete env['NODE_CHANNEL_FD'];
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeProcess {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  hasExited(): boolean;
  /** Polls `path` until it answers 200; resolves with the ms it took since spawn. Rejects if the process dies or time runs out. */
  waitReady(path?: string, timeoutMs?: number): Promise<number>;
  /** Sends `signal` and waits for the exit; SIGKILLs after `timeoutMs` and reports it. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit & { ms: number; killed: boolean }>;
}

export interface SpawnOptions {
  /** Extra environment on top of cleanEnv(); PORT is set by spawn. */
  env?: Record<string, string | undefined>;
  port?: number;
  /** Echo the child's output to this process's stderr as it comes. */
  echo?: boolean;
  /** Flags for node itself, before the script (some, like --cpu-prof, are refused in NODE_OPTIONS). */
  nodeArgs?: string[];
}

/** `node <script> ...args` from the repo root, with PORT set; how a TypeScript script is run is scriptArgs'. */
export async function spawnScript(script: string, args: string[], options: SpawnOptions = {}): Promise<NodeProcess> {
  const port = options.port ?? (await freePort());
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...scriptArgs(script), ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv({ HOST: '127.0.0.1', ...options.env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
    if (options.echo) process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitedYet = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedYet = true;
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;

  return {
    child,
    port,
    url,
    exited,
    output: () => output,
    hasExited: () => exitedYet,
    waitReady: async (path = '/readyz', timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      let last = 'no answer yet';
      while (Date.now() < deadline) {
        if (exitedYet) {
          const { code, signal } = await exited;
          throw new Error(`${script} exited (code ${code}, signal ${signal}) before ${path} was 200:\n${output}`);
        }
        try {
          const res = await getStatus(port, path);
          if (res === 200) return performance.now() - started;
          last = `status ${res}`;
        } catch (err) {
          last = (err as Error).message;
        }
        await sleep(50);
      }
      throw new Error(`${script}: ${path} not 200 within ${timeoutMs} ms (last: ${last}):\n${output}`);
    },
    stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
      const t0 = performance.now();
      if (exitedYet) return { ...(await exited), ms: 0, killed: false };
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) child.kill('SIGKILL');
      const exit = await exited;
      return { ...exit, ms: performance.now() - t0, killed: timedOut };
    },
  };
}

/** The compiled CLI `npm start` runs (tools/build-server.mjs). */
export const BUILT_CLI_ENTRY = 'build/cli/main.js';

/**
 * The CLI script to run: the tsx source, or the compiled one when SCALESTACK_CLI_ENTRY says so. The benchmarks
 * measure what `npm start` runs (bench/main.ts), and tools/run-tests.mjs builds it and runs the suites on it: a
 * services topology is ready in ~6.6 s compiled against ~18 s from the source (one process: 1.0 s against 2.4 s),
 * and the suites start dozens. A topology's replicas are forked with their parent's loader, so a supervisor
 * started from the source runs every replica under tsx too.
 */
export function cliEntry(): string {
  return process.env['SCALESTACK_CLI_ENTRY'] ?? SOURCE_CLI_ENTRY;
}

/**
 * Under the suite runner (its mirror of the tree is compiled, ADR 0046), a TypeScript file's compiled `.js` beside
 * it, relative like `file`; null when this process runs the sources through tsx, or there is none.
 */
export function compiledSibling(file: string): string | null {
  if (!RUNNING_COMPILED || !file.endsWith('.ts')) return null;
  const compiled = file.replace(/\.ts$/, '.js');
  return existsSync(resolve(REPO_ROOT, compiled)) ? compiled : null;
}

/**
 * Node's arguments that run `script` (relative to the repo root): through tsx when it is TypeScript. Under the
 * suite runner a helper script runs compiled like the suites (compiledSibling: tsx's loader would cost it ~2 s of
 * CPU); the CLI's source entry still runs through tsx, as `npx scalestack` does.
 */
export function scriptArgs(script: string): string[] {
  if (!script.endsWith('.ts')) return [script];
  const isCliSource = resolve(REPO_ROOT, script) === resolve(REPO_ROOT, SOURCE_CLI_ENTRY);
  const compiled = isCliSource ? null : compiledSibling(script);
  return compiled ? ['--enable-source-maps', compiled] : ['--import', 'tsx', script];
}

/** The system's CLI (cliEntry()): `scalestack start`, or `command`. */
export function spawnCli(options: SpawnOptions = {}, command = 'start'): Promise<NodeProcess> {
  return spawnScript(cliEntry(), [command], options);
}

/** GET on a fresh connection (no keep-alive pool), resolving with the status. */
function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One HTTP request on its own connection (agent: false), JSON in and out; fails after `timeoutMs` rather than hanging a suite. */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const target = new URL(path, url);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method,
        agent: false,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text.length ? text : null;
          try {
            parsed = text.length ? JSON.parse(text) : null;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no response within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Whether a new TCP connection to the port is accepted (true) or refused (false). */
export function acceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') resolve(false);
      else reject(err);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
