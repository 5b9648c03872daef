import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Counter, type Registry } from 'prom-client';
import { Pool } from 'undici';
import { bodyDigest, EMPTY_BODY_DIGEST, INTERNAL_SIG_HEADER, sign, verify, type SignatureWindow } from '../auth/gateway-identity.js';
import { AppError } from '../errors/app-error.js';
import type { RemoteEndpoints } from '../runtime/service-module.js';

/**
 * Service-to-service calls over gRPC (INTERNAL_TRANSPORT=grpc, ADR 0038): the
 * same trust and errors as the signed HTTP internal routes, on HTTP/2 with
 * protobuf. A call carries, in `x-internal-sig`, the HMAC under
 * INTERNAL_SECRET of its method path and the SHA-256 of its request (in a
 * canonical JSON form both ends compute from the decoded message), fresh for
 * the same short window; a server refuses any other as UNAUTHENTICATED before
 * the handler runs. A handler's AppError leaves as a gRPC status with the
 * catalog code, the HTTP status and the fields in the trailers, and
 * `appErrorOf` rebuilds it on the caller's side.
 */
const PROTO_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

export const ERROR_CODE_KEY = 'x-error-code';
export const ERROR_STATUS_KEY = 'x-error-status';
export const ERROR_FIELDS_KEY = 'x-error-fields';

/** The service's constructor from a .proto file, by its full name (`package.Service`). */
export function loadGrpcService(protoPath: string, serviceName: string): grpc.ServiceClientConstructor {
  let node: unknown = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, PROTO_OPTIONS));
  for (const part of serviceName.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function') throw new Error(`${serviceName} is not a service of ${protoPath}`);
  return node as grpc.ServiceClientConstructor;
}

/** What a call's signature covers besides the method: the request's fields, keys sorted (the decoded message's view). */
function requestDigest(request: object): string {
  const entries = Object.entries(request).filter(([, v]) => v !== undefined && v !== null).sort(([a], [b]) => a.localeCompare(b));
  return bodyDigest(JSON.stringify(entries));
}

const methodPath = (service: string, method: string) => `/${service}/${method}`;

/** The gRPC status an AppError travels as (its HTTP status goes along, so the caller rebuilds it exactly). */
function grpcStatusOf(httpStatus: number): grpc.status {
  if (httpStatus === 404) return grpc.status.NOT_FOUND;
  if (httpStatus === 409) return grpc.status.FAILED_PRECONDITION;
  if (httpStatus === 401) return grpc.status.UNAUTHENTICATED;
  if (httpStatus === 403) return grpc.status.PERMISSION_DENIED;
  if (httpStatus === 429) return grpc.status.RESOURCE_EXHAUSTED;
  if (httpStatus === 503) return grpc.status.UNAVAILABLE;
  if (httpStatus === 504) return grpc.status.DEADLINE_EXCEEDED;
  if (httpStatus >= 400 && httpStatus < 500) return grpc.status.INVALID_ARGUMENT;
  return grpc.status.INTERNAL;
}

export interface InternalGrpcServerOptions {
  protoPath: string;
  /** Full name, e.g. scalestack.catalog.v1.Catalog. */
  service: string;
  /** One per rpc of the service, by its name in the .proto. */
  handlers: Record<string, (request: Record<string, unknown>) => Promise<unknown>>;
  secret: string;
  window: SignatureWindow;
  host: string;
  /** 0: any free port (one host, several replicas); the bound port is in the result. */
  port: number;
  /** The process's registry: `internal_grpc_calls_total{service,method,code}` (code: the gRPC status name). */
  registry?: Registry;
}

export interface InternalGrpcServer {
  port: number;
  close(): Promise<void>;
}

