import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLI_ENTRY, spawnScript } from '../testing/cli-process.js';

describe('scalestack start: multi-process topologies say what is missing', () => {
  it('--topology services without DATABASE_URL exits 2 naming it; a bad plan exits 2 naming the option', async () => {
    const noDb = await spawnScript(CLI_ENTRY, ['start', '--topology', 'services'], { env: { LOG_LEVEL: 'warn' } });
    assert.equal((await noDb.exited).code, 2);
    assert.match(noDb.output(), /needs DATABASE_URL/);
    const bad = await spawnScript(CLI_ENTRY, ['start', '--replicas', 'social=2'], { env: { LOG_LEVEL: 'warn' } });
    assert.equal((await bad.exited).code, 2);
    assert.match(bad.output(), /--replicas needs --topology services/);
  });
});
