import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const SWAGGER_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'];

const REDOC_FILES = ['bundles/redoc.standalone.js'];

/** Swagger UI's and ReDoc's assets from npm into the bundle (app/static/swagger/, app/static/vendor/), so /docs
 * and /redoc work without internet. */
function apiDocsAssets(): Plugin {
  const packageDir = (name: string) => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  const copies: [string, string[], string][] = [
    ['swagger-ui-dist', SWAGGER_FILES, 'swagger'],
    ['redoc', REDOC_FILES, 'vendor'], // not redoc/: the server keeps that prefix for /redoc itself
  ];
  return {
    name: 'localmind-api-docs-assets',
    apply: 'build',
    generateBundle() {
      for (const [name, files, target] of copies) {
        const dir = packageDir(name);
        for (const file of files) {
          this.emitFile({ type: 'asset', fileName: `${target}/${basename(file)}`, source: readFileSync(join(dir, file)) });
        }
      }
    },
  };
}

const backend = process.env.LOCALMIND_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react(), apiDocsAssets()],
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
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'e2e/**/*.test.mjs'],
  },
});
