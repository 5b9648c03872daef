import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { HISTORY, type Peer, type SwitchBoard, type SwitchChange, type SwitchValues } from './switches.js';

/** One process (no REDIS_URL): changes apply here at once; there are no peers. */
export class MemorySwitches implements SwitchBoard {
  /** pid@host, plus a few random characters: two systems in one process (tests) are still two. */
  readonly id = `${process.pid}@${hostname()}-${randomBytes(2).toString('hex')}`;
  protected current: SwitchValues;
  protected history: SwitchChange[] = [];
  private listeners: ((values: SwitchValues, change: SwitchChange) => void)[] = [];

  constructor(initial: SwitchValues) {
    this.current = { ...initial };
  }

  values(): SwitchValues {
    return this.current;
  }

  async set(changed: Partial<SwitchValues>, by: string): Promise<SwitchChange> {
    const change: SwitchChange = { at: Date.now(), by, origin: this.id, changed };
    this.apply(change);
    return change;
  }

  /** Takes a change (made here or, for subclasses, in another process) into effect. */
  protected apply(change: SwitchChange): void {
    this.current = { ...this.current, ...change.changed };
    this.history.push(change);
    if (this.history.length > HISTORY) this.history.shift();
    for (const listener of this.listeners) listener(this.current, change);
  }

  onChange(listener: (values: SwitchValues, change: SwitchChange) => void): void {
    this.listeners.push(listener);
  }

  changes(): SwitchChange[] {
    return [...this.history];
  }

  peers(): Peer[] {
    return [];
  }

  introduce(_self: { url: string; services: string[] }): void {}

  async close(): Promise<void> {}
}
