/* The draft form of an outgoing letter: only the fields of the chosen letter type
   (.eo-type.eo-type-<type>) are shown. */
(function () {
  "use strict";
  var select = document.getElementById("letter_type");
  if (!select) { return; }
  function show() {
    document.querySelectorAll(".eo-type").forEach(function (el) {
      el.classList.toggle("d-none", !el.classList.contains("eo-type-" + select.value));
    });
  }
  select.addEventListener("change", show);
  show();
})();
