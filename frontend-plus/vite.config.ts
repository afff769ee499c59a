import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';
import { kitConfig } from '../frontend-kit/vite.ts';

// The API serves the built app at /plus/ (index.html for unknown paths).
// `npm run dev` proxies /api to a locally running API.
export default defineConfig({
  base: '/plus/',
  plugins: [preact(), ...kitConfig.plugins],
  resolve: kitConfig.resolve,
  // scripts/page-budgets reads the manifest to size what each page loads.
  build: { manifest: true },
  server: { ...kitConfig.server, proxy: { '/api': 'http://127.0.0.1:8080' } },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.{ts,tsx}'],
    setupFiles: ['tests/setup.ts'],
  },
});
