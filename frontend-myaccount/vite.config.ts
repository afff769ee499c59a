import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

export default defineConfig({
  base: '/my-account/',
  plugins: [preact()],
  build: {
    // scripts/size.mjs reads the manifest to find what the pay page loads.
    manifest: true,
    target: 'es2020',
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
