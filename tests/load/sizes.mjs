// Gzip sizes of the JavaScript and CSS each page of a built SPA loads, read from Vite's manifest
// (the same walk as frontend-myaccount/scripts/size.mjs, for every page instead of the pay page only):
// a page is the HTML entry plus one lazily loaded page chunk (a dynamic entry) and everything both
// import statically. An app without dynamic entries is one page.
//
// usage: node sizes.mjs <app name> <dist dir>   prints one line per page
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const [app, dist] = process.argv.slice(2);
const manifestPath = path.join(dist, '.vite/manifest.json');
if (!existsSync(manifestPath)) {
  console.log(`${app}: no ${manifestPath} (build.manifest off or build failed)`);
  process.exit(0);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const gz = (file) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;

function closure(keys) {
  const seen = new Set();
  const visit = (key) => {
    if (!manifest[key] || seen.has(key)) return;
    seen.add(key);
    for (const imported of manifest[key].imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return seen;
}

function measure(keys) {
  const chunks = closure(keys);
  const js = new Set();
  const css = new Set();
  for (const key of chunks) {
    const chunk = manifest[key];
    if (chunk.file.endsWith('.js')) js.add(chunk.file);
    for (const file of chunk.css ?? []) css.add(file);
  }
  const sum = (files) => [...files].reduce((total, file) => total + gz(file), 0);
  return { js: sum(js), css: sum(css), files: js.size + css.size };
}

const entries = Object.keys(manifest).filter((k) => manifest[k].isEntry);
const dynamic = Object.keys(manifest).filter((k) => manifest[k].isDynamicEntry);
const pages = dynamic.length ? dynamic.map((d) => [d, [...entries, d]]) : [['(whole app)', entries]];
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`.padStart(9);
for (const [name, keys] of pages) {
  const { js, css, files } = measure(keys);
  console.log(
    `${app.padEnd(20)} ${name.padEnd(32)} ${kb(js)} ${kb(css)} ${kb(js + css)}   ${files} files`,
  );
}
