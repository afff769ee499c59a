/**
 * How an app's Vite (and Vitest) build takes the kit in: `@kit/…` is `frontend-kit/src/…`, compiled with the
 * app's own sources. The kit is never installed as a package, so each app's `npm ci && npm run build` works on
 * its own and its Docker build needs only this folder beside the app; the packages the kit imports are the
 * app's own copies (one openapi-fetch and one Preact in the bundle). Each app's tsconfig.json maps the same names for `tsc`.
 * This file imports nothing, so an app can load it without the kit's own node_modules.
 */
const kit = decodeURIComponent(new URL('.', import.meta.url).pathname);

/**
 * The head every page of both apps starts with, written once: UTF-8, the mobile viewport, and no Referer
 * header at all (a page's URL never leaves with a request; the pay page's token lives in its fragment).
 */
const head = [
  { tag: 'meta', attrs: { charset: 'utf-8' } },
  { tag: 'meta', attrs: { name: 'viewport', content: 'width=device-width, initial-scale=1' } },
  { tag: 'meta', attrs: { name: 'referrer', content: 'no-referrer' } },
].map((tag) => ({ ...tag, injectTo: 'head-prepend' as const }));

export const kitConfig = {
  /** Vite plugins: `kit-html-head` puts `head` first in every page's `<head>`, in the build and the dev server. */
  plugins: [{ name: 'kit-html-head', transformIndexHtml: () => head }],
  resolve: {
    alias: { '@kit': `${kit}src` },
    // One copy of each in the bundle, the app's: the kit's components use the app's Preact (two copies of
    // Preact's hooks break at run time).
    dedupe: ['openapi-fetch', 'preact'],
  },
  // The dev server may serve the kit's files, which live beside the app rather than inside it.
  server: { fs: { allow: ['.', kit] } },
};
