/**
 * The dependency patches applied while bundling the server (tools/dependency-patches.mjs, ADR 0044): each
 * one applies to the installed package, the patched module still works, the built server carries it, and
 * the reason for it still holds on this Node.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Bentocache from 'bentocache';
import { DEPENDENCY_PATCHES, applyPatch } from './dependency-patches.mjs';
import { BUILD_DIR, buildServer } from './build-server.mjs';
import { REPO_ROOT } from '../src/testing/cli-process.js';

const installed = (file: string) => join(REPO_ROOT, 'node_modules', file);
const noSpace = (text: string) => text.replace(/\s+/g, '');

describe('dependency patches', () => {
  it('each applies to the installed package', () => {
    for (const patch of DEPENDENCY_PATCHES) {
      const patched = applyPatch(patch, readFileSync(installed(patch.file), 'utf8'));
      assert.ok(patched.includes(patch.replace) && !patched.includes(patch.find), patch.file);
    }
  });

  it("stops the build, naming the file and the reason, when a package no longer has the patch's text", () => {
    const [patch] = DEPENDENCY_PATCHES;
    assert.throws(() => applyPatch(patch!, 'export const upgraded = 1;'), (err: Error) => {
      assert.match(err.message, new RegExp(`node_modules/${patch!.file}`));
      assert.match(err.message, /found nowhere/);
      assert.match(err.message, /measure again/);
      return true;
    });
    assert.throws(() => applyPatch(patch!, `${patch!.find}; ${patch!.find}`), /more than once/);
  });

  it('leaves bentocache working: a patched copy of the module sets, gets and applies per-call options', async () => {
    const patch = DEPENDENCY_PATCHES.find((p) => p.file === 'bentocache/build/index.js')!;
    // Beside the original, so its imports of its own chunks resolve.
    const copy = installed(`bentocache/build/index.patched-${process.pid}.js`);
    writeFileSync(copy, applyPatch(patch, readFileSync(installed(patch.file), 'utf8')));
    try {
      const { BentoCache, bentostore } = (await import(pathToFileURL(copy).href)) as typeof Bentocache;
      const { memoryDriver } = await import('bentocache/drivers/memory');
      const bento = new BentoCache({ default: 'main', stores: { main: bentostore().useL1Layer(memoryDriver({ maxItems: 100 })) }, ttl: 60_000 });
      await bento.set({ key: 'a', value: { n: 1 } });
      assert.deepEqual(await bento.get({ key: 'a' }), { n: 1 });
      // Options of the call over the defaults (the merge the patch rewrote): a 1 ms TTL, so the key is gone soon after.
      await bento.set({ key: 'b', value: 2, ttl: 1 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await bento.get({ key: 'b' }), undefined, 'the per-call ttl applied');
      assert.equal(await bento.getOrSet({ key: 'c', factory: () => 3 }), 3);
      await bento.disconnectAll();
    } finally {
      rmSync(copy, { force: true });
    }
  });

  it('are carried by the built server', async () => {
    await buildServer({ quiet: true });
    const built = readdirSync(BUILD_DIR, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.js'))
      .map((name) => noSpace(readFileSync(join(BUILD_DIR, name), 'utf8')));
    for (const patch of DEPENDENCY_PATCHES) {
      assert.ok(built.some((text) => text.includes(noSpace(patch.replace))), `${patch.file}: "${patch.replace}" in build/`);
      assert.ok(!built.some((text) => text.includes(noSpace(patch.find))), `${patch.file}: "${patch.find}" not in build/`);
    }
  });

  it("still has its reason on this Node: two spreads give every object a hidden class of its own, Object.assign one for all", () => {
    // If this fails after a Node upgrade, V8 fixed it: measure the feed bench without the bentocache patch and drop it.
    const script = `
      const defaults = { ttl: 60000, grace: false };
      const spread = (o) => ({ ...defaults, ...o });
      const assign = (o) => Object.assign({}, defaults, o);
      const last = (make) => { let a, b; for (let i = 0; i < 20000; i++) [a, b] = [b, make({ key: 'k' + i })]; return %HaveSameMap(a, b); };
      console.log(JSON.stringify({ spread: last(spread), assign: last(assign) }));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { spread: false, assign: true });
  });
});
