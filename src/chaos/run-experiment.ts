import { randomBytes } from 'node:crypto';
import type { Action, Experiment } from './experiment.js';
import { SteadyLoad, type WindowSignals } from './steady-load.js';
import { TargetSystem } from './target-system.js';

export interface WindowVerdict extends WindowSignals {
  held: boolean;
  why: string[];
}

export interface ExperimentReport {
  name: string;
  title: string;
  hypothesis: Experiment['hypothesis'];
  before: WindowVerdict;
  during: WindowVerdict | null;
  after: WindowVerdict | null;
  writes: { posted: number; failed: number };
  feed: { expected: number; found: number; duplicates: number } | null;
  held: boolean;
  /** What broke the hypothesis, or that the system was not steady before the injection. */
  verdict: string;
  log: string[];
}

const judge = (signals: WindowSignals, h: Experiment['hypothesis']): WindowVerdict => {
  const why: string[] = [];
  if (signals.requests === 0) why.push('no request completed');
  if (signals.errorRate > h.maxErrorRate) why.push(`error rate ${(signals.errorRate * 100).toFixed(2)}% > ${(h.maxErrorRate * 100).toFixed(2)}% (${signals.samples.join('; ')})`);
  if (signals.p99Ms > h.maxP99Ms) why.push(`p99 ${signals.p99Ms} ms > ${h.maxP99Ms} ms`);
  return { ...signals, held: why.length === 0, why };
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function api<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Set-up calls before the load (users, follow): retried a few times, since a system just started may still shed. */
async function setUp<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(500 * attempt);
    }
  }
}

async function register(base: string, name: string): Promise<string> {
  const body = { user: { username: name, email: `${name}@chaos.test`, password: 'chaos-password-1' } };
  return setUp(async () => (await api<{ user: { token: string } }>(base, 'POST', '/api/users', body)).user.token);
}

/**
 * Runs one experiment: start its system, put the steady load on, check the steady-state hypothesis,
 * inject the faults, check it during, roll back, check it again after; with `feedExactlyOnce`, the
 * reader's feed must then hold every article the author posted, once. Rollback runs even on a failure.
 */
export async function runExperiment(
  experiment: Experiment,
  databaseUrl: string,
  say: (line: string) => void = () => {},
  /** A system already started for another experiment with the same `system` block (the suite shares them); closed by its owner. */
  shared?: TargetSystem,
): Promise<ExperimentReport> {
  const log: string[] = [];
  const note = (line: string) => (log.push(line), say(line));
  const system = shared ?? new TargetSystem(experiment, databaseUrl);
  let load: SteadyLoad | null = null;
  let writer: NodeJS.Timeout | null = null;
  const posted: string[] = [];
  let writeFailures = 0;
  const h = experiment.hypothesis;
  const rolledBack = { done: false };
  const rollback = async () => {
    if (rolledBack.done) return;
    rolledBack.done = true;
    for (const action of experiment.rollback) await perform(system, action, note);
  };
  try {
    if (!shared) {
      note(`${experiment.name}: starting the system (${experiment.system.topology})`);
      await system.start();
    }
    const suffix = randomBytes(3).toString('hex');
    const authorToken = await register(system.url, `author${suffix}`);
    const readerToken = await register(system.url, `reader${suffix}`);
    await setUp(() => api(system.url, 'POST', `/api/profiles/author${suffix}/follow`, undefined, readerToken));
    load = new SteadyLoad(`${system.url}${experiment.load.path}`, experiment.load.rate, { authorization: `Token ${readerToken}` });
    load.start();
    if (experiment.load.writeRate) {
      writer = setInterval(() => {
        const title = `chaos ${suffix} ${posted.length + writeFailures}`;
        api<{ article: { slug: string } }>(system.url, 'POST', '/api/articles', { article: { title, description: 'd', body: 'b' } }, authorToken)
          .then((r) => posted.push(r.article.slug), () => writeFailures++);
      }, 1000 / experiment.load.writeRate);
    }
    await sleep(experiment.steadyMs);
    const before = judge(load.cut(), h);
    note(`steady state: ${before.held ? 'holds' : `does not hold: ${before.why.join(', ')}`} (${before.requests} requests, p99 ${before.p99Ms} ms)`);
    if (!before.held) {
      return { name: experiment.name, title: experiment.title, hypothesis: h, before, during: null, after: null, writes: { posted: posted.length, failed: writeFailures }, feed: null, held: false, verdict: 'the system was not in its steady state before the injection', log };
    }
    for (const action of experiment.inject) await perform(system, action, note);
    const during = judge(load.cut(), h);
    note(`during: ${during.held ? 'holds' : `broken: ${during.why.join(', ')}`} (${during.requests} requests, p99 ${during.p99Ms} ms)`);
    await rollback();
    await sleep(experiment.recoverMs);
    if (writer) clearInterval(writer);
    await load.stop();
    const after = judge(load.cut(), h);
    note(`after rollback: ${after.held ? 'holds' : `broken: ${after.why.join(', ')}`} (${after.requests} requests, p99 ${after.p99Ms} ms)`);
    let feed: ExperimentReport['feed'] = null;
    const why = [...during.why.map((w) => `during: ${w}`), ...after.why.map((w) => `after: ${w}`)];
    if (h.feedExactlyOnce) {
      feed = await waitForFeed(system.url, readerToken, posted);
      if (writeFailures > 0) why.push(`${writeFailures} article posts failed`);
      if (feed.found < feed.expected || feed.duplicates > 0) why.push(`feed: ${feed.found} of ${feed.expected} articles, ${feed.duplicates} duplicates`);
      note(`feed: ${feed.found}/${feed.expected} articles, ${feed.duplicates} duplicates`);
    }
    const held = why.length === 0;
    return { name: experiment.name, title: experiment.title, hypothesis: h, before, during, after, writes: { posted: posted.length, failed: writeFailures }, feed, held, verdict: held ? 'the hypothesis held' : why.join('; '), log };
  } finally {
    if (writer) clearInterval(writer);
    await rollback().catch(() => {});
    await load?.stop();
    if (!shared) await system.close();
  }
}

