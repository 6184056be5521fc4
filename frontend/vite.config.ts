import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const SWAGGER_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'];

/** Swagger UI's assets from npm into the bundle (app/static/swagger/), so /docs works without internet. */
function swaggerUiAssets(): Plugin {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return {
    name: 'localmind-swagger-ui-assets',
    apply: 'build',
    generateBundle() {
      for (const file of SWAGGER_FILES) this.emitFile({ type: 'asset', fileName: `swagger/${file}`, source: readFileSync(join(dir, file)) });
    },
  };
}

const backend = process.env.LOCALMIND_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react(), swaggerUiAssets()],
  build: {
    outDir: '../app/static',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: true },
      '/v1': { target: backend, changeOrigin: true },
      '/healthz': { target: backend, changeOrigin: true },
      '/metrics': { target: backend, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
