import type { CompiledQuery } from 'kysely';

/** Raw SQL that only reads: a SELECT (or WITH ... SELECT) that neither writes, locks, nor touches sequences. */
const RAW_READ = /^\s*(select|with)\b/i;
const RAW_SIDE_EFFECT = /\b(insert|update|delete|merge|nextval|setval|pg_advisory\w*|for\s+(update|share|no\s+key\s+update|key\s+share)|into)\b/i;

/**
 * Whether a statement may be answered by a replica. Query-builder SELECTs
 * may; raw SQL only when it plainly reads (a conservative reading: anything
 * in doubt goes to the primary, which is always right).
 */
export function isReadOnly(query: CompiledQuery): boolean {
  const kind = query.query.kind;
  if (kind === 'SelectQueryNode') return !RAW_SIDE_EFFECT.test(query.sql);
  if (kind === 'RawNode') return RAW_READ.test(query.sql) && !RAW_SIDE_EFFECT.test(query.sql);
  return false;
}
