/* Password strength meter of the change-password page. It asks the server, which
   applies the very rules used when the password is saved (length, the list of
   common and leaked passwords, the user's own name, the zxcvbn estimate), and shows
   the verdict under the field. Without JavaScript the form works as before. */
(function () {
  "use strict";
  var meter = document.getElementById("password-meter");
  if (!meter || !window.fetch || !window.FormData) {
    return;
  }
  var input = document.getElementById(meter.dataset.input);
  var progress = meter.querySelector(".progress");
  var bar = meter.querySelector(".progress-bar");
  var text = meter.querySelector("[data-meter-text]");
  var token = input.form.querySelector("input[name=csrf_token]");
  var widths = ["w-25", "w-25", "w-50", "w-75", "w-100"];
  var colours = ["bg-danger", "bg-danger", "bg-warning", "bg-info", "bg-success"];
  var timer = null;
  var asked = 0;

  function show(score, ok, message) {
    bar.classList.remove.apply(bar.classList, widths.concat(colours));
    if (score === null) {
      progress.setAttribute("aria-valuenow", "0");
      text.textContent = "";
      return;
    }
    bar.classList.add(widths[score], ok ? colours[score] : "bg-danger");
    progress.setAttribute("aria-valuenow", String(score));
    var label = ok ? meter.getAttribute("data-label-" + score) : meter.dataset.refused;
    text.textContent = message ? label + ": " + message : label;
  }

  function check() {
    var value = input.value;
    var mine = ++asked;
    if (!value) {
      show(null);
      return;
    }
    var body = new FormData();
    body.append("password", value);
    if (token) {
      body.append("csrf_token", token.value);
    }
    fetch(meter.dataset.url, {method: "POST", body: body, credentials: "same-origin",
                              headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && mine === asked) {
          show(data.score, data.ok, data.message);
        }
      })
      .catch(function () { /* offline or logged out: the server checks on saving */ });
  }

  meter.classList.remove("d-none");
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 300);
  });
})();
