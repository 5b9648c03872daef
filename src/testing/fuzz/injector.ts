import type { InjectOptions, LightMyRequestResponse } from 'fastify';

/** What the fuzzer needs of the app: requests through the whole Fastify pipeline without a socket. */
export interface Injector {
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
}
