import { capturedLogLines } from '../support/log-capture.js';
import { startSampleOnSimulator } from '../support/sample-testing.js';

describe('sample app: a failing GET /health logs one concise line', () => {
  it('answers 503 on every probe, with one warning per real check and no terminus error block', async () => {
    const { sample, baseUrl } = await startSampleOnSimulator();
    try {
      const sim = sample.simulator!;
      // Singapay refuses the client credentials from now on.
      sim.faults.add({ endpoint: 'token', fault: { kind: 'tokenFailure', status: 401 } });
      sim.revokeTokens();
      const from = capturedLogLines.length;
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${baseUrl}/health`)).status); // the 2nd and 3rd come from the cache
      expect(statuses).toEqual([503, 503, 503]);
      const lines = capturedLogLines.slice(from);
      expect(lines.filter((l) => l.includes('health: down'))).toEqual([expect.stringContaining('cause=client_credentials_refused')]);
      expect(lines.filter((l) => /Health Check has failed/.test(l))).toEqual([]);
      expect(lines.filter((l) => l.startsWith('error '))).toEqual([]);
      // The refusal is logged with Singapay's own status, not the 502 the exception carries.
      expect(lines.filter((l) => l.includes('access token request failed'))).toEqual([
        expect.stringContaining('Singapay answered HTTP 401'),
      ]);
    } finally {
      await sample.close();
    }
  });
});
