import { StrictMode, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { adminToken, consoleApi, consoleStream, type LoadEvent, type PanelFault, type Sample, type State, type SwitchChange, type SwitchValues } from './api.js';
import { Chart, format, type Series } from './Chart.js';
import { DeadLetterPanel, FaultsPanel, ProcessesPanel, Replicas } from './panels.js';
import './console.css';

const COLORS = ['#0b6bcb', '#b42318', '#2e7d32', '#8a4baf', '#b35900', '#1f2328'];
const KEEP = 150;

function App() {
  const [token, setToken] = useState(adminToken.get());
  if (!token) return <SignIn onToken={(t) => { adminToken.set(t); setToken(t); }} />;
  return <Console onSignOut={() => { adminToken.set(null); setToken(null); }} />;
}

function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return (
    <main className="signin">
      <h1>scalestack console</h1>
      <form onSubmit={submit}>
        <label>Admin token (ADMIN_TOKEN)<input type="password" name="token" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} /></label>
        <button type="submit">Open console</button>
      </form>
    </main>
  );
}

function Console({ onSignOut }: { onSignOut: () => void }) {
  const [state, setState] = useState<State | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [markers, setMarkers] = useState<SwitchChange[]>([]);
  const [faultMarkers, setFaultMarkers] = useState<{ at: number; label: string }[]>([]);
  const [load, setLoad] = useState<{ points: [number, number][]; last?: LoadEvent }>({ points: [] });

  useEffect(() => {
    let stop = false;
    const refresh = () =>
      consoleApi<State>('GET', '/state')
        .then((s) => {
          if (stop) return;
          setState(s);
          setMarkers(s.changes);
          setError(null);
        })
        .catch((err: Error & { status?: number }) => {
          if (err.status === 401) onSignOut();
          else setError(err.message);
        });
    void refresh();
    const timer = setInterval(refresh, 2_000);
    const abort = new AbortController();
    void consoleStream(abort.signal, (event, data) => {
      if (event === 'sample') setSamples((list) => [...list.slice(-KEEP), data as Sample]);
      if (event === 'switch') {
        const { change, values } = data as { change: SwitchChange; values: SwitchValues };
        setMarkers((list) => [...list, change]);
        setState((s) => (s ? { ...s, switches: values } : s));
      }
      if (event === 'fault') {
        const { name, fault } = data as { name: string; fault: PanelFault };
        setFaultMarkers((list) => [...list, { at: Date.now(), label: `${name}: ${fault.kind === 'latency' ? `+${fault.ms} ms` : fault.kind === 'cut' ? 'cut' : 'restored'}` }]);
      }
      if (event === 'load') {
        const e = data as LoadEvent;
        setLoad((l) => ({ points: e.tick ? [...l.points, [Date.now(), e.tick.p99]] : l.points, last: e }));
      }
    }).catch(() => {});
    return () => {
      stop = true;
      clearInterval(timer);
      abort.abort();
    };
  }, [onSignOut]);

  const latest = samples.at(-1);
  const chartMarkers = [...markers.map((m) => ({ at: m.at, label: Object.entries(m.changed).map(([k, v]) => `${k}=${v}`).join(' ') })), ...faultMarkers];
  const topRoutes = [...new Map(samples.flatMap((s) => s.routes).map((r) => [`${r.service} ${r.route}`, r])).keys()].slice(0, 5);
  const routeSeries = (pick: (r: Sample['routes'][number]) => number | null): Series[] =>
    topRoutes.map((key, i) => ({
      name: key,
      color: COLORS[i % COLORS.length]!,
      points: samples.map((s) => [s.t, pick(s.routes.find((r) => `${r.service} ${r.route}` === key) ?? { service: '', route: '', rate: 0, errors: 0, p50: null, p99: null })] as [number, number | null]),
    }));

  return (
    <>
      <header className="top">
        <h1>scalestack console</h1>
        <span>{state ? `${state.process.id} · ${state.process.url}` : 'connecting...'}</span>
        <button type="button" onClick={onSignOut}>Sign out</button>
      </header>
      <main>
        {error && <p role="alert" className="error">{error}</p>}
        <section aria-labelledby="topology">
          <h2 id="topology">Topology</h2>
          {state && <Topology state={state} sample={latest} />}
        </section>
        <section aria-labelledby="processes">
          <h2 id="processes">Processes</h2>
          <ProcessesPanel ownUrl={state?.process.url} />
        </section>
        <section aria-labelledby="replicas">
          <h2 id="replicas">Read replicas</h2>
          <Replicas sample={latest} />
        </section>
        <section aria-labelledby="dlq">
          <h2 id="dlq">Dead letters</h2>
          <DeadLetterPanel pendingFromStream={latest?.deadLetters} />
        </section>
        <section aria-labelledby="faults">
          <h2 id="faults">Faults</h2>
          <FaultsPanel />
        </section>
        <section aria-labelledby="switches">
          <h2 id="switches">Switches</h2>
          {state && <Switches values={state.switches} />}
          <ol className="changes" aria-label="Switch changes">
            {markers.slice(-6).map((m) => (
              <li key={`${m.at}-${m.origin}`}>{new Date(m.at).toLocaleTimeString()} {m.by} on {m.origin}: {Object.entries(m.changed).map(([k, v]) => `${k}=${String(v)}`).join(', ')}</li>
            ))}
          </ol>
        </section>
        <section aria-labelledby="signals">
          <h2 id="signals">Golden signals (this process, per route)</h2>
          <div className="charts">
            <Chart id="chart-rate" title="Rate" unit="req/s" series={routeSeries((r) => r.rate)} markers={chartMarkers} />
            <Chart id="chart-p99" title="p99 latency" unit="s" series={routeSeries((r) => r.p99)} markers={chartMarkers} />
            <Chart id="chart-errors" title="Errors (5xx)" unit="/s" series={routeSeries((r) => r.errors)} markers={chartMarkers} />
            <Chart id="chart-saturation" title="Saturation" unit="" markers={chartMarkers} series={[
              { name: 'in flight', color: COLORS[0]!, points: samples.map((s) => [s.t, s.inFlight]) },
              { name: 'event loop p99 (ms)', color: COLORS[1]!, points: samples.map((s) => [s.t, s.eventLoopLagS === null ? null : s.eventLoopLagS * 1000]) },
            ]} />
            <Chart id="chart-cache" title="Cache hit ratio by tier" unit="%" markers={chartMarkers} series={['near', 'l1', 'l2'].map((tier, i) => ({
              name: tier, color: COLORS[i]!, points: samples.map((s) => [s.t, s.cacheHitRatio[tier] ?? null] as [number, number | null]),
            }))} />
            <Chart id="chart-bus" title="Bus: outbox backlog and dead letters" unit="" markers={chartMarkers} series={[
              { name: 'outbox pending', color: COLORS[0]!, points: samples.map((s) => [s.t, s.outboxPending]) },
              { name: 'dead letters', color: COLORS[1]!, points: samples.map((s) => [s.t, s.deadLetters]) },
            ]} />
            <Chart id="chart-fanout" title="Feed fan-out lag (p99)" unit="s" markers={chartMarkers} series={[
              { name: 'fan-out lag', color: COLORS[2]!, points: samples.map((s) => [s.t, s.fanoutLagP99]) },
            ]} />
          </div>
        </section>
        <section aria-labelledby="load">
          <h2 id="load">Load</h2>
          <LoadPanel last={load.last} />
          <Chart id="chart-load-p99" title="Load run p99" unit="ms" markers={chartMarkers} series={[{ name: 'p99', color: COLORS[1]!, points: load.points }]} />
        </section>
      </main>
    </>
  );
}

