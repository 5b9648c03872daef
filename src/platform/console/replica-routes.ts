import { Type, type Static } from '@sinclair/typebox';
import type { App } from '../http/create-app.js';
import type { Logger } from '../log/logger.js';
import { errors } from '../errors/catalog.js';
import type { adminRoute } from '../auth/admin-token.js';

const ReplicaParams = Type.Object({ name: Type.String({ pattern: '^[a-z]+-[0-9]{1,6}$' }) });

interface ReplicaView {
  name: string;
  url: string | null;
  services: string[];
  pid: number | undefined;
}

/**
 * The console's replica panel in a multi-process topology (`scalestack start --topology`): the
 * supervisor that forked this process (SUPERVISOR_URL, with the same ADMIN_TOKEN) lists its replicas
 * and SIGKILLs one on request; it then starts a replacement as it does for any crash. With
 * `--autoscale`, the list carries the autoscaler's policy and its recent decisions with their reasons. The console
 * asks the owner of the processes rather than signalling them itself. Without a supervisor (one
 * process, or pods in a cluster) the panel is off: no replicas, a kill is 404.
 */
export function registerReplicaRoutes(app: App, supervisorUrl: string | undefined, adminToken: string | undefined, admin: ReturnType<typeof adminRoute>, logger: Logger): void {
  const supervisor = async (method: 'GET' | 'POST', path: string): Promise<Response> => {
    try {
      return await fetch(new URL(path, supervisorUrl), { method, headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(5_000) });
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'the supervisor did not answer');
      throw errors.unavailable('supervisor');
    }
  };

  app.get('/console/api/replicas', admin, async () => {
    if (!supervisorUrl) return { enabled: false, replicas: [], autoscaler: null };
    const [listed, scaling] = await Promise.all([supervisor('GET', '/replicas'), supervisor('GET', '/autoscaler')]);
    if (!listed.ok) throw errors.unavailable('supervisor');
    const { replicas } = (await listed.json()) as { replicas: ReplicaView[] };
    // Without --autoscale (or from a supervisor that does not know the route) the list still shows, with no autoscaler.
    const view = scaling.ok ? ((await scaling.json()) as { enabled: boolean }) : (await scaling.body?.cancel(), null);
    return { enabled: true, replicas, autoscaler: view?.enabled ? view : null };
  });

  app.post<{ Params: Static<typeof ReplicaParams> }>('/console/api/replicas/:name/kill', { ...admin, schema: { params: ReplicaParams } }, async (request) => {
    if (!supervisorUrl) throw errors.notFound('replica');
    const response = await supervisor('POST', `/replicas/${request.params.name}/kill`);
    if (response.status === 404) throw errors.notFound('replica');
    if (!response.ok) throw errors.unavailable('supervisor');
    const { killed } = (await response.json()) as { killed: ReplicaView };
    logger.warn({ replica: killed.name, pid: killed.pid }, 'replica killed from the console');
    return { killed };
  });
}
