import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { compactShell } from './shell';
import { kitConfig } from '../frontend-kit/vite.ts';

/** pay/index.html and payment/index.html: their static first render, compacted (see shell.ts). */
function pageShells(): Plugin {
  return { name: 'page-shells', transformIndexHtml: { order: 'pre', handler: compactShell } };
}

/**
 * Puts the stylesheet into each page's HTML, so a page paints as soon as its HTML is parsed instead of
 * after one more request. The Content-Security-Policy allows exactly that block by its hash
 * (scripts/check-csp.mjs checks that the API's and nginx's policies carry it).
 */
function inlineStylesheet(): Plugin {
  let base = '/';
  return {
    name: 'inline-stylesheet',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      base = config.base;
    },
    generateBundle(_, bundle) {
      const inlined = new Set<string>();
      for (const page of Object.values(bundle)) {
        if (page.type !== 'asset' || !page.fileName.endsWith('.html')) continue;
        page.source = String(page.source).replace(/<link rel="stylesheet"[^>]* href="([^"]+)"[^>]*>/g, (_, href: string) => {
          const file = href.startsWith(base) ? href.slice(base.length) : href;
          const css = bundle[file];
          if (css?.type !== 'asset') throw new Error(`${page.fileName}: no stylesheet ${href} in the bundle`);
          inlined.add(file);
          return `<style>${String(css.source).trim()}</style>`;
        });
      }
      for (const file of inlined) delete bundle[file];
      for (const chunk of Object.values(bundle)) {
        if (chunk.type === 'chunk') for (const file of inlined) chunk.viteMetadata?.importedCss.delete(file);
      }
    },
  };
}

// The pages people open directly are each built on their own, so each is one script file: over HTTP/1.1
// every further file costs a phone a new connection (more round trips) before the page works.
// `vite build` builds index.html (every path without its own page: the login page, Account
// Information); `vite build --mode pay` adds the secure payment page and `--mode payment` Make a
// Payment, into the same dist/, each with its own manifest.
const pages: Record<string, string> = { pay: 'pay/index.html', payment: 'payment/index.html' };

export default defineConfig(({ mode }) => {
  const page = pages[mode];
  return {
    base: '/my-account/',
    plugins: [preact(), ...kitConfig.plugins, pageShells(), inlineStylesheet()],
    resolve: kitConfig.resolve,
    server: kitConfig.server,
    build: {
      // scripts/size.mjs and the page budgets read the manifests to find what each page loads.
      manifest: page ? `.vite/manifest.${mode}.json` : true,
      emptyOutDir: !page,
      target: 'es2020',
      // One file: nothing to preload.
      modulePreload: page ? false : undefined,
      rolldownOptions: { input: page ? { [mode]: page } : { index: 'index.html' } },
    },
    test: {
      environment: 'happy-dom',
      include: ['src/**/*.test.{ts,tsx}'],
    },
  };
});
