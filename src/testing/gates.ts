/**
 * Named waits for tests of what runs side by side: each `hold` records that it started, then waits until its
 * name is opened (at once if it already was). A test holds a component's slow steps and checks which have
 * started before it lets any finish.
 */
export class Gates {
  readonly started: string[] = [];
  private readonly opens = new Map<string, () => void>();
  private readonly waits = new Map<string, Promise<void>>();

  hold(name: string): Promise<void> {
    this.started.push(name);
    return this.gate(name);
  }

  open(name: string): void {
    void this.gate(name);
    this.opens.get(name)!();
  }

  private gate(name: string): Promise<void> {
    let wait = this.waits.get(name);
    if (!wait) {
      wait = new Promise((resolve) => this.opens.set(name, resolve));
      this.waits.set(name, wait);
    }
    return wait;
  }
}

/** True when `promise` has not settled within `ms` (it is waiting on something held). */
export const stillPending = (promise: Promise<unknown>, ms = 100): Promise<boolean> =>
  Promise.race([promise.then(() => false, () => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms))]);
