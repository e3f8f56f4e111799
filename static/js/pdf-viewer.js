// Shows a PDF material inside the page with pdf.js (vendored under static/vendor/pdfjs, no CDN).
//
// The bytes are fetched from the material's download route (same origin, with the session
// cookie), so the PDF itself is never opened as a document of this site: pdf.js parses it in a
// worker and draws one page at a time on a canvas. Page navigation (buttons, page number, arrow
// keys) and zoom (in, out, fit width). Everything the page says comes from its data-msg-*
// attributes, which the server translated.
//
// Safety settings: no eval (isEvalSupported: false; pdf.js 5 has no eval path left at all), no
// WebAssembly (useWasm: false: the CSP has no 'wasm-unsafe-eval', and pdf.js 5 would otherwise
// compile a PDF's PostScript functions to wasm; the JPEG 2000 and JBIG2 decoders fall back to the
// JavaScript builds in vendor/pdfjs/wasm/), no XFA forms, no document scripting.

const ZOOM_STEP = 1.25;
const MIN_SCALE = 0.25;
const MAX_SCALE = 5;

const root = document.querySelector("[data-pdf-viewer]");
if (root) {
  start(root);
}

function say(root, text, isError = false) {
  const status = root.querySelector("[data-pdf-status]");
  status.textContent = text;
  status.classList.toggle("d-none", !text);
  status.classList.toggle("text-danger", isError);
  status.classList.toggle("text-body-secondary", !isError);
}

async function fetchBytes(root) {
  const response = await fetch(root.dataset.source, {
    credentials: "same-origin",
    // Prefer a JSON error to a login page when the session has ended.
    headers: { Accept: "application/pdf, application/json;q=0.9" },
  });
  if (response.status === 401) {
    throw new Error(root.dataset.msgSignedOut);
  }
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.startsWith("application/pdf")) {
    throw new Error(root.dataset.msgFailed);
  }
  const total = Number(response.headers.get("Content-Length")) || 0;
  if (!response.body || !total) {
    return new Uint8Array(await response.arrayBuffer());
  }
  const bytes = new Uint8Array(total);
  const reader = response.body.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    if (received + value.length > total) {
      throw new Error(root.dataset.msgFailed);
    }
    bytes.set(value, received);
    received += value.length;
    say(root, root.dataset.msgProgress.replace("{percent}", String(Math.floor((100 * received) / total))));
  }
  return received === total ? bytes : bytes.subarray(0, received);
}

async function start(root) {
  say(root, root.dataset.msgLoading);
  let pdf;
  try {
    const [pdfjs, data] = await Promise.all([import(root.dataset.pdfjs), fetchBytes(root)]);
    pdfjs.GlobalWorkerOptions.workerSrc = root.dataset.worker;
    pdf = await pdfjs.getDocument({
      data,
      isEvalSupported: false,
      useWasm: false,
      wasmUrl: root.dataset.wasm,
      cMapUrl: root.dataset.cmaps,
      cMapPacked: true,
      standardFontDataUrl: root.dataset.fonts,
      enableXfa: false,
    }).promise;
  } catch (error) {
    const known = [root.dataset.msgSignedOut, root.dataset.msgFailed];
    say(root, known.includes(error && error.message) ? error.message : root.dataset.msgFailed, true);
    return;
  }
  new Viewer(root, pdf).show(1);
}

class Viewer {
  constructor(root, pdf) {
    this.root = root;
    this.pdf = pdf;
    this.pageNumber = 1;
    this.scale = null; // null: fit the width of the stage
    this.task = null;
    this.stage = root.querySelector("[data-pdf-stage]");
    this.canvas = root.querySelector("[data-pdf-canvas]");
    this.poster = root.querySelector("[data-pdf-poster]");
    this.input = root.querySelector("[data-page-input]");
    this.zoomLevel = root.querySelector("[data-zoom-level]");
    this.buttons = {};
    for (const button of root.querySelectorAll("[data-action]")) {
      this.buttons[button.dataset.action] = button;
      button.addEventListener("click", () => this.act(button.dataset.action));
    }
    root.querySelector("[data-page-count]").textContent = String(pdf.numPages);
    this.input.max = String(pdf.numPages);
    this.input.disabled = false;
    this.input.addEventListener("change", () => this.show(Number(this.input.value)));
    this.stage.addEventListener("keydown", (event) => this.onKey(event));
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => this.scale === null && this.show(this.pageNumber), 150);
    });
  }

  act(action) {
    const current = this.currentScale || 1;
    if (action === "previous") this.show(this.pageNumber - 1);
    else if (action === "next") this.show(this.pageNumber + 1);
    else if (action === "zoom-in") this.zoom(current * ZOOM_STEP);
    else if (action === "zoom-out") this.zoom(current / ZOOM_STEP);
    else if (action === "fit") this.zoom(null);
  }

  onKey(event) {
    if (event.key === "ArrowLeft" || event.key === "PageUp") this.show(this.pageNumber - 1);
    else if (event.key === "ArrowRight" || event.key === "PageDown") this.show(this.pageNumber + 1);
    else if (event.key === "Home") this.show(1);
    else if (event.key === "End") this.show(this.pdf.numPages);
    else return;
    event.preventDefault();
  }

  zoom(scale) {
    this.scale = scale === null ? null : Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    this.show(this.pageNumber);
  }

  async show(number) {
    if (!Number.isInteger(number) || number < 1 || number > this.pdf.numPages) {
      this.input.value = String(this.pageNumber);
      return;
    }
    this.pageNumber = number;
    this.updateControls();
    if (this.task) {
      this.task.cancel();
    }
    try {
      const page = await this.pdf.getPage(number);
      if (number !== this.pageNumber) {
        return; // another page was asked for meanwhile
      }
      const natural = page.getViewport({ scale: 1 });
      const available = Math.max(100, this.stage.clientWidth - 24);
      const scale = this.scale === null ? available / natural.width : this.scale;
      const viewport = page.getViewport({ scale });
      const ratio = window.devicePixelRatio || 1;
      this.canvas.width = Math.floor(viewport.width * ratio);
      this.canvas.height = Math.floor(viewport.height * ratio);
      this.canvas.style.width = `${Math.floor(viewport.width)}px`;
      this.canvas.style.height = `${Math.floor(viewport.height)}px`;
      this.task = page.render({
        canvas: this.canvas,
        canvasContext: this.canvas.getContext("2d"),
        viewport,
        transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
      });
      await this.task.promise;
      this.task = null;
      this.currentScale = scale;
      this.zoomLevel.textContent = `${Math.round(scale * 100)}%`;
      this.canvas.classList.remove("d-none");
      this.poster.classList.add("d-none");
      say(this.root, "");
      this.root.dataset.renderedPage = String(number);
      this.updateControls();
    } catch (error) {
      if (error && error.name === "RenderingCancelledException") {
        return;
      }
      say(this.root, this.root.dataset.msgFailed, true);
    }
  }

  updateControls() {
    this.input.value = String(this.pageNumber);
    this.buttons.previous.disabled = this.pageNumber <= 1;
    this.buttons.next.disabled = this.pageNumber >= this.pdf.numPages;
    const scale = this.currentScale || 1;
    this.buttons["zoom-out"].disabled = scale <= MIN_SCALE;
    this.buttons["zoom-in"].disabled = scale >= MAX_SCALE;
    this.buttons.fit.disabled = this.scale === null;
  }
}