async function waitForFeed(base: string, token: string, slugs: string[]): Promise<{ expected: number; found: number; duplicates: number }> {
  const deadline = Date.now() + 20_000;
  let found = 0;
  let duplicates = 0;
  while (Date.now() < deadline) {
    const page = await api<{ articles: Array<{ slug: string }> }>(base, 'GET', '/api/articles/feed?limit=100', undefined, token).catch(() => ({ articles: [] }));
    const seen = page.articles.map((a) => a.slug);
    found = slugs.filter((s) => seen.includes(s)).length;
    duplicates = seen.length - new Set(seen).size;
    if (found === slugs.length) break;
    await sleep(250);
  }
  return { expected: slugs.length, found, duplicates };
}

async function perform(system: TargetSystem, action: Action, note: (line: string) => void): Promise<void> {
  switch (action.action) {
    case 'wait':
      return sleep(action.ms);
    case 'signal': {
      // SIGCONT goes to the replica this experiment stopped, not to whichever is listed first.
      const paused = action.signal === 'SIGCONT' ? system.paused.get(action.service) : undefined;
      const target = paused ?? (await system.replicas()).find((r) => r.services.includes(action.service));
      if (!target) throw new Error(`no replica runs ${action.service}`);
      process.kill(target.pid, action.signal);
      note(`${action.signal} -> ${target.name} (pid ${target.pid})`);
      if (action.signal === 'SIGSTOP') system.paused.set(action.service, target);
      else system.paused.delete(action.service);
      return;
    }
    case 'stop':
    case 'start': {
      const server = action.server === 'redis' ? system.redis : system.broker;
      if (!server) throw new Error(`the experiment has no own ${action.server}`);
      await (action.action === 'stop' ? server.stop() : server.start());
      note(`${action.server} ${action.action === 'stop' ? 'stopped' : 'started'} (port ${server.port})`);
      return;
    }
    case 'proxy':
      if (!system.proxy) throw new Error('the experiment has no fault proxy (system.redis: proxied)');
      system.proxy.set(action.fault === 'latency' ? { kind: 'latency', ms: action.ms ?? 100 } : { kind: action.fault });
      note(`fault proxy: ${action.fault}${action.fault === 'latency' ? ` ${action.ms ?? 100} ms` : ''}`);
      return;
  }
}
