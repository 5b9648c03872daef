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
