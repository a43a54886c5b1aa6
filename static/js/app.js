// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Submit the version switcher as soon as a version is picked.
  for (const select of document.querySelectorAll("select.auto-submit")) {
    select.addEventListener("change", () => select.form.submit());
  }
});

// htmx leaves 4xx responses unswapped by default, so show their message in the target.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status >= 400 && status < 500) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Upload progress for large files.
document.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.target.closest("form");
  const bar = form && form.querySelector("progress.upload-progress");
  if (bar && event.detail.lengthComputable && event.detail.total > 2 * 1024 * 1024) {
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});

// "Copy as Markdown" on a saved result. Without JavaScript the button stays hidden and the
// readonly textarea beside it contains the same Markdown for copying by hand.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button.copy-markdown")) {
    const source = document.getElementById(button.dataset.source);
    const status = button.parentElement.querySelector(".copy-status");
    if (!source) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        // navigator.clipboard exists only in secure contexts: https pages, localhost and 127.0.0.1.
        await navigator.clipboard.writeText(source.value);
        status.textContent = "Copied.";
      } catch (error) {
        source.focus();
        source.select();
        status.textContent = "Copying failed (" + error.name + "); the Markdown is selected, press Ctrl+C or ⌘C.";
      }
    });
  }
});
