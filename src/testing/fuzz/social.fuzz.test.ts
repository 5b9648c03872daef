import { describe, it, before, after } from 'node:test';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { dbTargets } from '../db-targets.js';
import { startTestSystem, type TestSystem } from '../test-system.js';
import { CheckReads, modelWithUsers, socialCommands } from './social-model.js';
import { fuzzSettings } from './fuzz-settings.js';

/**
 * Stateful fuzzing: random sequences of register, write, comment, favorite,
 * follow and delete by a handful of users, each answer checked against a
 * model (favoritesCount equals the favoriters, articlesCount equals the
 * list, comments, feed and tags as the model says) and against the rules
 * every answer follows (no 5xx, error shape). See docs/patterns/fuzzing.md.
 */
const settings = fuzzSettings();

for (const target of await dbTargets()) {
  const sequences = target.name === 'postgres' ? Math.max(1, Math.round(settings.sequences / 3)) : settings.sequences;
  describe(`social actions in random order keep counts, lists and feeds right [${target.name}] (seed ${settings.seed}, ${sequences} sequences)`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target, { LOG_LEVEL: settings.logLevel });
    });
    after(async () => {
      await sys?.close();
    });

    it('favoritesCount, favorited, following, comments, per-author and per-favoriter lists, feed and tags match the model; no 5xx', async () => {
      const property = fc.asyncProperty(socialCommands(), async (commands) => {
        // Each sequence has its own users and tags, so lists filtered by them hold only this sequence's rows.
        const real = { app: sys.app, tag: `s${randomBytes(4).toString('hex')}` };
        const model = await modelWithUsers(real, 3);
        await fc.asyncModelRun(() => ({ model, real }), commands);
        // And a full read-back as every user at the end, whatever the sequence ended with.
        for (let user = 0; user < model.users.length; user++) await new CheckReads(user).run(model, real);
      });
      try {
        await fc.assert(property, { seed: settings.seed, numRuns: sequences, includeErrorInReport: true, ...(settings.path ? { path: settings.path } : {}) });
      } catch (err) {
        throw new Error(`${(err as Error).message}\nreplay: FUZZ_SEED=${settings.seed} FUZZ_PATH=<path above> npm run fuzz -- --test-name-pattern='social actions'`, { cause: err });
      }
    });
  });
}
