import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replicaNodeFlags } from './replica-node-flags.js';

describe("a replica's node flags: where its V8 collects garbage (REPLICA_GC)", () => {
  it("main-thread starts replicas with --single-threaded-gc; parallel, the default, with V8's own", () => {
    assert.deepEqual(replicaNodeFlags('main-thread'), ['--single-threaded-gc']);
    assert.deepEqual(replicaNodeFlags('parallel'), []);
  });
});
