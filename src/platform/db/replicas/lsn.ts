/**
 * A WAL position (`16/B374D848`, Postgres' pg_lsn text form) as a bigint, so
 * positions compare with `<` and survive a trip through Redis as text.
 */
export type Lsn = bigint;

export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`not a WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Fixed-width hex: compares as a string in the same order as the number (Redis' Lua numbers are doubles). */
export function sortableLsn(lsn: Lsn): string {
  return lsn.toString(16).padStart(16, '0');
}

export function fromSortableLsn(text: string): Lsn {
  return BigInt(`0x${text}`);
}
