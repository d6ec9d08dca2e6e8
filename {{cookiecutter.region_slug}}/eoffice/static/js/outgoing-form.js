/* The draft form of an outgoing letter: only the fields of the chosen type's layout
   (.eo-type.eo-type-<layout>) are shown; the form's data-layouts maps type -> layout. */
(function () {
  "use strict";
  var select = document.getElementById("letter_type");
  if (!select) { return; }
  var form = document.getElementById("draft-form");
  var layouts = {};
  try { layouts = JSON.parse((form && form.dataset.layouts) || "{}"); } catch (e) { layouts = {}; }
  function show() {
    var layout = layouts[select.value] || select.value;
    document.querySelectorAll(".eo-type").forEach(function (el) {
      el.classList.toggle("d-none", !el.classList.contains("eo-type-" + layout));
    });
  }
  select.addEventListener("change", show);
  show();
})();
