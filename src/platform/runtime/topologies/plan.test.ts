import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlan } from './plan.js';
import { localServiceNames, parseRemoteServices } from './remote-services.js';

const all = ['identity', 'social'];

describe('topology plan', () => {
  it('parses the three shapes', () => {
    assert.deepEqual(parsePlan([], all), { kind: 'embedded' });
    assert.deepEqual(parsePlan(['--topology', 'embedded'], all), { kind: 'embedded' });
    assert.deepEqual(parsePlan(['--topology', 'services', '--replicas', 'social=2'], all), {
      kind: 'services',
      replicas: new Map([['identity', 1], ['social', 2]]),
    });
    assert.deepEqual(parsePlan(['--topology=services', '--replicas=social=3,identity=2'], all), {
      kind: 'services',
      replicas: new Map([['identity', 2], ['social', 3]]),
    });
    assert.deepEqual(parsePlan(['--workers', '4'], all), { kind: 'workers', workers: 4 });
  });

  it('refuses what it cannot run, saying why', () => {
    assert.throws(() => parsePlan(['--replicas', 'social=2'], all), /needs --topology services/);
    assert.throws(() => parsePlan(['--topology', 'services', '--replicas', 'billing=2'], all), /unknown service/);
    assert.throws(() => parsePlan(['--topology', 'services', '--replicas', 'social=0'], all), /whole number/);
    assert.throws(() => parsePlan(['--workers', 'many'], all), /whole number/);
    assert.throws(() => parsePlan(['--topology', 'mesh'], all), /one of embedded, services, workers/);
    assert.throws(() => parsePlan(['--fast'], all), /unknown option/);
  });

  it('SERVICES and REMOTE_SERVICES', () => {
    assert.deepEqual(localServiceNames(undefined, all), all);
    assert.deepEqual(localServiceNames('social', all), ['social']);
    assert.throws(() => localServiceNames('billing', all), /unknown service/);
    assert.deepEqual(parseRemoteServices('identity=http://a:1,http://b:2;x=http://c:3'), new Map([['identity', ['http://a:1', 'http://b:2']], ['x', ['http://c:3']]]));
    assert.throws(() => parseRemoteServices('identity'), /not name=url/);
  });
});

describe('parsePlan --autoscale', () => {
  it('goes with --topology services only', () => {
    assert.deepEqual(parsePlan(['--topology', 'services', '--autoscale'], ['identity', 'social']), { kind: 'services', replicas: new Map([['identity', 1], ['social', 1]]), autoscale: true });
    assert.throws(() => parsePlan(['--autoscale'], ['identity']), /--autoscale goes with --topology services/);
    assert.throws(() => parsePlan(['--workers', '2', '--autoscale'], ['identity']), /--autoscale goes with --topology services/);
  });
});
