/* Staff picker of the user form: an input marked data-eo-staff-picker="<url>" with a
   <datalist> (its list attribute). As the administrator types a name or the start of a
   NIP, the server's suggestions (staff without an account) fill the datalist; choosing
   one puts its NIP or PPPK number in the field, which the form sends as before. The
   browser's own datalist gives keyboard and screen-reader support. Without a script the
   number is typed. No inline script (Content-Security-Policy). */
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  document.querySelectorAll("input[data-eo-staff-picker]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = 0;
    if (!list) {
      return;
    }
    input.addEventListener("input", function () {
      var term = input.value.trim();
      window.clearTimeout(timer);
      if (term.length < 2 || /^\d[\d ]{17,}$/.test(term)) {
        return;  // too short to ask, or a whole number already
      }
      timer = window.setTimeout(function () {
        var mine = ++asked;
        var url = input.dataset.eoStaffPicker + "?q=" + encodeURIComponent(term);
        fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (staff) {
            if (mine !== asked) {
              return;  // an older answer arriving after a newer one
            }
            list.replaceChildren.apply(list, staff.map(function (person) {
              var option = document.createElement("option");
              option.value = person.number;
              option.label = person.label;
              option.textContent = person.label;
              return option;
            }));
          })
          .catch(function () { /* no suggestions; the number can still be typed */ });
      }, 200);
    });
  });
})();
