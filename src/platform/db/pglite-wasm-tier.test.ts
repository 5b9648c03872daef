import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const openDatabaseModule = fileURLToPath(new URL('./open-database.ts', import.meta.url));

/**
 * In a child process (V8 flags are process-wide): opens an embedded database with PGLITE_WASM_OPTIMIZE's
 * value, then runs a small WebAssembly function hot and asks V8 (natives syntax) which compiler's code runs it.
 */
async function tierAfterOpening(optimize: boolean): Promise<{ liftoff: boolean; turbofan: boolean }> {
  const script = `
    const { openDatabase } = await import(${JSON.stringify(openDatabaseModule)});
    const db = await openDatabase({ dataDir: 'memory://', poolMax: 1, embeddedWasmOptimize: ${optimize} });
    await db.close();
    // (module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))
    const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,6,1,96,1,127,1,127,3,2,1,0,7,5,1,1,102,0,0,10,9,1,7,0,32,0,65,1,106,11]);
    const f = (await WebAssembly.instantiate(bytes)).instance.exports.f;
    let x = 0;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1e7; i++) x = f(x);
      // Tier-up runs on a background thread.
      await new Promise((r) => setTimeout(r, 300));
    }
    const ask = (fn) => new Function('f', 'return %' + fn + '(f)')(f);
    process.stdout.write(JSON.stringify({ liftoff: ask('IsLiftoffFunction'), turbofan: ask('IsTurboFanFunction') }));
    process.exit(0);
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
    { timeout: 120_000 },
  );
  return JSON.parse(stdout) as { liftoff: boolean; turbofan: boolean };
}

describe('PGLITE_WASM_OPTIMIZE: which V8 compiler runs WebAssembly once PGlite is open', () => {
  it('false (the default): hot functions stay on the baseline compiler (Liftoff), never TurboFan', async () => {
    assert.deepEqual(await tierAfterOpening(false), { liftoff: true, turbofan: false });
  });

  it('true: hot functions are recompiled by the optimizing compiler (TurboFan)', async () => {
    assert.deepEqual(await tierAfterOpening(true), { liftoff: false, turbofan: true });
  });
});