export async function startInternalGrpcServer(options: InternalGrpcServerOptions): Promise<InternalGrpcServer> {
  const ctor = loadGrpcService(options.protoPath, options.service);
  const implementation: grpc.UntypedServiceImplementation = {};
  const calls = options.registry
    ? new Counter({ name: 'internal_grpc_calls_total', help: 'Service-to-service gRPC calls served, by method and status', labelNames: ['service', 'method', 'code'], registers: [options.registry] })
    : undefined;
  for (const [name, handler] of Object.entries(options.handlers)) {
    const path = methodPath(options.service, name);
    implementation[name] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, answer: grpc.sendUnaryData<unknown>) => {
      const callback: grpc.sendUnaryData<unknown> = (err, reply) => {
        calls?.inc({ service: options.service, method: name, code: grpc.status[err?.code ?? grpc.status.OK] });
        answer(err, reply);
      };
      const signature = call.metadata.get(INTERNAL_SIG_HEADER)[0];
      const signed = typeof signature === 'string' && verify(options.secret, 'internal', signature, { method: 'POST', path, bodyDigest: requestDigest(call.request) }, options.window);
      if (!signed) return callback({ code: grpc.status.UNAUTHENTICATED, details: 'internal signature required' });
      handler(call.request).then(
        (reply) => callback(null, reply),
        (err: unknown) => {
          if (!(err instanceof AppError)) return callback({ code: grpc.status.INTERNAL, details: 'internal error' });
          const trailers = new grpc.Metadata();
          trailers.set(ERROR_CODE_KEY, err.code);
          trailers.set(ERROR_STATUS_KEY, String(err.status));
          trailers.set(ERROR_FIELDS_KEY, JSON.stringify(err.errors));
          callback({ code: grpcStatusOf(err.status), details: err.code, metadata: trailers });
        },
      );
    };
  }
  const server = new grpc.Server();
  server.addService(ctor.service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // In-flight calls finish; a call that does not within a second is cut (the caller retries another replica).
        const force = setTimeout(() => server.forceShutdown(), 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

/** The AppError a failed call carried, when it carried one (see startInternalGrpcServer). */
export function appErrorOf(err: grpc.ServiceError): { code: string; status: number; fields: Record<string, string[]> } | undefined {
  const code = err.metadata?.get(ERROR_CODE_KEY)[0];
  const status = Number(err.metadata?.get(ERROR_STATUS_KEY)[0]);
  const fields = err.metadata?.get(ERROR_FIELDS_KEY)[0];
  if (typeof code !== 'string' || !Number.isInteger(status) || typeof fields !== 'string') return undefined;
  try {
    return { code, status, fields: JSON.parse(fields) as Record<string, string[]> };
  } catch {
    return undefined;
  }
}

/** Where a service's replica serves gRPC: what its `GET /internal/<service>/grpc` answers. */
export interface GrpcAddressAnswer {
  grpc: { port: number };
}

/**
 * gRPC channels to a remote service's current replicas. The replicas are the
 * HTTP URLs the runtime follows (REMOTE_SERVICES, the supervisor's updates);
 * each replica's gRPC port is asked once, by a signed GET of
 * /internal/<service>/grpc, and its channel kept until the replica leaves. So
 * the services topology needs no second address list: a replica on any free
 * port is found the way its HTTP URL is.
 */
export class GrpcReplicas {
  private readonly channels = new Map<string, Promise<grpc.Client>>();
  private readonly gates = new WeakMap<grpc.Client, Gate>();
  private turn = 0;

  constructor(
    private readonly service: string,
    private readonly fullName: string,
    private readonly ctor: grpc.ServiceClientConstructor,
    private readonly endpoints: RemoteEndpoints,
  ) {}

  /** The current replicas' URLs, rotated so successive calls start at the next one. */
  inTurn(): string[] {
    const urls = this.endpoints.urls();
    for (const [url, channel] of this.channels) {
      if (!urls.includes(url)) {
        this.channels.delete(url);
        void channel.then((c) => c.close(), () => {});
      }
    }
    const start = this.turn++ % Math.max(1, urls.length);
    return [...urls.slice(start), ...urls.slice(0, start)];
  }

  /** The replica's channel; rejects with a connection error (try the next replica) when its HTTP side is unreachable. */
  channel(url: string): Promise<grpc.Client> {
    let channel = this.channels.get(url);
    if (!channel) {
      channel = this.discover(url);
      this.channels.set(url, channel);
      // A failed discovery is asked again next time.
      channel.catch(() => this.channels.delete(url));
    }
    return channel;
  }

  /** Drops a replica's channel (it stopped answering): its port is asked again on the next call. */
  forget(url: string): void {
    const channel = this.channels.get(url);
    this.channels.delete(url);
    void channel?.then((c) => c.close(), () => {});
  }

  /**
   * A signed unary call with a deadline; rejects with the grpc ServiceError as it came. At most
   * IN_FLIGHT_PER_REPLICA calls are on the wire to one replica at a time, the others wait their turn before
   * their deadline starts: the HTTP client's pool of 16 connections does the same, so 200 calls at once queue
   * in the caller instead of all timing out together in the server's queue.
   */
  async call<T>(client: grpc.Client, method: string, request: object, timeoutMs: number): Promise<T> {
    let gate = this.gates.get(client);
    if (!gate) this.gates.set(client, (gate = new Gate(IN_FLIGHT_PER_REPLICA)));
    await gate.enter();
    try {
      return await this.send<T>(client, method, request, timeoutMs);
    } finally {
      gate.leave();
    }
  }

  private send<T>(client: grpc.Client, method: string, request: object, timeoutMs: number): Promise<T> {
    const metadata = new grpc.Metadata();
    metadata.set(INTERNAL_SIG_HEADER, sign(this.endpoints.secret, 'internal', { method: 'POST', path: methodPath(this.fullName, method), bodyDigest: requestDigest(request) }));
    const fn = (client as unknown as Record<string, grpc.requestCallback<T> & ((...args: unknown[]) => unknown)>)[method]!;
    return new Promise<T>((resolve, reject) => {
      fn.call(client, request, metadata, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, reply?: T) => (err ? reject(err) : resolve(reply as T)));
    });
  }

  async close(): Promise<void> {
    const all = [...this.channels.values()];
    this.channels.clear();
    await Promise.all(all.map((c) => c.then((client) => client.close(), () => {})));
  }

  private async discover(url: string): Promise<grpc.Client> {
    const path = `/internal/${this.service}/grpc`;
    const pool = new Pool(url, { connections: 1 });
    try {
      const res = await pool.request({
        method: 'GET', path, headers: { [INTERNAL_SIG_HEADER]: sign(this.endpoints.secret, 'internal', { method: 'GET', path, bodyDigest: EMPTY_BODY_DIGEST }) },
        headersTimeout: 2000, bodyTimeout: 2000,
      });
      const answer = (await res.body.json().catch(() => null)) as GrpcAddressAnswer | null;
      const port = answer?.grpc?.port;
      if (res.statusCode !== 200 || !Number.isInteger(port)) throw new Error(`no gRPC port (${res.statusCode})`);
      const host = new URL(url).hostname;
      const client = new this.ctor(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.credentials.createInsecure(), { 'grpc.keepalive_time_ms': 30_000 });
      // Connected before the first call, so a call's deadline is the call's alone (as undici's connect timeout is
      // apart from its headers timeout): on a loaded host the HTTP/2 handshake must not eat the 2 s.
      await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + CONNECT_TIMEOUT_MS, (err) => (err ? reject(err) : resolve()))).catch((err: unknown) => {
        client.close();
        throw err;
      });
      return client;
    } catch (err) {
      // Unreachable, hiding its internal routes from this secret, or no gRPC there: this replica cannot serve the call.
      throw Object.assign(new Error(`gRPC discovery at ${url}: ${(err as Error).message}`), { code: 'ECONNREFUSED' });
    } finally {
      void pool.close().catch(() => {});
    }
  }
}

export { status as GrpcStatus } from '@grpc/grpc-js';
export type { ServiceError as GrpcServiceError } from '@grpc/grpc-js';

const IN_FLIGHT_PER_REPLICA = 16;
/** undici's default connect timeout, which the HTTP client has. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A counting semaphore, first come first served. */
class Gate {
  private inside = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  enter(): Promise<void> {
    if (this.inside < this.size) {
      this.inside++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inside--;
  }
}
