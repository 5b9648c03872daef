import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';

/** The RealWorld spec (a copy of ../shared/realworld/openapi.yml): its paths are relative to its server's /api. */
const realworld = parse(readFileSync(new URL('./testdata/realworld-openapi.yml', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

const [pglite] = await dbTargets();

describe('OpenAPI document generated from the route schemas [pglite]', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem(pglite!);
  });
  after(() => sys.close());

  test('is OpenAPI 3.1 at /api/openapi.json and has every path and method of the RealWorld spec', async () => {
    const response = await fetch(`${sys.url}/api/openapi.json`);
    assert.equal(response.status, 200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>> };
    assert.equal(doc.openapi, '3.1.0');
    const expected = Object.entries(realworld.paths).flatMap(([path, item]) =>
      Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} /api${path}`),
    );
    assert.ok(expected.length >= 19, `the RealWorld spec lists ${expected.length} operations`);
    const ours = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
    const missing = expected.filter((op) => !ours.has(op));
    assert.deepEqual(missing, []);
    // Generated from the schemas the validator enforces: a write documents its body.
    assert.ok(doc.paths['/api/articles']?.['post']?.requestBody, 'POST /api/articles documents its request body');
  });

  test('leaves internal routes, probes and the console out of the document', async () => {
    const doc = (await (await fetch(`${sys.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const outside = Object.keys(doc.paths).filter((p) => !p.startsWith('/api/'));
    assert.deepEqual(outside, []);
    assert.ok(!('/api/openapi.json' in doc.paths));
  });

  test('is browsable at /docs from files served here (no CDN)', async () => {
    const page = await fetch(`${sys.url}/docs/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /swagger-ui/);
    const external = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => /^(https?:)?\/\//.test(u));
    assert.deepEqual(external, []);
    const initializer = await fetch(`${sys.url}/docs/static/swagger-initializer.js`);
    assert.equal(initializer.status, 200);
    assert.match(await initializer.text(), /openapi\.json|\/docs\/json/);
  });
});
