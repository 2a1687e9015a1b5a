import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script and its SHA-1, for EVALSHA. */
export interface SingapayRedisScript {
  source: string;
  sha: string;
}

export function redisScript(source: string): SingapayRedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script by its hash, and by its source only when the server does not know it yet
 * (NOSCRIPT: the script did not run, so running it once more is not running it twice).
 * Sending the hash instead of the whole script on every call keeps each payment's
 * writes small. No command is defined on the client, which may be the application's own.
 */
export async function runRedisScript(
  redis: Redis,
  script: SingapayRedisScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
