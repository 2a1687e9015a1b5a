#!/usr/bin/env node
// `npm run demo`: the README's quick start, run for you against the sample app (`npm start` in
// another terminal): an inquiry, a payment under an Idempotency-Key, the payment as recorded and
// the transaction at Singapay, each printed. SAMPLE_URL and SAMPLE_API_KEY point it elsewhere.
/* global fetch */
import process from 'node:process';

const base = (process.env.SAMPLE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const key = process.env.SAMPLE_API_KEY ?? 'sample-simulator-key';
const order = `demo-${Date.now()}`;

async function call(method, path, body, headers = {}, allowed = () => false) {
  let res;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new Error(`the sample app does not answer at ${base}: start it first (npm start), or set SAMPLE_URL`);
  }
  const answer = await res.json().catch(() => ({}));
  process.stdout.write(`\n${method} ${path} -> ${res.status}\n${JSON.stringify(answer, null, 2)}\n`);
  if (!res.ok && !allowed(answer)) throw new Error(`${method} ${path} answered ${res.status}`);
  return res.ok ? answer : undefined;
}

try {
  // The documented customer's bill first; once paid (a run before this one), it answers code 21
  // (already paid) until the simulator restarts: another customer's bill then, so the demo runs again.
  let bill = { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' };
  let inquiry = await call('POST', '/bills/inquiry', bill, {}, (answer) => answer?.singapay?.code === '21');
  if (!inquiry) {
    bill = { ...bill, customerId: `14630006${1000 + (Date.now() % 8000)}` };
    process.stdout.write(`\nThat bill is paid already: inquiring customer ${bill.customerId} instead.\n`);
    inquiry = await call('POST', '/bills/inquiry', bill);
  }
  const paid = await call('POST', '/bills/pay', { ...bill, referenceNumber: inquiry.referenceNumber }, { 'idempotency-key': order });
  await call('GET', `/payments/${encodeURIComponent(order)}`);
  await call('GET', `/transactions/${encodeURIComponent(paid.transactionId)}`);
  process.stdout.write(`\nPaid ${inquiry.customerName}'s bill of Rp ${paid.price} under order ${order}: ${paid.status}.\n`);
} catch (error) {
  process.stderr.write(`demo: ${error.message}\n`);
  process.exitCode = 1;
}