function Topology({ state, sample }: { state: State; sample: Sample | undefined }) {
  const rows = [
    { id: state.process.id, url: state.process.url, services: state.process.services, applied: state.switches, self: true },
    ...(sample?.peers ?? state.peers).map((p) => ({ ...p, self: false })),
  ];
  return (
    <>
      <p>Database: {state.topology.database} · Redis: {state.topology.redis} · Bus: {state.topology.bus}</p>
      <table>
        <caption className="visually-hidden">Processes sharing the switches</caption>
        <thead><tr><th scope="col">Process</th><th scope="col">URL</th><th scope="col">Services</th><th scope="col">Feed strategy</th><th scope="col">Celebrity threshold</th><th scope="col">Cache</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-process={r.id}>
              <td>{r.id}{r.self ? ' (this one)' : ''}</td>
              <td>{r.url}</td>
              <td>{r.services.join(', ')}</td>
              <td className="applied-feed">{r.applied.feedStrategy}</td>
              <td>{r.applied.celebrityThreshold}</td>
              <td>{r.applied.cacheEnabled ? 'on' : 'off'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Dependencies (circuit breakers)</h3>
      {sample && sample.dependencies.length > 0 ? (
        <ul className="deps">
          {sample.dependencies.map((d) => <li key={`${d.dependency}-${d.client}`} className={d.up ? 'up' : 'down'}>{d.dependency} ({d.client}): {d.up ? 'closed (up)' : 'open (down)'}</li>)}
        </ul>
      ) : <p>No breaker-guarded dependency in this process.</p>}
    </>
  );
}

function Switches({ values }: { values: SwitchValues }) {
  const [draft, setDraft] = useState(values);
  const [status, setStatus] = useState('');
  // Reset the form when the values change, not each time the state is re-fetched (a new object every 2 s).
  const key = JSON.stringify(values);
  useEffect(() => setDraft(values), [key]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const changed: Partial<SwitchValues> = {};
    if (draft.feedStrategy !== values.feedStrategy) changed.feedStrategy = draft.feedStrategy;
    if (draft.celebrityThreshold !== values.celebrityThreshold) changed.celebrityThreshold = draft.celebrityThreshold;
    if (draft.cacheEnabled !== values.cacheEnabled) changed.cacheEnabled = draft.cacheEnabled;
    if (Object.keys(changed).length === 0) return setStatus('Nothing changed.');
    consoleApi('PUT', '/switches', changed).then(() => setStatus('Applied.'), (err: Error) => setStatus(err.message));
  };
  return (
    <form className="switches" onSubmit={submit}>
      <label>Feed strategy
        <select name="feedStrategy" value={draft.feedStrategy} onChange={(e) => setDraft({ ...draft, feedStrategy: e.target.value as SwitchValues['feedStrategy'] })}>
          <option value="pull">pull</option><option value="push">push</option><option value="hybrid">hybrid</option>
        </select>
      </label>
      <label>Celebrity threshold
        <input name="celebrityThreshold" type="number" min={1} value={draft.celebrityThreshold} onChange={(e) => setDraft({ ...draft, celebrityThreshold: Number(e.target.value) })} />
      </label>
      <label className="check">
        <input name="cacheEnabled" type="checkbox" checked={draft.cacheEnabled} onChange={(e) => setDraft({ ...draft, cacheEnabled: e.target.checked })} /> Cache on
      </label>
      <button type="submit">Apply to every process</button>
      <span role="status">{status}</span>
    </form>
  );
}

function LoadPanel({ last }: { last: LoadEvent | undefined }) {
  const [path, setPath] = useState('/api/articles');
  const [rate, setRate] = useState(50);
  const [seconds, setSeconds] = useState(10);
  const [status, setStatus] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    consoleApi('POST', '/load', { path, rate, seconds }).then(() => setStatus('Running...'), (err: Error) => setStatus(err.message));
  };
  const summary = last?.done && last.summary ? `Done: ${last.summary.completed} answered, ${last.summary.errors} errors, p99 ${format(last.summary.p99, 'ms')}` : status;
  return (
    <form className="switches" onSubmit={submit}>
      <label>Path<input name="path" value={path} onChange={(e) => setPath(e.target.value)} /></label>
      <label>Rate (req/s)<input name="rate" type="number" min={1} max={2000} value={rate} onChange={(e) => setRate(Number(e.target.value))} /></label>
      <label>Seconds<input name="seconds" type="number" min={1} max={300} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} /></label>
      <button type="submit">Start load run</button>
      <span role="status" className="load-status">{summary}</span>
    </form>
  );
}

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
