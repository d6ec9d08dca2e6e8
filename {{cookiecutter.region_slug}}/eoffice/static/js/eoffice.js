/* Behaviour shared by every page. Pages hold no inline script or on...= handler (the
   Content-Security-Policy forbids them): they mark elements with data- attributes, and
   this file, loaded by base.html, gives them their behaviour. */
(function () {
  "use strict";
  // <select data-autosubmit>: choosing an option sends its form (the language menu).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });
})();
