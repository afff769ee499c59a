// Fails when src/api/schema.d.ts is stale: regenerates it from ../openapi/openapi.json into a temporary
// file and compares. Fix with `npm run gen:api` (here, or in either app) and commit the result.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'kit-api-'));
const fresh = path.join(dir, 'schema.d.ts');
try {
  const cli = path.join(here, 'node_modules/openapi-typescript/bin/cli.js');
  execFileSync(process.execPath, [cli, '../openapi/openapi.json', '-o', fresh], { cwd: here, stdio: ['ignore', 'ignore', 'inherit'] });
  if (readFileSync(fresh, 'utf8') !== readFileSync(path.join(here, 'src/api/schema.d.ts'), 'utf8')) {
    console.error('frontend-kit/src/api/schema.d.ts is out of date with openapi/openapi.json: run `npm run gen:api` and commit it.');
    process.exitCode = 1;
  } else {
    console.log('frontend-kit/src/api/schema.d.ts matches openapi/openapi.json');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
