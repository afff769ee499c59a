// Fails when src/api/schema.d.ts is not what openapi-typescript makes of ../openapi/openapi.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'check-api-'));
const fresh = path.join(dir, 'schema.d.ts');
try {
  execFileSync(path.join(here, 'node_modules/.bin/openapi-typescript'), ['../openapi/openapi.json', '-o', fresh], {
    cwd: here,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (readFileSync(fresh, 'utf8') !== readFileSync(path.join(here, 'src/api/schema.d.ts'), 'utf8')) {
    console.error('src/api/schema.d.ts is stale: run `npm run gen:api` and commit it');
    process.exit(1);
  }
  console.log('src/api/schema.d.ts matches openapi/openapi.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
