// Enhances the verify form: drag and drop, upload progress, the result shown in place.
// Without this file the form posts and the server answers with the whole page.
"use strict";

(function () {
  const form = document.getElementById("upload");
  const input = document.getElementById("file");
  const drop = document.getElementById("drop");
  const progress = document.getElementById("progress");
  const result = document.getElementById("result");
  if (!form || !input || !drop || !progress || !result || !window.FormData) {
    return;
  }

  function show(html) {
    const parsed = new DOMParser().parseFromString(html, "text/html");
    const fresh = parsed.getElementById("result");
    result.replaceChildren(...(fresh ? fresh.childNodes : []));
  }

  function send() {
    if (!input.files || input.files.length === 0) {
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "text/html");
    progress.hidden = false;
    progress.value = 0;
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        progress.value = Math.round((100 * event.loaded) / event.total);
      }
    });
    request.addEventListener("load", function () {
      progress.hidden = true;
      show(request.responseText);
    });
    request.addEventListener("error", function () {
      progress.hidden = true;
      result.textContent = "The server could not be reached.";
    });
    request.send(new FormData(form));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });
  input.addEventListener("change", send);
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () {
      drop.classList.remove("over");
    });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length > 0) {
      input.files = event.dataTransfer.files;
      send();
    }
  });
})();
