import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';

const Action = Type.Union([
  /** Send a signal to one replica running `service` (multi-process topology): SIGKILL, SIGSTOP, SIGCONT, SIGTERM. */
  Type.Object({ action: Type.Literal('signal'), service: Type.String(), signal: Type.Union([Type.Literal('SIGKILL'), Type.Literal('SIGSTOP'), Type.Literal('SIGCONT'), Type.Literal('SIGTERM')]) }),
  /** Stop or start the experiment's own Redis or broker (never a shared server). */
  Type.Object({ action: Type.Union([Type.Literal('stop'), Type.Literal('start')]), server: Type.Union([Type.Literal('redis'), Type.Literal('broker')]) }),
  /** Change the fault of the TCP proxy in front of the experiment's own Redis. */
  Type.Object({ action: Type.Literal('proxy'), fault: Type.Union([Type.Literal('none'), Type.Literal('latency'), Type.Literal('reset'), Type.Literal('refuse')]), ms: Type.Optional(Type.Integer({ minimum: 0 })) }),
  Type.Object({ action: Type.Literal('wait'), ms: Type.Integer({ minimum: 0, maximum: 120_000 }) }),
]);
export type Action = Static<typeof Action>;

/**
 * One chaos experiment, as a file (deploy/chaos/*.yaml): the system it runs against, the steady load, the
 * steady-state hypothesis on golden signals, the faults to inject and how to roll them back.
 */
export const ExperimentSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9-]+$' }),
  title: Type.String(),
  system: Type.Object({
    /** embedded: one process; services: the gateway and a process per service replica (supervised). */
    topology: Type.Union([Type.Literal('embedded'), Type.Literal('services')]),
    replicas: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 8 }))),
    /** own: a redis-server of the experiment's; proxied: the same, behind the TCP fault proxy. */
    redis: Type.Union([Type.Literal('own'), Type.Literal('proxied')]),
    /** The bus: the own Redis, or an own NATS JetStream server (restartable). */
    bus: Type.Union([Type.Literal('redis'), Type.Literal('nats')]),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
  }),
  load: Type.Object({
    /** GET requests per second on `path`, signed in as a reader, through the whole experiment. */
    rate: Type.Integer({ minimum: 1, maximum: 2000 }),
    path: Type.String({ pattern: '^/' }),
    /** Articles per second posted by an author the reader follows (events through the bus). */
    writeRate: Type.Optional(Type.Number({ minimum: 0, maximum: 50 })),
  }),
  hypothesis: Type.Object({
    /** Failed requests (status >= 500, network errors, timeouts) over all, per window. */
    maxErrorRate: Type.Number({ minimum: 0, maximum: 1 }),
    maxP99Ms: Type.Integer({ minimum: 1 }),
    /** After recovery, the reader's feed holds every article posted, once. */
    feedExactlyOnce: Type.Optional(Type.Boolean()),
  }),
  /** Load before the injection (steady state must hold, or the experiment stops there). */
  steadyMs: Type.Integer({ minimum: 500, maximum: 60_000 }),
  inject: Type.Array(Action, { minItems: 1 }),
  rollback: Type.Array(Action),
  /** Load after the rollback (the hypothesis must hold again). */
  recoverMs: Type.Integer({ minimum: 500, maximum: 120_000 }),
});
export type Experiment = Static<typeof ExperimentSchema>;

export class ExperimentError extends Error {
  override name = 'ExperimentError';
}

export function loadExperiment(path: string): Experiment {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ExperimentError(`${path}: ${(err as Error).message}`);
  }
  const first = Value.Errors(ExperimentSchema, raw).First();
  if (first) throw new ExperimentError(`${path}: ${first.path || '/'} ${first.message}`);
  return raw as Experiment;
}
