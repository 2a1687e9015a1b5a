import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { SampleApp } from '../../apps/sample/src/sample-bootstrap.js';
import { clearSingapayEnv, SAMPLE_KEY, startSampleOnSimulator } from '../support/sample-testing.js';

/** Debian's Chromium; never a browser downloaded by playwright. Override with CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('Swagger UI of the sample app in Chromium', () => {
  let sample: SampleApp;
  let baseUrl: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
    ({ sample, baseUrl } = await startSampleOnSimulator());

    // A fresh profile per run (playwright passes it as --user-data-dir).
    profile = mkdtempSync(join(tmpdir(), 'singapay-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 2000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => {
      if (!r.url().startsWith(baseUrl) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${baseUrl}/docs`, { waitUntil: 'load' });
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await sample?.close();
    clearSingapayEnv();
  });

  /** Expands an operation, presses "Try it out" and "Execute", and returns its live response block. */
  async function tryItOut(operationId: string, tag: string): Promise<{ block: Locator; status: string; body: string }> {
    const block = page.locator(`#operations-${tag}-${operationId}`);
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    await block.locator('button.execute').click();
    const live = block.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: 20_000 });
    const status = (await live.first().locator('.response-col_status').innerText()).trim();
    const body = await live.first().locator('.response-col_description').innerText();
    return { block, status, body };
  }

  it('renders the docs with every endpoint', async () => {
    await expect(page.title()).resolves.toBe('nestjs-singapay sample API');
    const summaries = await page.locator('.opblock-summary-path').allInnerTexts();
    const paths = summaries.map((s) => s.replace(/\u200b/g, '').trim());
    expect(paths).toEqual(
      expect.arrayContaining([
        '/balance',
        '/bills/inquiry',
        '/bills/pay',
        '/payments/{key}',
        '/transactions',
        '/transactions/{id}',
        '/health',
        '/singapay/callback',
      ]),
    );
  });

  it("authorizes with the simulator's API key, as a reader of the README would", async () => {
    await page.locator('.auth-wrapper button.authorize').first().click();
    const modal = page.locator('.modal-ux');
    await modal.locator('input').first().fill(SAMPLE_KEY);
    await modal.locator('.auth-btn-wrapper button.authorize').click();
    await modal.locator('.auth-btn-wrapper button.btn-done').click();
    await expect(page.locator('.auth-wrapper button.authorize.locked').count()).resolves.toBeGreaterThan(0);
  });

  it('tries GET /balance and shows the deposit', async () => {
    const { status, body } = await tryItOut('BalanceController_balance', 'balance');
    expect(status).toBe('200');
    expect(body).toContain('"balance": 10000000');
    expect(body).toContain('"currency": "IDR"');
  });

  it('tries POST /bills/inquiry with the example body and shows the bill', async () => {
    const block = page.locator('#operations-bills-BillsController_inquiry');
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    const editor = block.locator('textarea.body-param__text');
    await expect(editor.inputValue()).resolves.toContain('146300068064');
    await block.locator('button.execute').click();
    const live = block.locator('.live-responses-table .response').first();
    await live.waitFor({ timeout: 20_000 });
    expect((await live.locator('.response-col_status').innerText()).trim()).toBe('200');
    const body = await live.locator('.response-col_description').innerText();
    expect(body).toContain('"customerName": "NARSONO"');
    expect(body).toContain('"price": 152505');
  });

  it('tries GET /health and shows it up', async () => {
    const { status, body } = await tryItOut('HealthController_check', 'health');
    expect(status).toBe('200');
    expect(body).toMatch(/"status": "ok"/);
  });

  it('loaded nothing from outside the app, without page errors, and renders (screenshot)', async () => {
    const file = join(tmpdir(), `singapay-docs-${process.pid}.png`);
    // The inquiry as tried: the example body, Execute, and the live answer below it.
    await page
      .locator('#operations-bills-BillsController_inquiry .opblock-section-request-body')
      .evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: file, fullPage: false });
    expect(statSync(file).size).toBeGreaterThan(10_000);
    process.stdout.write(`screenshot: ${file}\n`);
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
