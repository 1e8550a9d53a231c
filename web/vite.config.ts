// Builds the pages into dist/, which the Go package web embeds.
//
// The output must be byte-identical from one build to the next (CI rebuilds
// and diffs it against what is committed), so file names carry no hashes and
// nothing in the build depends on the time or the machine.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

// Files of installed packages; some are outside what the packages export.
const fromPackage = (path: string) => readFileSync(new URL(`node_modules/${path}`, import.meta.url));

// GraphiQL's standalone bundle and the React UMD builds it runs on, copied
// as npm ships them: these are the very files (same SHA-256) that gqlgen's
// playground handler loads from a CDN, served here from the binary.
const vendor: Record<string, string> = {
  'react.production.min.js': 'react/umd/react.production.min.js',
  'react-dom.production.min.js': 'react-dom/umd/react-dom.production.min.js',
  'graphiql.min.js': 'graphiql/graphiql.min.js',
};

// GraphiQL's stylesheet inlines its fonts and icons as data: URLs, which a
// Content-Security-Policy of `default-src 'self'` refuses. Each one becomes a
// file beside the stylesheet, named by its content so builds are stable.
function extractDataURLs(css: string, emit: (name: string, data: Buffer) => void): string {
  const extensions: Record<string, string> = { 'font/woff2': 'woff2', 'font/woff': 'woff', 'image/png': 'png', 'image/svg+xml': 'svg' };
  return css.replace(/url\(\s*(["']?)data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)\1\s*\)/g, (match, _quote, mime: string, b64: string) => {
    const ext = extensions[mime];
    if (!ext) return match;
    const data = Buffer.from(b64, 'base64');
    const name = `graphiql-${createHash('sha256').update(data).digest('hex').slice(0, 12)}.${ext}`;
    emit(name, data);
    return `url(${name})`;
  });
}

function graphiqlVendor(): Plugin {
  return {
    name: 'digidip-graphiql-vendor',
    apply: 'build',
    generateBundle() {
      const emit = (name: string, source: Buffer | string) =>
        this.emitFile({ type: 'asset', fileName: `vendor/${name}`, source });
      for (const [name, path] of Object.entries(vendor)) emit(name, fromPackage(path));
      const css = fromPackage('graphiql/graphiql.min.css').toString('utf8');
      emit('graphiql.min.css', extractDataURLs(css, emit));
    },
  };
}

export default defineConfig({
  // Relative URLs, so the pages also work behind a reverse proxy's path prefix.
  base: './',
  plugins: [graphiqlVendor()],
  server: {
    // `npm run dev` serves the sources and sends API calls (and GraphiQL's
    // vendor files) to a `go run . serve`, by default on its default address.
    proxy: Object.fromEntries(['/graphql', '/export', '/vendor'].map((p) => [p, process.env.DIGIDIP_API ?? 'http://127.0.0.1:8080'])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Inlined assets would be data: URLs, which the Content-Security-Policy refuses.
    assetsInlineLimit: 0,
    // Every browser that runs GraphiQL 4 supports modulepreload.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: { index: 'index.html', explore: 'explore.html', graphiql: 'graphiql.html', read: 'read.html', commitments: 'commitments.html' },
      output: {
        entryFileNames: 'assets/[name].js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/[name][extname]',
      },
    },
  },
});
