// The built pages carry their stylesheet inline (vite.config.ts), which a Content-Security-Policy without
// 'unsafe-inline' allows only by the block's hash. Prints that hash and, in the repository (not in a
// Docker build, which has only this folder), fails unless both policies the pages are served with list
// it: the API's (api/src/security.rs) and nginx's (deploy/nginx/security-headers.conf).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../dist');
const pages = readdirSync(dist, { recursive: true }).filter((file) => String(file).endsWith('.html'));
const hashes = new Set();
for (const page of pages) {
  for (const [, css] of readFileSync(path.join(dist, page), 'utf8').matchAll(/<style>([\s\S]*?)<\/style>/g)) {
    hashes.add(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
  }
}
console.log(`inline stylesheet: style-src 'self' ${[...hashes].join(' ')}`);

let missing = false;
for (const policy of ['../../api/src/security.rs', '../../deploy/nginx/security-headers.conf']) {
  const file = path.resolve(here, policy);
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  for (const hash of hashes) {
    if (!text.includes(hash)) {
      console.error(`${path.relative(process.cwd(), file)}: its style-src lacks ${hash} (the stylesheet changed?)`);
      missing = true;
    }
  }
}
if (missing) process.exit(1);
