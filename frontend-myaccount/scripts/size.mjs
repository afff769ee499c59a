// Prints the gzip size of the JavaScript the secure payment page loads and fails above the budget:
// pay/index.html's entry and everything it imports statically; and the same for the fallback, where a
// server answers /my-account/pay with index.html, whose entry then loads the pay page's chunk.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 50 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const manifest = JSON.parse(readFileSync(path.join(dist, '.vite/manifest.json'), 'utf8'));

function closure(keys) {
  const seen = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk) throw new Error(`no ${key} in the manifest`);
    if (seen.has(key)) return;
    seen.add(key);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return seen;
}

const payChunk = manifest['pay/index.html']?.imports?.find((key) => manifest[key]?.name === 'PayPage');
if (!payChunk || !manifest['index.html']?.dynamicImports?.includes(payChunk)) {
  throw new Error("the manifest has no pay page chunk that both pay/index.html and index.html's entry load");
}

let over = false;
for (const [name, keys] of [
  ['pay page', ['pay/index.html']],
  ['pay page through index.html', ['index.html', payChunk]],
]) {
  let total = 0;
  for (const key of closure(keys)) {
    const file = manifest[key].file;
    const size = gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
    total += size;
    console.log(`  ${file.padEnd(40)} ${(size / 1024).toFixed(1)} KB gzip`);
  }
  const verdict = total <= BUDGET ? 'within' : 'OVER';
  console.log(`${name} JavaScript: ${(total / 1024).toFixed(1)} KB gzip (${verdict} the ${BUDGET / 1024} KB budget)`);
  over ||= total > BUDGET;
}
if (over) process.exit(1);
