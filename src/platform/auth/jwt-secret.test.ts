import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/load-config.js';
import { resolveJwtSecret } from './jwt-secret.js';

describe('the JWT secret kept in DATA_DIR', () => {
  it('is generated (32+ bytes) when missing and read back the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jwt-secret-'));
    try {
      const first = resolveJwtSecret(undefined, dir);
      assert.ok(Buffer.byteLength(first) >= 32);
      assert.equal(resolveJwtSecret(undefined, dir), first);
      assert.equal((await readFile(join(dir, 'jwt-secret'), 'utf8')).trim(), first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const [label, content] of [['empty (0 bytes)', ''], ['1 byte', 'k'], ['31 bytes', 'k'.repeat(31)], ['whitespace only', ' \n\n']] as const) {
    it(`a ${label} secret file is a configuration error naming the file`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'jwt-secret-'));
      try {
        await writeFile(join(dir, 'jwt-secret'), content);
        assert.throws(
          () => resolveJwtSecret(undefined, dir),
          (err: unknown) => err instanceof ConfigError && err.message.includes(join(dir, 'jwt-secret')) && /at least 32/.test(err.message),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
