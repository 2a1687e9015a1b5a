import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** How deep and how large a request body, query or parameter may be before `SingapayInputShapePipe` refuses it. */
export interface SingapayInputShapeLimits {
  /**
   * Levels of nesting: `{ a: { b: 1 } }` has 2. The module's requests are flat; the default leaves room
   * for the other routes of an app that registers the pipe globally.
   * @default 32
   */
  maxDepth?: number;
  /**
   * Values in all (each property and each array element counts one).
   * @default 100000
   */
  maxValues?: number;
}

/**
 * What parsed JSON is made of: plain objects and arrays. A Buffer (an upload, a raw body), a Date
 * or any other class instance another pipe built is left alone, never walked byte by byte.
 */
function isWalkable(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Refuses, with a 400, input nested or sized beyond its limits, before anything recurses into it.
 * Register it before Nest's `ValidationPipe`: class-transformer (`transform: true`) walks an
 * object's unknown properties recursively, so a body of a few kilobytes nested a few thousand
 * levels deep ends in a `RangeError` (a 500) and blocks the event loop while it gets there.
 * The walk here keeps its own stack and stops at the first limit it meets.
 * @publicApi
 */
@Injectable()
export class SingapayInputShapePipe implements PipeTransform {
  private readonly limits: Required<SingapayInputShapeLimits>;

  constructor(limits: SingapayInputShapeLimits = {}) {
    // A limit left unset (undefined, as an unset config value reads) takes its default; one that is no count is
    // refused at start-up, never a pipe that lets every body through (NaN) or none (-1). Infinity turns one off.
    const limit = (name: keyof SingapayInputShapeLimits, fallback: number): number => {
      const value = limits[name] ?? fallback;
      if (value !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(value) || value < 1))
        throw new TypeError(`SingapayInputShapePipe ${name} must be an integer of at least 1, or Infinity`);
      return value;
    };
    this.limits = { maxDepth: limit('maxDepth', 32), maxValues: limit('maxValues', 100_000) };
  }

  transform<T>(value: T): T {
    if (!isWalkable(value)) return value;
    const { maxDepth, maxValues } = this.limits;
    const stack: [unknown, number][] = [[value, 1]];
    let values = 0;
    while (stack.length > 0) {
      const [current, depth] = stack.pop()!;
      if (depth > maxDepth) throw new BadRequestException(`request is nested too deeply (more than ${maxDepth} levels)`);
      for (const child of Object.values(current as object)) {
        if (++values > maxValues) throw new BadRequestException(`request has too many values (more than ${maxValues})`);
        if (isWalkable(child)) stack.push([child, depth + 1]);
      }
    }
    return value;
  }
}
