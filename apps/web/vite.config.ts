import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const require = createRequire(import.meta.url);
const pdfjsRoot = dirname(require.resolve('pdfjs-dist/package.json'));

/**
 * pdf.js reads character maps (CJK without ToUnicode), the standard 14 fonts and its
 * image decoders (JPEG 2000) from URLs at run time: served from this build, never a CDN.
 */
function pdfjsData(): Plugin {
  return {
    name: 'docat-pdfjs-data',
    apply: 'build',
    writeBundle(options) {
      const out = join(options.dir ?? 'dist', 'pdfjs');
      for (const folder of ['cmaps', 'standard_fonts', 'wasm', 'iccs'])
        cpSync(join(pdfjsRoot, folder), join(out, folder), { recursive: true });
    },
  };
}

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|bcmap|pfb|ttf|wasm)$/;

/** Brotli and gzip copies of every text-like file, served by the gateway as they are (no compression per request). */
function precompress(): Plugin {
  return {
    name: 'docat-precompress',
    apply: 'build',
    closeBundle: {
      order: 'post',
      handler() {
        const walk = (dir: string): string[] =>
          readdirSync(dir).flatMap((name) =>
            statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)],
          );
        for (const file of walk('dist')) {
          if (!COMPRESSIBLE.test(file)) continue;
          const data = readFileSync(file);
          writeFileSync(
            `${file}.br`,
            brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
          );
          writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
        }
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), pdfjsData(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    // pdf.js is the viewer's own chunk; anything bigger is a mistake worth hearing about.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' },
  },
});
