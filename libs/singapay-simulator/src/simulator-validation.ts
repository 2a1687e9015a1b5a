/**
 * Validation with Laravel's messages, which is what Singapay's 04 answers
 * carry (`"The data.transaction id field is required."`): the attribute is the
 * field path with underscores read as spaces.
 */
export class SimulatorValidator {
  readonly errors: Record<string, string> = {};

  constructor(private readonly body: Record<string, unknown>) {}

  get failed(): boolean {
    return Object.keys(this.errors).length > 0;
  }

  /** The raw value at a dotted path; Laravel treats "" and null as absent. */
  value(path: string): unknown {
    let current: unknown = this.body;
    for (const key of path.split('.')) {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
      current = (current as Record<string, unknown>)[key];
    }
    return current === '' || current === null ? undefined : current;
  }

  fail(path: string, message: string): void {
    this.errors[path] ??= message;
  }

  /** A string field; returns it when valid. */
  string(path: string, rules: { required: boolean; max?: number; in?: readonly string[] }): string | undefined {
    const value = this.value(path);
    if (value === undefined) {
      if (rules.required) this.fail(path, `The ${attribute(path)} field is required.`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(path, `The ${attribute(path)} field must be a string.`);
      return undefined;
    }
    if (rules.max !== undefined && value.length > rules.max) {
      this.fail(path, `The ${attribute(path)} field must not be greater than ${rules.max} characters.`);
      return undefined;
    }
    if (rules.in && !rules.in.includes(value)) {
      this.fail(path, `The selected ${attribute(path)} is invalid.`);
      return undefined;
    }
    return value;
  }

  /** An integer field; like Laravel's `integer` rule it accepts a string of digits too. */
  integer(path: string, rules: { required: boolean; min?: number; max?: number; values?: readonly number[] }): number | undefined {
    const value = this.value(path);
    if (value === undefined) {
      if (rules.required) this.fail(path, `The ${attribute(path)} field is required.`);
      return undefined;
    }
    const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed)) {
      this.fail(path, `The ${attribute(path)} field must be an integer.`);
      return undefined;
    }
    if (rules.values && !rules.values.includes(parsed)) {
      this.fail(path, `The selected ${attribute(path)} is invalid.`);
      return undefined;
    }
    if (rules.min !== undefined && rules.max !== undefined && (parsed < rules.min || parsed > rules.max)) {
      this.fail(path, `The ${attribute(path)} field must be between ${rules.min} and ${rules.max}.`);
      return undefined;
    }
    if (rules.min !== undefined && parsed < rules.min) {
      this.fail(path, `The ${attribute(path)} field must be at least ${rules.min}.`);
      return undefined;
    }
    return parsed;
  }

  /** `data` must be an object when present (Laravel calls it an array). */
  object(path: string, required: boolean): void {
    const value = this.value(path);
    if (value === undefined) {
      if (required) this.fail(path, `The ${attribute(path)} field is required.`);
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(path, `The ${attribute(path)} field must be an array.`);
  }
}

export function attribute(path: string): string {
  return path.replaceAll('_', ' ');
}
