import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load-config.js';

const heapGrowingModule = fileURLToPath(new URL('./heap-growing.ts', import.meta.url));

/**
 * In a child process (V8 flags are process-wide): a mark-compact, then setHeapGrowingPercent with each of
 * `percents` in turn in the running process, then another mark-compact. V8's --trace-gc-verbose prints, at
 * each, the factor its own heuristic chose and the factor the next limit was set with; this returns both for
 * the last one.
 */
async function lastLimitAfterSetting(percents: number[]): Promise<{ chosen: number; applied: number }> {
  const script = `
    const { setHeapGrowingPercent } = await import(${JSON.stringify(heapGrowingModule)});
    const kept = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    globalThis.gc();
    for (const percent of ${JSON.stringify(percents)}) setHeapGrowingPercent(percent);
    globalThis.gc();
    process.stdout.write('kept ' + kept.length + '\\n');
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--trace-gc-verbose', '--import', 'tsx', '--input-type=module', '-e', script],
    { timeout: 60_000, maxBuffer: 16 * 2 ** 20 },
  );
  const chosen = [...stdout.matchAll(/\[HeapController\] factor ([\d.]+) based on/g)].map((m) => Number(m[1]));
  const applied = [...stdout.matchAll(/\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB \(([\d.]+)\)/g)].map((m) => Number(m[1]));
  assert.ok(chosen.length > 0 && applied.length > 0, `no heap controller lines in V8's trace:\n${stdout.slice(-2000)}`);
  return { chosen: chosen.at(-1)!, applied: applied.at(-1)! };
}

describe('HEAP_GROWING_PERCENT: the factor V8 sets the next old-generation limit with', () => {
  it('100 (the default), set in a running process: the next mark-compact sets the limit at twice the live size, whatever V8 chose', async () => {
    assert.equal(loadConfig({}).HEAP_GROWING_PERCENT, 100);
    const { chosen, applied } = await lastLimitAfterSetting([100]);
    assert.equal(applied, 2);
    // The override must be what made it 2: V8's own choice here (a young process allocating fast) is another.
    assert.notEqual(chosen, 2);
  });

  it("0: V8's own factor, also after an earlier setting in the same process", async () => {
    const { chosen, applied } = await lastLimitAfterSetting([100, 0]);
    assert.equal(applied, chosen);
  });
});
