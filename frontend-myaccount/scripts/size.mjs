// Prints the gzip size of the JavaScript the secure payment page loads (entry + the pay page's
// chunk and everything they import statically) and fails above the budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 50 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const manifest = JSON.parse(readFileSync(path.join(dist, '.vite/manifest.json'), 'utf8'));

const seen = new Set();
function collect(key) {
  const chunk = manifest[key];
  if (!chunk || seen.has(key)) return;
  seen.add(key);
  for (const imported of chunk.imports ?? []) collect(imported);
}
collect('index.html');
collect('src/pay/PayPage.tsx');
if (!seen.has('src/pay/PayPage.tsx')) throw new Error('the manifest has no src/pay/PayPage.tsx chunk');

let total = 0;
for (const key of seen) {
  const file = manifest[key].file;
  const size = gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`  ${file.padEnd(40)} ${(size / 1024).toFixed(1)} KB gzip`);
}
const verdict = total <= BUDGET ? 'within' : 'OVER';
console.log(`pay page JavaScript: ${(total / 1024).toFixed(1)} KB gzip (${verdict} the ${BUDGET / 1024} KB budget)`);
if (total > BUDGET) process.exit(1);
