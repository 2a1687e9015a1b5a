import 'reflect-metadata';
import { installLogCapture, secretLeaks, capturedLogLines } from './log-capture.js';

// Every log line of every test is captured (and kept off the console unless
// SINGAPAY_TEST_LOGS is set); a test whose lines show a secret fails.
installLogCapture();

let seen = 0;
afterEach(() => {
  const fresh = capturedLogLines.slice(seen);
  seen = capturedLogLines.length;
  const leaks = secretLeaks(fresh);
  if (leaks.length > 0) throw new Error(`Secret in log output:\n${leaks.join('\n')}`);
});
