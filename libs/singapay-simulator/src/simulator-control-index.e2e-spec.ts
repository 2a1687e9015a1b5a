import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SIMULATOR_CONTROL_ROUTES, SINGAPAY_SIMULATOR_DOCS_URL } from './simulator-control.js';
import { SingapaySimulator } from './singapay-simulator.js';

const REPOSITORY_FILE = /^https:\/\/github\.com\/nestjs-singapay\/nestjs-singapay\/blob\/main\/(.+)$/;

describe('SingapaySimulator: GET /__simulator lists the control routes', () => {
  let sim: SingapaySimulator;
  beforeAll(async () => {
    sim = await SingapaySimulator.start();
  });
  afterAll(() => sim.stop());

  it.each(['/__simulator', '/__simulator/'])('answers %s with a JSON index of every control route and the docs', async (path) => {
    const response = await fetch(`${sim.baseUrl}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const index = (await response.json()) as { docs: string; routes: { method: string; path: string; description: string }[] };
    expect(index.docs).toBe(SINGAPAY_SIMULATOR_DOCS_URL);
    expect(index.routes).toContainEqual({
      method: 'POST',
      path: '/__simulator/faults',
      description: expect.stringContaining('fault rule'),
    });
    expect(index.routes).toContainEqual({ method: 'GET', path: '/__simulator/ledger', description: expect.any(String) });
    expect(index.routes).toHaveLength(Object.keys(SIMULATOR_CONTROL_ROUTES).length);
  });

  it('lists only routes that exist', async () => {
    const { routes } = (await (await fetch(sim.controlUrl)).json()) as { routes: { method: string; path: string }[] };
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const answer = await fetch(`${sim.baseUrl}${route.path.replace(':id', 'fault-1')}`);
      expect([200, 404]).toContain(answer.status);
      if (answer.status === 404) expect(route.path).toContain(':id'); // no rule fault-1: the route itself exists
    }
  });

  it('points to a document that exists in the repository', () => {
    const file = REPOSITORY_FILE.exec(SINGAPAY_SIMULATOR_DOCS_URL)?.[1];
    expect(file).toBeDefined();
    expect(existsSync(fileURLToPath(new URL(`../../../${file}`, import.meta.url)))).toBe(true);
  });
});
