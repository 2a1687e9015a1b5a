/** The value as a plain object, or `undefined` when it is not one (arrays included). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Drops `undefined` fields in place and returns the object, so optional values are
 * omitted rather than sent (or stored) as null.
 */
export function dropUndefined<T extends object>(value: T): T {
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return value;
}
