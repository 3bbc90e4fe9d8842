/**
 * The rows of a Drizzle `execute()` result. The drivers disagree on its shape: node-postgres
 * returns a `QueryResult` (`{ rows }`), PGlite's Drizzle driver the same, and some return the
 * array itself. The one place that knows.
 */
export function rowsOf<Row>(result: unknown): Row[] {
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}
