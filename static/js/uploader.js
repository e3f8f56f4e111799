// Resumable uploads of pitch materials over tus (tus-js-client), for teams on slow or unreliable links.
//
// Each [data-uploader] element (templates/team/_uploader.html) is one widget; its data- attributes carry
// the endpoint, the application, the kind of material, the CSRF token and the texts (translated on the
// server). No inline script: the Content-Security-Policy forbids it.
//
// - progress bar, Pause and Resume buttons;
// - a dropped connection is retried with growing delays; the server's offset decides where to go on;
// - after a reload, choosing the same file again continues where it stopped (tus-js-client keeps the
//   upload's URL in localStorage under a fingerprint of application, kind and file);
// - on success a cancelable "roadshow:material-uploaded" event bubbles from the widget; unless a
//   listener cancels it, the page reloads to show the new material.
(function () {
  "use strict";

  if (window.roadshowUploaderLoaded) {
    return; // the partial may be included once per kind; set up once
  }
  window.roadshowUploaderLoaded = true;

  const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 120000, 120000, 300000];
  const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

  function formatBytes(bytes) {
    if (bytes >= 1024 * 1024 * 1024) {
      return (bytes / (1024 * 1024 * 1024)).toFixed(2) + " GB";
    }
    if (bytes >= 1024 * 1024) {
      return (bytes / (1024 * 1024)).toFixed(1) + " MB";
    }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function csrfToken(root) {
    if (root.dataset.csrf) {
      return root.dataset.csrf;
    }
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function statusOf(error) {
    return error && error.originalResponse ? error.originalResponse.getStatus() : 0;
  }

  function messageOf(error) {
    const response = error && error.originalResponse;
    if (response) {
      try {
        const body = JSON.parse(response.getBody());
        if (body && body.error && body.error.message) {
          return body.error.message;
        }
      } catch (ignored) {
        // not our JSON error: fall through to the client's message
      }
    }
    return error && error.message ? error.message : String(error);
  }

  function setUp(root) {
    if (root.dataset.uploaderReady) {
      return;
    }
    root.dataset.uploaderReady = "1";
    const text = root.dataset;
    const input = root.querySelector("[data-uploader-input]");
    const progress = root.querySelector("[data-uploader-progress]");
    const bar = root.querySelector("[data-uploader-bar]");
    const pauseButton = root.querySelector("[data-uploader-pause]");
    const resumeButton = root.querySelector("[data-uploader-resume]");
    const status = root.querySelector("[data-uploader-status]");
    let upload = null;

    function show(element, visible) {
      element.classList.toggle("d-none", !visible);
    }

    function say(message, tone) {
      status.textContent = message;
      status.className = "small mt-2 mb-0" + (tone ? " text-" + tone : "");
    }

    function showProgress(sent, total) {
      const percent = total ? Math.floor((sent * 100) / total) : 0;
      bar.style.width = percent + "%";
      bar.textContent = percent + "%";
      progress.setAttribute("aria-valuenow", String(percent));
      say(text.textProgress.replace("{done}", formatBytes(sent)).replace("{total}", formatBytes(total)));
    }

    function running(isRunning) {
      input.disabled = isRunning;
      show(pauseButton, isRunning);
      show(resumeButton, !isRunning && upload !== null);
    }

    function fingerprint(file) {
      return Promise.resolve(["roadshow", text.application, text.kind, file.name, file.type, file.size,
        file.lastModified].join("/"));
    }

    function shouldRetry(error) {
      const code = statusOf(error);
      const retry = code === 0 || code >= 500 || code === 409 || code === 423;
      if (retry) {
        say(text.textRetrying, "warning");
      }
      return retry;
    }

    function start(file) {
      if (upload) {
        upload.abort();
      }
      upload = new tus.Upload(file, {
        endpoint: text.endpoint,
        chunkSize: Number(text.chunkSize) || DEFAULT_CHUNK_SIZE,
        retryDelays: RETRY_DELAYS,
        headers: { "X-CSRFToken": csrfToken(root) },
        metadata: {
          filename: file.name,
          filetype: file.type || "",
          application: text.application,
          kind: text.kind,
        },
        fingerprint: fingerprint,
        removeFingerprintOnSuccess: true,
        onProgress: showProgress,
        onShouldRetry: shouldRetry,
        onError: function (error) {
          bar.classList.remove("progress-bar-animated");
          bar.classList.add("bg-danger");
          running(false);
          say(text.textFailed + " " + messageOf(error), "danger");
          if (statusOf(error) >= 400 && statusOf(error) < 500) {
            upload = null; // refused: a new file is needed, not a resume
            show(resumeButton, false);
          }
        },
        onSuccess: function () {
          bar.style.width = "100%";
          bar.textContent = "100%";
          bar.classList.remove("progress-bar-animated");
          bar.classList.add("bg-success");
          upload = null;
          running(false);
          input.value = "";
          say(text.textDone, "success");
          const event = new CustomEvent("roadshow:material-uploaded", {
            bubbles: true,
            cancelable: true,
            detail: { application: text.application, kind: text.kind },
          });
          if (root.dispatchEvent(event)) {
            window.location.reload();
          }
        },
      });
      bar.style.width = "0%";
      bar.classList.remove("bg-danger", "bg-success");
      bar.classList.add("progress-bar-animated");
      show(progress, true);
      running(true);
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length > 0) {
          upload.resumeFromPreviousUpload(previous[0]);
          say(text.textResuming, "info");
        }
        upload.start();
      });
    }

    input.addEventListener("change", function () {
      if (input.files && input.files.length > 0) {
        start(input.files[0]);
      }
    });
    if (input.files && input.files.length > 0) {
      start(input.files[0]);  // chosen while the page was still loading
    }

    pauseButton.addEventListener("click", function () {
      if (upload) {
        upload.abort(); // keeps the upload on the server: Resume goes on from its offset
        bar.classList.remove("progress-bar-animated");
        running(false);
        say(text.textPaused, "secondary");
      }
    });

    resumeButton.addEventListener("click", function () {
      if (upload) {
        bar.classList.remove("bg-danger");
        bar.classList.add("progress-bar-animated");
        running(true);
        upload.start();
      }
    });

    // Say so when this browser holds an unfinished upload for this application and kind.
    const storage = tus.defaultOptions && tus.defaultOptions.urlStorage;
    if (storage && typeof storage.findAllUploads === "function") {
      storage.findAllUploads().then(function (stored) {
        const mine = stored.filter(function (entry) {
          return entry.metadata && entry.metadata.application === text.application &&
            entry.metadata.kind === text.kind;
        });
        if (mine.length > 0 && !upload) {
          say(text.textResumable.replace("{name}", mine[0].metadata.filename || ""), "info");
        }
      });
    }
  }

  function setUpAll() {
    if (typeof tus === "undefined" || !tus.isSupported) {
      return;
    }
    document.querySelectorAll("[data-uploader]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
}());
