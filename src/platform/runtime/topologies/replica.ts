import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../log/logger.js';
import { isReplicaMessage } from './messages.js';

export interface ReplicaSpec {
  /** e.g. social-2, worker-1 */
  name: string;
  /** The services it runs (all, for a worker). */
  services: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * One child process of a topology: `scalestack start` forked with an IPC
 * channel, the services it runs in SERVICES, PORT=0 (it reports its URL
 * when ready). Its output goes to the supervisor's.
 */
export class Replica {
  readonly child: ChildProcess;
  url: string | null = null;
  lastHeartbeat = 0;
  leaving = false;
  readonly ready: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly spec: ReplicaSpec,
    entry: { script: string; execArgv: string[] },
    logger: Logger,
    onMessage: (replica: Replica) => void,
  ) {
    this.child = fork(entry.script, ['start'], {
      env: { ...spec.env, PORT: '0', HOST: '127.0.0.1', SCALESTACK_REPLICA: spec.name },
      execArgv: entry.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message) => {
        if (!isReplicaMessage(message)) return;
        if (message.type === 'ready') {
          this.url = message.url;
          resolve(message.url);
        }
        if (message.type === 'leaving') this.leaving = true;
        this.lastHeartbeat = Date.now();
        onMessage(this);
      });
      void this.exited.then(({ code, signal }) => reject(new Error(`${spec.name} exited (code ${code}, signal ${signal}) before it was ready`)));
    });
    this.ready.catch((err: Error) => logger.error({ replica: spec.name, err: err.message }, 'replica failed to start'));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (graceful: in-flight requests finish), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
