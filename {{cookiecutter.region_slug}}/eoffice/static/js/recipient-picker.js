/* Recipient picker of the draft form: a search box above a multiple select of positions.
   As the drafter types it asks the server (positions by name, unit or holder; units,
   which add their head; recipient groups, which add their positions; external contacts,
   which add a line to the external recipients field) and shows the chosen positions as
   removable chips. The select stays the form's field, so without JavaScript it works as
   before. Keyboard: arrows move, Enter chooses, Escape closes. No inline script
   (Content-Security-Policy): marked by data- attributes. */
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  document.querySelectorAll("input[data-eo-recipients]").forEach(function (input) {
    var select = document.getElementById(input.dataset.eoSelect);
    var external = document.getElementById(input.dataset.eoExternal);
    var chips = document.getElementById(input.dataset.eoChips);
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var kinds = {position: input.dataset.labelPosition, unit: input.dataset.labelUnit,
                 group: input.dataset.labelGroup, external: input.dataset.labelExternal};
    var timer = null;
    var asked = 0;
    var active = -1;
    if (!select || !list || !chips) {
      return;
    }
    // The list of hundreds of positions gives way to the search; it stays the field.
    select.classList.add("visually-hidden");
    select.setAttribute("tabindex", "-1");
    input.closest(".eo-recipient-picker").classList.remove("d-none");

    function drawChips() {
      chips.textContent = "";
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.selected) {
          return;
        }
        var chip = document.createElement("li");
        chip.className = "badge rounded-pill text-bg-light border d-inline-flex align-items-center gap-1 me-1 mb-1";
        chip.dataset.value = option.value;
        chip.appendChild(document.createTextNode(option.textContent));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close";
        remove.setAttribute("aria-label", input.dataset.labelRemove + " " + option.textContent);
        remove.addEventListener("click", function () {
          option.selected = false;
          drawChips();
          input.focus();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
    }

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

    function choose(result) {
      (result.positions || []).forEach(function (id) {
        var option = select.querySelector("option[value='" + String(Number(id)) + "']");
        if (option) {
          option.selected = true;
        }
      });
      if (result.line && external) {
        var lines = external.value.split("\n").filter(function (l) { return l.trim(); });
        if (lines.indexOf(result.line) < 0) {
          lines.push(result.line);
        }
        external.value = lines.join("\n");
      }
      input.value = "";
      close();
      drawChips();
      input.focus();
    }

    function show(results) {
      list.textContent = "";
      results.forEach(function (result, i) {
        var item = document.createElement("li");
        item.id = input.id + "-option-" + i;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var kind = document.createElement("span");
        kind.className = "badge text-bg-secondary me-1";
        kind.textContent = kinds[result.kind] || result.kind;
        item.appendChild(kind);
        item.appendChild(document.createTextNode(result.label));
        if (result.detail) {
          var detail = document.createElement("div");
          detail.className = "small text-muted";
          detail.textContent = result.detail;
          item.appendChild(detail);
        }
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the input
        });
        item.addEventListener("click", function () {
          choose(result);
        });
        item.eoResult = result;
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
      var url = input.dataset.eoRecipients + "?q=" + encodeURIComponent(value);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && mine === asked) {
            show(data.results || []);
          }
        })
        .catch(function () { /* offline or logged out: the list below still works */ });
    }

    input.addEventListener("input", function () {
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
      } else if (event.key === "Enter") {
        event.preventDefault();  // never send the form from the search box
        if (open && active >= 0) {
          choose(options()[active].eoResult);
        }
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });
    select.addEventListener("change", drawChips);
    drawChips();
  });
})();
