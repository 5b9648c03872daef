import { isRemotesMessage } from './messages.js';

/**
 * The live replica URLs of the services this process calls remotely:
 * seeded from REMOTE_SERVICES, then kept current by the supervisor's
 * `remotes` messages (so a rolling restart of identity reaches social's
 * client). Only services named at start are tracked.
 */
export class RemoteUrls {
  private readonly urls: Map<string, string[]>;
  private listening = false;

  constructor(initial: Map<string, string[]>) {
    this.urls = new Map(initial);
  }

  has(service: string): boolean {
    return this.urls.has(service);
  }

  get(service: string): string[] {
    return this.urls.get(service) ?? [];
  }

  update(services: Record<string, string[]>): void {
    for (const [service, urls] of Object.entries(services)) {
      if (this.urls.has(service) && urls.length > 0) this.urls.set(service, urls);
    }
  }

  /** Follows the supervisor's updates over the IPC channel, when there is one. */
  followSupervisor(): void {
    if (this.listening || !process.send || this.urls.size === 0) return;
    this.listening = true;
    process.on('message', (message) => {
      if (isRemotesMessage(message)) this.update(message.services);
    });
    // The listener must not keep the process alive on its own.
    process.channel?.unref();
  }
}
