import { outsideAnyContext } from '../context/async-context.js';

/**
 * A worker over a table (the outbox relay, the webhook dispatcher): `run`
 * goes once per wake — right away when woken (after a commit that gave it
 * work), else after `nextDelayMs()` (its poll interval, or a backoff after
 * failures). One run at a time; a wake during a run runs it again right
 * after. `run` is told which it is: a woken run knows there is work, a poll
 * may find none and can look cheaply first. Runs start outside any caller's
 * context: a request that woke one is not its trace's parent, and its
 * statements are not the request's (db_statements_per_request).
 */
export class WakeableLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;

  constructor(
    private readonly run: (woken: boolean) => Promise<void>,
    private readonly nextDelayMs: () => number,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  wake(): void {
    this.go(true);
  }

  private go(woken: boolean): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = outsideAnyContext(() => this.run(woken)).finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      const again = this.again;
      this.again = false;
      this.timer = setTimeout(() => this.go(again), again ? 0 : this.nextDelayMs());
    });
  }

  /** No more runs; resolves when the one under way (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
