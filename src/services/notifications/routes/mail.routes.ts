import type { FastifyPluginAsync } from 'fastify';
import { adminRequired } from '../../../platform/http/request-context.js';
import type { Mailer } from '../email/mailer.js';

/**
 * GET /api/admin/mail (role admin): what this process's SMTP sink received,
 * newest first. With SMTP_URL set there is no sink: the list is empty and
 * `sink` false (read the mail where your relay delivers it).
 */
export function mailRoutes(mailer: Mailer): FastifyPluginAsync {
  return async (app) => {
    app.get('/admin/mail', adminRequired, async () => ({ sink: mailer.sink !== null, messages: mailer.sink?.messages() ?? [] }));
  };
}
