import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A credential that cannot leak by accident: printing, logging, JSON encoding
 * or `util.inspect` all show `[REDACTED]`. Only `reveal()` gives the value,
 * so every place that sends a secret is easy to find.
 */
export class SingapaySecret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Replaces every occurrence of the given secret values inside strings of a
 * JSON-like value. Used on upstream text we pass on (messages, raw envelopes),
 * since an API that echoes rejected input could echo a password. A secret shorter
 * than `partsFrom` characters (4 by default) is masked only where it is a whole
 * value: inside longer text it could as well be part of an amount or an id. One
 * shorter than 4 is never masked.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[], partsFrom = 4): T {
  // Longest first: a secret that contains another is masked whole, not left in pieces around the shorter one's mask.
  const parts = secrets.filter((s) => s.length >= Math.max(4, partsFrom)).sort((a, b) => b.length - a.length);
  const whole = new Set(secrets.filter((s) => s.length >= 4 && s.length < partsFrom));
  if (parts.length === 0 && whole.size === 0) return value;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      if (whole.has(v)) return REDACTED;
      let out = v;
      for (const s of parts) if (out.includes(s)) out = out.split(s).join(REDACTED);
      return out;
    }
    if (depth > 32 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    const copy: Record<string, unknown> = {};
    // defineProperty: a "__proto__" key stays a field of the copy, as it was of the value.
    for (const [k, item] of Object.entries(v))
      Object.defineProperty(copy, k, { value: walk(item, depth + 1), enumerable: true, writable: true, configurable: true });
    return copy;
  };
  return walk(value, 0) as T;
}
