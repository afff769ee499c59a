// Prints the gzip size of the JavaScript the secure payment page loads and fails above the budget:
// pay/index.html's one script (its own build, .vite/manifest.pay.json); and the fallback, where a
// server answers /my-account/pay with index.html, whose entry then loads the pay page's chunk.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 50 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const read = (name) => JSON.parse(readFileSync(path.join(dist, '.vite', name), 'utf8'));

function files(manifest, keys) {
  const seen = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk) throw new Error(`no ${key} in the manifest`);
    if (seen.has(key)) return;
    seen.add(key);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return [...seen].map((key) => manifest[key].file);
}

let over = false;
for (const [name, manifest, keys] of [
  ['pay page', read('manifest.pay.json'), ['pay/index.html']],
  ['pay page through index.html', read('manifest.json'), ['index.html', 'src/pay/PayPage.tsx']],
]) {
  let total = 0;
  for (const file of files(manifest, keys)) {
    const size = gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
    total += size;
    console.log(`  ${file.padEnd(40)} ${(size / 1024).toFixed(1)} KB gzip`);
  }
  const verdict = total <= BUDGET ? 'within' : 'OVER';
  console.log(`${name} JavaScript: ${(total / 1024).toFixed(1)} KB gzip (${verdict} the ${BUDGET / 1024} KB budget)`);
  over ||= total > BUDGET;
}
if (over) process.exit(1);
