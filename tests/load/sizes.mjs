// Gzip sizes of the JavaScript and CSS each page of a built SPA loads, read from Vite's manifests
// (the same walk as frontend-myaccount/scripts/size.mjs, for every page instead of the pay page only):
// a page is an HTML entry and everything it imports statically, plus, when the entry picks its page
// at run time, one of its lazily loaded chunks (then one line per chunk). CSS counts the stylesheets
// the page links and the ones inlined into its HTML. An app may be built in several passes, each with
// its own .vite/manifest*.json.
//
// usage: node sizes.mjs <app name> <dist dir>   prints one line per page
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const [app, dist] = process.argv.slice(2);
const manifestDir = path.join(dist, '.vite');
const manifests = existsSync(manifestDir)
  ? readdirSync(manifestDir).filter((name) => /^manifest.*\.json$/.test(name))
  : [];
if (!manifests.length) {
  console.log(`${app}: no ${manifestDir}/manifest*.json (build.manifest off or build failed)`);
  process.exit(0);
}
const gzip = (text) => gzipSync(text, { level: 9 }).length;
const gz = (file) => gzip(readFileSync(path.join(dist, file)));
const inlineCss = (html) =>
  [...readFileSync(path.join(dist, html), 'utf8').matchAll(/<style>([\s\S]*?)<\/style>/g)].reduce(
    (total, [, css]) => total + gzip(css),
    0,
  );
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`.padStart(9);

for (const name of manifests.sort()) {
  const manifest = JSON.parse(readFileSync(path.join(manifestDir, name), 'utf8'));
  const closure = (keys) => {
    const seen = new Set();
    const visit = (key) => {
      if (!manifest[key] || seen.has(key)) return;
      seen.add(key);
      for (const imported of manifest[key].imports ?? []) visit(imported);
    };
    keys.forEach(visit);
    return seen;
  };
  const entries = Object.keys(manifest).filter((k) => manifest[k].isEntry);
  const pages = entries.flatMap((entry) => {
    const lazy = manifest[entry].dynamicImports ?? [];
    return lazy.length
      ? lazy.map((chunk) => [entry, `${entry} + ${manifest[chunk]?.name ?? chunk}`, [entry, chunk]])
      : [[entry, entry, [entry]]];
  });
  for (const [html, label, keys] of pages) {
    const js = new Set();
    const css = new Set();
    for (const key of closure(keys)) {
      const chunk = manifest[key];
      if (chunk.file.endsWith('.js')) js.add(chunk.file);
      for (const file of chunk.css ?? []) css.add(file);
    }
    const sum = (files) => [...files].reduce((total, file) => total + gz(file), 0);
    const jsBytes = sum(js);
    const cssBytes = sum(css) + (html.endsWith('.html') && existsSync(path.join(dist, html)) ? inlineCss(html) : 0);
    console.log(
      `${app.padEnd(20)} ${label.padEnd(32)} ${kb(jsBytes)} ${kb(cssBytes)} ${kb(jsBytes + cssBytes)}   ${js.size + css.size} files`,
    );
  }
}
