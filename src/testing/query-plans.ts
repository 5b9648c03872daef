import type pg from 'pg';

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every node of the plan Postgres makes for `sql` with `parameters` (`EXPLAIN (FORMAT JSON)`, not run), depth first. */
export async function planNodes(db: pg.Pool | pg.PoolClient, sql: string, parameters: readonly unknown[]): Promise<PlanNode[]> {
  const { rows } = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`explain (format json) ${sql}`, [...parameters]);
  const out: PlanNode[] = [];
  const walk = (node: PlanNode): void => {
    out.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(rows[0]!['QUERY PLAN'][0]!.Plan);
  return out;
}

/** Shared buffers `sql` touched, run under `EXPLAIN (ANALYZE, BUFFERS)` (a called function's own statements included). */
export async function buffersOf(db: pg.Pool | pg.PoolClient, sql: string, parameters: readonly unknown[]): Promise<number> {
  const { rows } = await db.query<{ 'QUERY PLAN': { Plan: Record<string, number> }[] }>(`explain (analyze, buffers, format json) ${sql}`, [...parameters]);
  const top = rows[0]!['QUERY PLAN'][0]!.Plan;
  return (top['Shared Hit Blocks'] ?? 0) + (top['Shared Read Blocks'] ?? 0);
}
