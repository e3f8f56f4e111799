// Copies the browser builds of the npm dependencies into static/vendor/, which the app serves itself.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "static", "vendor");
const files = {
  "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
  "bootstrap/dist/css/bootstrap.min.css.map": "bootstrap/bootstrap.min.css.map",
  "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
  "bootstrap/dist/js/bootstrap.bundle.min.js.map": "bootstrap/bootstrap.bundle.min.js.map",
  "hls.js/dist/hls.min.js": "hls/hls.min.js",
  "hls.js/dist/hls.min.js.map": "hls/hls.min.js.map",
  "hls.js/LICENSE": "hls/LICENSE",
  "socket.io-client/dist/socket.io.min.js": "socket.io/socket.io.min.js",
  "socket.io-client/dist/socket.io.min.js.map": "socket.io/socket.io.min.js.map",
  "tus-js-client/dist/tus.min.js": "tus/tus.min.js",
  "tus-js-client/dist/tus.min.js.map": "tus/tus.min.js.map",
  // pdf.js: the legacy build (polyfilled for browsers older than the very latest), its worker, the
  // CMaps and standard fonts that Chinese and unembedded-font PDFs need, and the JavaScript
  // decoders that replace WebAssembly (the viewer runs with useWasm: false).
  "pdfjs-dist/LICENSE": "pdfjs/LICENSE",
  "pdfjs-dist/legacy/build/pdf.min.mjs": "pdfjs/pdf.min.mjs",
  "pdfjs-dist/legacy/build/pdf.worker.min.mjs": "pdfjs/pdf.worker.min.mjs",
  "pdfjs-dist/cmaps": "pdfjs/cmaps",
  "pdfjs-dist/standard_fonts": "pdfjs/standard_fonts",
  "pdfjs-dist/wasm/openjpeg_nowasm_fallback.js": "pdfjs/wasm/openjpeg_nowasm_fallback.js",
  "pdfjs-dist/wasm/jbig2_nowasm_fallback.js": "pdfjs/wasm/jbig2_nowasm_fallback.js",
  "pdfjs-dist/wasm/LICENSE_OPENJPEG": "pdfjs/wasm/LICENSE_OPENJPEG",
  "pdfjs-dist/wasm/LICENSE_PDFJS_OPENJPEG": "pdfjs/wasm/LICENSE_PDFJS_OPENJPEG",
  "pdfjs-dist/wasm/LICENSE_JBIG2": "pdfjs/wasm/LICENSE_JBIG2",
  "pdfjs-dist/wasm/LICENSE_PDFJS_JBIG2": "pdfjs/wasm/LICENSE_PDFJS_JBIG2",
};

rmSync(vendor, { recursive: true, force: true });
for (const [from, to] of Object.entries(files)) {
  const target = join(vendor, to);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(root, "node_modules", from), target, { recursive: true });
}
console.log(`copied ${Object.keys(files).length} files into static/vendor/`);
