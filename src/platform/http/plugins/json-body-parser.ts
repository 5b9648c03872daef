import fp from 'fastify-plugin';
import { parseJsonBody } from '../json-body.js';

/** Bodies are JSON only: anything else is a 415, not a string the schema then rejects. */
export const jsonBodyParser = fp(
  (app, _options, done) => {
    app.removeContentTypeParser('text/plain');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
    done();
  },
  { name: 'json-body-parser' },
);
