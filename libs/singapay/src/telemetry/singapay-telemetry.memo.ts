import type { SingapayTelemetryAttributes } from './singapay-telemetry.attributes.js';

type Level = Map<string | undefined, Level | SingapayTelemetryAttributes>;

/**
 * The attribute sets every call of a kind shares, built once: building them is most of
 * the cost of a call's telemetry. Looked up by their parts in nested maps (no key string
 * to build); the parts are the module's own words (operation, command, product code,
 * code). Past `max` sets, they are built each time instead, so memory stays bounded.
 */
export class SingapayAttributeMemo {
  private readonly root: Level = new Map();
  private size = 0;

  constructor(private readonly max = 1_000) {}

  get(parts: readonly (string | undefined)[], build: () => SingapayTelemetryAttributes): SingapayTelemetryAttributes {
    let level = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      let next = level.get(parts[i]) as Level | undefined;
      if (!next) {
        next = new Map();
        level.set(parts[i], next);
      }
      level = next;
    }
    const last = parts[parts.length - 1];
    let attributes = level.get(last) as SingapayTelemetryAttributes | undefined;
    if (!attributes) {
      attributes = Object.freeze(build());
      if (this.size++ < this.max) level.set(last, attributes);
    }
    return attributes;
  }
}
