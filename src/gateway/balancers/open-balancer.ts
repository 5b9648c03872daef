import type { Balancer } from './balancer.js';
import { ConsistentHash } from './consistent-hash.js';
import { IpHash } from './ip-hash.js';
import { LeastConnections } from './least-connections.js';
import { PowerOfTwo } from './power-of-two.js';
import { RoundRobin } from './round-robin.js';

export const BALANCERS = {
  'round-robin': () => new RoundRobin(),
  'least-connections': () => new LeastConnections(),
  'ip-hash': () => new IpHash(),
  'consistent-hash': () => new ConsistentHash(),
  'power-of-two': () => new PowerOfTwo(),
} as const satisfies Record<string, () => Balancer>;

export type BalancerName = keyof typeof BALANCERS;

export function openBalancer(name: string): Balancer {
  const make = (BALANCERS as Record<string, (() => Balancer) | undefined>)[name];
  if (!make) throw new Error(`unknown balancer "${name}"; one of ${Object.keys(BALANCERS).join(', ')}`);
  return make();
}
