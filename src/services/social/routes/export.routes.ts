import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authRequired, requireUser } from '../../../platform/http/request-context.js';
import { headersOf, replyAccepted, replyJobStatus } from '../../../platform/bus/accepted.js';
import type { UserExport } from '../domain/user-export.js';

const STATUS_PATH = '/api/user/export';
const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** POST /api/user/export → 202 + Location; GET /api/user/export/:id → the job (the export in `result` once succeeded). */
export function exportRoutes(exports: UserExport): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post('/user/export', { ...authRequired }, async (request, reply) => {
      const id = await exports.request(requireUser(request), headersOf(request));
      return replyAccepted(reply, id, STATUS_PATH);
    });

    app.get('/user/export/:id', { ...authRequired, schema: { params: JobParams } }, async (request, reply) =>
      replyJobStatus(reply, await exports.status(requireUser(request), request.params.id)),
    );
  };
}
