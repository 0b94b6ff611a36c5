// Reading a table a piece at a time: the last key of the rows after `after` whose sizes add up
// to about `maxBytes` (at least one row), found first, so the rows are then read whole. A read left
// open (an iteration stopped early) would lock the tables against a DROP in the same transaction.

/**
 * The last key of the piece of `table` after key `after`: its rows in `key` order up to the one
 * whose running total of `size` reaches `maxBytes`, or the last row; null when there is none.
 */
export function pieceEnd(
  sql: SqlStorage,
  table: string,
  key: string,
  size: string,
  where: string,
  after: number,
  maxBytes: number,
  maxRows: number,
): number | null {
  const [end] = sql
    .exec(
      `SELECT coalesce(
         (SELECT ${key} FROM (SELECT ${key}, sum(${size}) OVER (ORDER BY ${key}) AS total FROM ${table} WHERE ${key} > ?1 AND ${where} ORDER BY ${key} LIMIT ${maxRows})
            WHERE total >= ?2 LIMIT 1),
         (SELECT max(${key}) FROM (SELECT ${key} FROM ${table} WHERE ${key} > ?1 AND ${where} ORDER BY ${key} LIMIT ${maxRows})))`,
      after,
      maxBytes,
    )
    .raw()
    .next().value as [number | null];
  return end === null ? null : Number(end);
}
