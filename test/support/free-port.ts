import net from 'node:net';

// Below the ports the kernel hands out for port 0 (Linux's ip_local_port_range starts at 32768;
// macOS's and Windows' at 49152): a server listening on port 0 (a simulator, a store, another test
// file's app) never takes the port picked here between the pick and its use. Picked at random, so
// that test files running in parallel do not pick the same one.
const FIRST = 20_000;
const LAST = 32_767;

/** A loopback port free right now (for a server that must be known before it starts). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port between ${FIRST} and ${LAST}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
