/**
 * The Prometheus configuration is code CI checks: promtool validates the
 * scrape config and the rules, runs the rule unit tests (every alert fires on
 * a synthetic incident and clears after it; recording rules aggregate over
 * processes correctly), and every alert links a runbook that exists.
 * Without promtool: skipped on a laptop, a failure under CI / REQUIRE_SERVICES.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipUnlessAvailable } from '../src/testing/services-required.js';
import { alerts, findBinary, missingReason, ROOT, run } from './promtool.js';

const options = skipUnlessAvailable(missingReason('promtool'));

describe('Prometheus config, rules and alerts (promtool)', options, () => {
  const promtool = findBinary('promtool')!;

  it('promtool check config deploy/prometheus/prometheus.yml (and the rule files it names)', () => {
    const { status, output } = run(promtool, ['check', 'config', 'prometheus.yml']);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 2 rule files found/);
  });

  it('promtool check rules', () => {
    const { status, output } = run(promtool, ['check', 'rules', 'rules/recording.yml', 'rules/alerts.yml']);
    assert.equal(status, 0, output);
  });

  it('promtool test rules: each alert fires and clears', () => {
    const { status, output } = run(promtool, ['test', 'rules', 'tests/alerts.test.yml']);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
    const tested = readFileSync(join(ROOT, 'deploy/prometheus/tests/alerts.test.yml'), 'utf8');
    for (const { name } of alerts()) {
      assert.match(tested, new RegExp(`alertname: ${name}\\b[^\\n]*\\n\\s+eval_time: \\w+\\n\\s+exp_alerts:\\n`), `${name} is tested firing`);
      assert.match(tested, new RegExp(`alertname: ${name}, eval_time: \\w+, exp_alerts: \\[\\] \\}`), `${name} is tested clear`);
    }
  });
});

describe('alert runbooks', () => {
  it('every alert has a runbook_url to docs/runbooks/<alert>.md, which exists and says what to look at and what to do', () => {
    const list = alerts();
    assert.ok(list.length >= 10, `alerts found: ${list.map((a) => a.name).join(', ')}`);
    for (const { name, runbook } of list) {
      assert.equal(runbook, `docs/runbooks/${name}.md`, `${name}'s runbook_url`);
      const path = join(ROOT, runbook);
      assert.ok(existsSync(path), `${runbook} exists`);
      const text = readFileSync(path, 'utf8');
      assert.match(text, /^## What to look at/m, `${runbook} says what to look at`);
      assert.match(text, /^## What to do/m, `${runbook} says what to do`);
    }
  });
});
