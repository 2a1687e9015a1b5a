// autocannon ships no types: the part of its API the bench uses.
declare module 'autocannon' {
  type Options = { url: string; connections: number; duration: number; headers?: Record<string, string> };
  type Result = { latency: { p50: number; p99: number } } & Record<'errors' | 'timeouts' | 'non2xx' | '2xx' | 'duration', number>;
  export default function autocannon(options: Options): Promise<Result>;
}
