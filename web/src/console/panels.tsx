import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { consoleApi, type AutoscalerView, type DeadLetters, type Faults, type FaultTarget, type PanelFault, type ProcessReplicas, type Sample } from './api.js';

/** Read replicas: lag behind the primary and whether each serves reads (from db_replica_* in the metrics registry). */
export function Replicas({ sample }: { sample: Sample | undefined }) {
  const replicas = sample?.replicas ?? [];
  if (replicas.length === 0) return <p>No read replicas (DATABASE_REPLICA_URLS unset): every read goes to the primary.</p>;
  return (
    <table className="replicas">
      <caption className="visually-hidden">Read replicas</caption>
      <thead><tr><th scope="col">Replica</th><th scope="col">Lag</th><th scope="col">Serving reads</th></tr></thead>
      <tbody>
        {replicas.map((r) => (
          <tr key={r.replica} data-replica={r.replica}>
            <td>{r.replica}</td>
            <td className="lag">{r.lagS === null ? 'not checked yet' : `${Math.round(r.lagS * 1000)} ms`}</td>
            <td className={r.inRotation ? 'up' : 'down'}>{r.inRotation ? 'yes' : 'no (down or lagging)'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The dead-letter queue (platform.dead_letters): pending letters per consumer, the oldest listed, each replayable through the outbox. */
export function DeadLetterPanel({ pendingFromStream }: { pendingFromStream: number | undefined }) {
  const [data, setData] = useState<DeadLetters | null>(null);
  const [status, setStatus] = useState('');
  const refresh = useCallback(() => consoleApi<DeadLetters>('GET', '/dead-letters?limit=20').then(setData, (err: Error) => setStatus(err.message)), []);
  // Again whenever the stream's count moves (a new letter, or a replay published).
  useEffect(() => void refresh(), [refresh, pendingFromStream]);
  const replay = (path: string, body: unknown, label: string) =>
    consoleApi<{ replayed?: number }>('POST', path, body).then(
      (r) => { setStatus(r.replayed === undefined ? `${label} replayed.` : `${r.replayed} replayed.`); void refresh(); },
      (err: Error) => setStatus(err.message),
    );
  if (!data) return <p>Loading dead letters...</p>;
  return (
    <div className="dlq">
      <p><strong className="dlq-pending">{data.pending}</strong> pending {data.pending === 1 ? 'letter' : 'letters'}{' '}
        {data.pending > 0 && <button type="button" onClick={() => void replay('/dead-letters/replay', {}, 'All')}>Replay all</button>}
        {' '}<span role="status">{status}</span>
      </p>
      {data.counts.length > 0 && (
        <table>
          <caption className="visually-hidden">Pending dead letters by consumer</caption>
          <thead><tr><th scope="col">Consumer</th><th scope="col">Topic or queue</th><th scope="col">Pending</th><th scope="col"><span className="visually-hidden">Replay</span></th></tr></thead>
          <tbody>
            {data.counts.map((c) => (
              <tr key={`${c.consumer} ${c.topic}`}>
                <td>{c.consumer}</td><td>{c.topic}</td><td>{c.count}</td>
                <td><button type="button" onClick={() => void replay('/dead-letters/replay', { consumer: c.consumer }, c.consumer)}>Replay {c.consumer}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.deadLetters.length > 0 && (
        <>
          <h3>Oldest</h3>
          <table className="letters">
            <caption className="visually-hidden">Oldest pending dead letters</caption>
            <thead><tr><th scope="col">Id</th><th scope="col">Failed</th><th scope="col">Consumer</th><th scope="col">Attempts</th><th scope="col">Reason</th><th scope="col"><span className="visually-hidden">Replay</span></th></tr></thead>
            <tbody>
              {data.deadLetters.map((d) => (
                <tr key={d.id} data-letter={d.id}>
                  <td>{d.id}</td><td>{new Date(d.failedAt).toLocaleTimeString()}</td><td>{d.consumer}</td><td>{d.attempts}</td><td className="reason">{d.reason}</td>
                  <td><button type="button" aria-label={`Replay dead letter ${d.id}`} onClick={() => void replay(`/dead-letters/${d.id}/replay`, {}, `Letter ${d.id}`)}>Replay</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

const describe = (f: PanelFault) => (f.kind === 'none' ? 'healthy' : f.kind === 'cut' ? 'cut off' : `+${f.ms} ms latency`);

/** Faults (CONSOLE_FAULTS): each proxied dependency can be cut off, slowed, or restored, without a restart. */
export function FaultsPanel() {
  const [faults, setFaults] = useState<Faults | null>(null);
  const [status, setStatus] = useState('');
  useEffect(() => void consoleApi<Faults>('GET', '/faults').then(setFaults, (err: Error) => setStatus(err.message)), []);
  const apply = (target: FaultTarget, fault: PanelFault) =>
    consoleApi<{ targets: FaultTarget[] }>('PUT', `/faults/${target.name}`, fault).then(
      (r) => { setFaults({ enabled: true, targets: r.targets }); setStatus(`${target.name}: ${describe(fault)}.`); },
      (err: Error) => setStatus(err.message),
    );
  if (!faults) return <p>{status || 'Loading faults...'}</p>;
  if (!faults.enabled) return <p>Off: start the process with <code>CONSOLE_FAULTS=true</code> to reach Redis, the broker and replicas through fault proxies.</p>;
  if (faults.targets.length === 0) return <p>Nothing to break: this process reaches no Redis, broker or replica over TCP.</p>;
  return (
    <>
      <table className="faults">
        <caption className="visually-hidden">Dependencies behind fault proxies</caption>
        <thead><tr><th scope="col">Dependency</th><th scope="col">Address</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {faults.targets.map((t) => <FaultRow key={t.name} target={t} apply={apply} />)}
        </tbody>
      </table>
      <p role="status">{status}</p>
    </>
  );
}

function FaultRow({ target, apply }: { target: FaultTarget; apply: (t: FaultTarget, f: PanelFault) => void }) {
  const [ms, setMs] = useState(200);
  const latency = (event: FormEvent) => {
    event.preventDefault();
    apply(target, { kind: 'latency', ms });
  };
  return (
    <tr data-target={target.name}>
      <td>{target.name}</td>
      <td>{target.upstream}</td>
      <td className={`fault-state ${target.fault.kind === 'none' ? 'up' : 'down'}`}>{describe(target.fault)}</td>
      <td>
        <form className="fault-actions" onSubmit={latency}>
          <button type="button" onClick={() => apply(target, { kind: 'cut' })}>Cut off {target.name}</button>
          <label>Latency for {target.name} (ms)<input type="number" min={1} max={30000} value={ms} onChange={(e) => setMs(Number(e.target.value))} /></label>
          <button type="submit">Add latency</button>
          <button type="button" onClick={() => apply(target, { kind: 'none' })}>Restore {target.name}</button>
        </form>
      </td>
    </tr>
  );
}

/**
 * A multi-process topology's replicas (SUPERVISOR_URL, set by `scalestack start --topology`): each can
 * be killed (SIGKILL, no drain); the supervisor starts a replacement as for any crash. Listed again
 * every two seconds, so the replacement shows up with its new pid.
 */
export function ProcessesPanel({ ownUrl }: { ownUrl: string | undefined }) {
  const [data, setData] = useState<ProcessReplicas | null>(null);
  const [status, setStatus] = useState('');
  const refresh = useCallback(() => consoleApi<ProcessReplicas>('GET', '/replicas').then(setData, (err: Error) => setStatus(err.message)), []);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), 2_000);
    return () => clearInterval(timer);
  }, [refresh]);
  const kill = (name: string) =>
    consoleApi<{ killed: { name: string; pid: number } }>('POST', `/replicas/${name}/kill`).then(
      (r) => { setStatus(`${r.killed.name} (pid ${r.killed.pid}) killed; the supervisor starts a replacement.`); void refresh(); },
      (err: Error) => setStatus(err.message),
    );
  if (!data) return <p>{status || 'Loading replicas...'}</p>;
  if (!data.enabled) return <p>One process: started without a supervisor (<code>scalestack start --topology services</code> runs one).</p>;
  return (
    <>
      <table className="processes">
        <caption className="visually-hidden">The topology's replicas</caption>
        <thead><tr><th scope="col">Replica</th><th scope="col">Services</th><th scope="col">pid</th><th scope="col">URL</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {data.replicas.map((r) => (
            <tr key={r.name} data-process={r.name}>
              <td>{r.name}{r.url === ownUrl ? ' (this one)' : ''}</td>
              <td>{r.services.join(', ')}</td>
              <td className="pid">{r.pid ?? '-'}</td>
              <td>{r.url ?? 'starting'}</td>
              <td><button type="button" onClick={() => void kill(r.name)}>Kill {r.name}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <p role="status">{status}</p>
      {data.autoscaler ? <AutoscalerDecisions view={data.autoscaler} /> : null}
    </>
  );
}

/** `--autoscale`: the policy in one line, and the decisions that were news, newest first, each with its reason. */
function AutoscalerDecisions({ view }: { view: AutoscalerView }) {
  const { policy } = view;
  const limit = policy.replicaCpu === 1 ? 'one core each (no REPLICA_CPU_LIMIT)' : `${policy.replicaCpu} core each (REPLICA_CPU_LIMIT)`;
  return (
    <section className="autoscaler" aria-label="Autoscaler">
      <h3>Autoscaler</h3>
      <p>
        {policy.min}–{policy.max} replicas per service, CPU read against {limit}: out above {Math.round(policy.cpuHigh * 100)}% or p99 {policy.p99HighMs} ms,
        in below {Math.round(policy.cpuLow * 100)}%; every {view.intervalMs / 1000} s.
      </p>
      {view.recent.length === 0 ? <p>No decision yet: every service is between its marks.</p> : (
        <ol className="decisions" reversed>
          {[...view.recent].reverse().map((d) => (
            <li key={`${d.at}-${d.service}`} data-action={d.action}>
              <time dateTime={new Date(d.at).toISOString()}>{new Date(d.at).toLocaleTimeString()}</time>{' '}
              {d.service}: {d.action === 'hold' ? `hold at ${d.from}` : `${d.action === 'out' ? 'scale out' : 'scale in'} ${d.from} → ${d.to}`} ({d.reason})
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
