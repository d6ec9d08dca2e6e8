/* A small rich-text editor for letter bodies: paragraphs, bold, italic, underline,
   lists and tables. The HTML is sanitised again on the server when saved. */
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-editor]").forEach(function (textarea) {
    var wrapper = document.createElement("div");
    wrapper.className = "eo-editor border rounded";
    var toolbar = document.createElement("div");
    toolbar.className = "btn-toolbar gap-1 p-1 border-bottom bg-light";
    toolbar.setAttribute("role", "toolbar");
    var area = document.createElement("div");
    area.className = "p-2";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-label", textarea.getAttribute("aria-label") || "");
    area.classList.add("eo-editor-area");
    area.innerHTML = textarea.value || "<p><br></p>";
    var buttons = [
      ["bold", "B", "fw-bold"], ["italic", "I", "fst-italic"], ["underline", "U", "text-decoration-underline"],
      ["insertUnorderedList", "\u2022 \u2014"], ["insertOrderedList", "1. \u2014"], ["table", "\u25a6"]
    ];
    buttons.forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary " + (spec[2] || "");
      button.textContent = spec[1];
      button.dataset.command = spec[0];
      button.title = textarea.dataset["label" + spec[0].charAt(0).toUpperCase() + spec[0].slice(1)] || spec[0];
      button.addEventListener("click", function () {
        area.focus();
        if (spec[0] === "table") {
          document.execCommand("insertHTML", false,
            "<table><tbody><tr><td>&nbsp;</td><td>&nbsp;</td></tr><tr><td>&nbsp;</td><td>&nbsp;</td></tr></tbody></table><p><br></p>");
        } else {
          document.execCommand(spec[0], false, null);
        }
        sync();
      });
      toolbar.appendChild(button);
    });
    function sync() { textarea.value = area.innerHTML; }
    area.addEventListener("input", sync);
    document.execCommand("defaultParagraphSeparator", false, "p");
    textarea.form.addEventListener("submit", sync);
    textarea.classList.add("d-none");
    wrapper.appendChild(toolbar);
    wrapper.appendChild(area);
    textarea.parentNode.insertBefore(wrapper, textarea);
  });
})();
