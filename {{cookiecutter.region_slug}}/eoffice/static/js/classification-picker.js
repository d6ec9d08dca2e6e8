/* Classification picker: a text input that takes a code (000.1.2) and, with this
   script, becomes a combobox that asks the server as the user types (code prefix or
   words of the name) and fills the hidden id beside it. Without JavaScript the typed
   code is looked up when the form is sent. Keyboard: arrows move, Enter chooses,
   Escape closes. No inline script (Content-Security-Policy): marked by data- attributes. */
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  document.querySelectorAll("input[data-eo-classification]").forEach(function (input) {
    var hidden = document.getElementById(input.dataset.eoTarget);
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var timer = null;
    var asked = 0;
    var active = -1;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.classList.add("d-none");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      var items = options();
      if (!items.length) {
        return;
      }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({block: "nearest"});
    }

    function choose(item) {
      input.value = item.dataset.label;
      if (hidden) {
        hidden.value = item.dataset.id;
      }
      close();
    }

    function show(results) {
      list.textContent = "";
      results.forEach(function (result, i) {
        var item = document.createElement("li");
        item.id = input.id + "-option-" + i;
        item.className = "list-group-item list-group-item-action eo-code-depth-" +
          Math.min(result.level - 1, 5);
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.id = String(result.id);
        item.dataset.label = result.label;
        var code = document.createElement("code");
        code.textContent = result.code;
        item.appendChild(code);
        item.appendChild(document.createTextNode(" " + result.name));
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the input
          choose(item);
        });
        list.appendChild(item);
      });
      if (results.length) {
        list.classList.remove("d-none");
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }

    function ask() {
      var value = input.value.trim();
      var mine = ++asked;
      if (!value) {
        show([]);
        return;
      }
      var url = input.dataset.eoClassification + "?q=" + encodeURIComponent(value);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && mine === asked) {
            show(data.results || []);
          }
        })
        .catch(function () { /* offline or logged out: the typed code is sent as it is */ });
    }

    input.addEventListener("input", function () {
      if (hidden) {
        hidden.value = "";  // the typed text decides until a suggestion is chosen
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.classList.contains("d-none");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!open) {
          ask();
          return;
        }
        event.preventDefault();
        mark(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(options()[active]);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });
  });
})();
