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
  return singapaySecretScrubber(secrets, partsFrom)(value);
}

/**
 * `redactSecrets` made once for a list of secrets, for a value scrubbed on every call. What holds no
 * secret comes back as it is (never changed in place); what does, as a copy with the secret masked.
 */
export function singapaySecretScrubber(secrets: readonly string[], partsFrom = 4): <T>(value: T) => T {
  // Longest first: a secret that contains another is masked whole, not left in pieces around the shorter one's mask.
  const parts = secrets.filter((s) => s.length >= Math.max(4, partsFrom)).sort((a, b) => b.length - a.length);
  const whole = new Set(secrets.filter((s) => s.length >= 4 && s.length < partsFrom));
  if (parts.length === 0 && whole.size === 0) return (value) => value;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      if (whole.has(v)) return REDACTED;
      let out = v;
      for (const s of parts) if (out.includes(s)) out = out.split(s).join(REDACTED);
      return out;
    }
    if (depth > 32 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      const items = v.map((item) => walk(item, depth + 1));
      return items.some((item, i) => item !== v[i]) ? items : v;
    }
    const entries = Object.entries(v);
    const walked = entries.map(([, item]) => walk(item, depth + 1));
    if (walked.every((item, i) => item === entries[i]![1])) return v;
    const copy: Record<string, unknown> = {};
    // defineProperty: a "__proto__" key stays a field of the copy, as it was of the value.
    entries.forEach(([k], i) => Object.defineProperty(copy, k, { value: walked[i], enumerable: true, writable: true, configurable: true }));
    return copy;
  };
  return <T>(value: T) => walk(value, 0) as T;
}
