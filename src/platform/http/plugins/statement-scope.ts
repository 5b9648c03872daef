import fp from 'fastify-plugin';
import { withStatementScope } from '../../db/statement-scope.js';

/** Counts the SQL statements each request issues (request.statements; see db/statement-scope.ts). */
export const statementScope = fp(
  (app, _options, done) => {
    app.decorateRequest('statements', null);
    // Callback style on purpose: calling next() inside the scope runs every later hook and the handler in it.
    app.addHook('onRequest', (request, _reply, next) => {
      const scope = { count: 0 };
      request.statements = scope;
      withStatementScope(scope, next);
    });
    done();
  },
  { name: 'statement-scope' },
);
