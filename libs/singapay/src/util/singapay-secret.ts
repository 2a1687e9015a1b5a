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
 * since an API that echoes rejected input could echo a password.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  // Longest first: a secret that contains another is masked whole, not left in pieces around the shorter one's mask.
  const active = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (active.length === 0) return value;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      let out = v;
      for (const s of active) if (out.includes(s)) out = out.split(s).join(REDACTED);
      return out;
    }
    if (depth > 32 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) copy[k] = walk(item, depth + 1);
    return copy;
  };
  return walk(value, 0) as T;
}
