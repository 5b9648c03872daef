/** One running replica of a service, as discovery knows it. */
export interface Instance {
  service: string;
  /** Unique per replica (e.g. host:port:pid). */
  id: string;
  /** Base URL: http://host:port */
  url: string;
}

/**
 * Where replicas announce themselves. An entry lives `ttlMs` after its last
 * heartbeat: a replica that dies silently vanishes by itself; one that
 * stops cleanly deregisters at once.
 */
export interface ServiceRegistry {
  readonly kind: string;
  /** Registers or refreshes (the heartbeat). */
  heartbeat(instance: Instance, ttlMs: number): Promise<void>;
  deregister(instance: Instance): Promise<void>;
  /** Live replicas of `service`, sorted by id. */
  list(service: string): Promise<Instance[]>;
  close(): Promise<void>;
}
