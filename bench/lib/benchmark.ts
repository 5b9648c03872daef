import type { Report } from './report.js';

/** One file in bench/ exports one of these as `benchmark`. */
export interface Benchmark {
  name: string;
  /** One line: what it measures. */
  description: string;
  /** Writes its findings to the report; returns false when the run was not valid (e.g. errors under load). */
  run(report: Report): Promise<boolean>;
}
