// Lints ../openapi/openapi.json with Redocly's recommended rules (`redocly lint`, the CLI pinned in
// package.json) and fails on any problem, warnings included: the spec is what partners generate clients
// from (docs/api.md, "Integrations"), so a warning is a defect too. Telemetry and update checks are off.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(here, 'node_modules/@redocly/cli/bin/cli.js');
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
let output;
try {
  output = execFileSync(
    process.execPath,
    [cli, 'lint', '--extends=recommended', '--format=json', '../openapi/openapi.json'],
    { cwd: here, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
} catch (error) {
  // Exits non-zero on errors; the JSON report is still on stdout.
  output = error.stdout;
}
const report = JSON.parse(output);
const { errors, warnings } = report.totals;
for (const problem of report.problems) {
  const where = problem.location?.[0]?.pointer ?? '';
  console.error(`${problem.severity} ${problem.ruleId}: ${problem.message} ${where}`);
}
if (errors + warnings > 0) {
  console.error(`openapi/openapi.json: redocly lint found ${errors} errors and ${warnings} warnings`);
  process.exitCode = 1;
} else {
  console.log('openapi/openapi.json passes redocly lint (recommended rules) with no error or warning');
}
