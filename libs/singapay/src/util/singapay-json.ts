/** The value as a plain object, or `undefined` when it is not one (arrays included). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The object without its `undefined` fields, so optional values are omitted rather
 * than sent (or stored) as null. The object itself when it has none; otherwise a
 * copy, since deleting fields would turn the caller's object into a slow dictionary.
 */
export function dropUndefined<T extends object>(value: T): T {
  const record = value as Record<string, unknown>;
  for (const found in record) {
    if (record[found] !== undefined) continue;
    const out: Record<string, unknown> = {};
    for (const key in record) if (record[key] !== undefined) out[key] = record[key];
    return out as T;
  }
  return value;
}
