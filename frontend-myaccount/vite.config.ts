import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { compactShell } from './shell';

/** pay/index.html and payment/index.html: their static first render, compacted (see shell.ts). */
function pageShells(): Plugin {
  return { name: 'page-shells', transformIndexHtml: { order: 'pre', handler: compactShell } };
}

export default defineConfig({
  base: '/my-account/',
  plugins: [preact(), pageShells()],
  build: {
    // scripts/size.mjs and the page budgets read the manifest to find what each page loads.
    manifest: true,
    target: 'es2020',
    rolldownOptions: {
      // One HTML page per entry. The secure payment page and Make a Payment have their own, holding the
      // page's first render so it paints before the scripts run; index.html (every other path: the
      // login page, Account Information) renders everything from its script.
      input: { index: 'index.html', pay: 'pay/index.html', payment: 'payment/index.html' },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
