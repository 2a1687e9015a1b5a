import { SINGAPAY_PAIR_NAME_KEYS, SINGAPAY_PAIR_VALUE_KEYS, SINGAPAY_TOKEN_FIELD_NAMES } from '../contract/singapay-api.contract.js';
import { asRecord } from '../util/singapay-json.js';

const fold = (name: string): string => name.toLowerCase().replace(/[\s_-]/g, '');
const TOKEN_NAMES: ReadonlySet<string> = new Set(SINGAPAY_TOKEN_FIELD_NAMES);
// A PLN token is 20 digits, often grouped; anything far off is not one (a label, an empty string).
const TOKEN_SHAPE = /^[0-9][0-9 -]{9,60}$/;

function tokenValue(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) value = String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return TOKEN_SHAPE.test(text) ? text : undefined;
}

function fromMap(map: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(map)) {
    const token = TOKEN_NAMES.has(fold(name)) ? tokenValue(value) : undefined;
    if (token) return token;
  }
  return undefined;
}

function fromPairs(list: readonly unknown[]): string | undefined {
  for (const item of list) {
    const pair = asRecord(item) ?? {};
    const nameKey = SINGAPAY_PAIR_NAME_KEYS.find((k) => typeof pair[k] === 'string');
    // A list of one-entry maps ([{ "token": "…" }]) is a pair list too.
    const token =
      nameKey && TOKEN_NAMES.has(fold(pair[nameKey] as string))
        ? SINGAPAY_PAIR_VALUE_KEYS.map((k) => tokenValue(pair[k])).find(Boolean)
        : fromMap(pair);
    if (token) return token;
  }
  return undefined;
}

/**
 * The PLN token in a payment answer's or a transaction's `data`, wherever Singapay
 * put it: top-level `token`, `other_info` as a map, or `other_info` as a list of
 * name/value pairs, either also as JSON text. The contract keeps the names.
 * `undefined` until it is issued.
 */
export function readSingapayToken(data: Record<string, unknown>): string | undefined {
  const direct = fromMap(data);
  if (direct) return direct;
  let other = Object.hasOwn(data, 'other_info') ? data.other_info : undefined;
  // PHP apps sometimes store such a bag as JSON text and send it on as a string.
  if (typeof other === 'string' && /^\s*[[{]/.test(other) && other.length <= 16_384) {
    try {
      other = JSON.parse(other) as unknown;
    } catch {
      return undefined;
    }
  }
  return Array.isArray(other) ? fromPairs(other) : fromMap(asRecord(other) ?? {});
}
