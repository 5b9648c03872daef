/**
 * Runtime switches: settings an operator changes from the console while the system runs, applied
 * by every process without a restart (docs/adr/0030-web-client-and-console.md). Each starts from
 * its environment variable; a change is logged and kept in a short history (the charts' markers).
 */
export interface SwitchValues {
  feedStrategy: 'pull' | 'push' | 'hybrid';
  celebrityThreshold: number;
  cacheEnabled: boolean;
}

export interface SwitchChange {
  at: number;
  /** Who changed it (the console says `console`). */
  by: string;
  /** The process the change was made in. */
  origin: string;
  changed: Partial<SwitchValues>;
}

/** Another process sharing the switches, as last heard from (its heartbeat carries what it has applied). */
export interface Peer {
  id: string;
  url: string;
  services: string[];
  applied: SwitchValues;
  seenAt: number;
}

export interface SwitchBoard {
  /** This process's id (pid@host) in topology and change records. */
  readonly id: string;
  values(): SwitchValues;
  set(changed: Partial<SwitchValues>, by: string): Promise<SwitchChange>;
  onChange(listener: (values: SwitchValues, change: SwitchChange) => void): void;
  /** The latest changes, oldest first. */
  changes(): SwitchChange[];
  /** The other processes (empty in process). */
  peers(): Peer[];
  /** Tells the others who this process is (url and services), once known. */
  introduce(self: { url: string; services: string[] }): void;
  close(): Promise<void>;
}

export const HISTORY = 100;

export function initialSwitches(config: { FEED_STRATEGY: SwitchValues['feedStrategy']; FEED_CELEBRITY_THRESHOLD: number; CACHE_ENABLED: boolean }): SwitchValues {
  return { feedStrategy: config.FEED_STRATEGY, celebrityThreshold: config.FEED_CELEBRITY_THRESHOLD, cacheEnabled: config.CACHE_ENABLED };
}
