/* Small behaviours shared by every page. No inline scripts anywhere: the CSP forbids them. */
(function () {
  "use strict";
  // Buttons and links that ask before acting: data-confirm="Are you sure…?"
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // Forms that auto-submit when a filter changes: <form data-autosubmit>
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
  });
  // People pickers: <input list="ID" data-people-picker="/audit/people/"> suggests usernames
  // from names as one types (a datalist filled from the server, never every person at once).
  document.querySelectorAll("input[data-people-picker]").forEach(function (input) {
    var listId = input.getAttribute("list");
    var list = document.getElementById(listId);
    if (!list) {
      list = document.createElement("datalist");
      list.id = listId;
      input.insertAdjacentElement("afterend", list);
    }
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var typed = input.value.trim();
        if (typed.length < 2 || typed === asked) { return; }
        asked = typed;
        var url = input.getAttribute("data-people-picker") + "?q=" + encodeURIComponent(typed);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { people: [] }; })
          .then(function (data) {
            list.replaceChildren();
            data.people.forEach(function (person) {
              var option = document.createElement("option");
              option.value = person.username;
              option.label = person.name ? person.name + " (" + person.username + ")" : person.username;
              list.appendChild(option);
            });
          })
          .catch(function () { list.replaceChildren(); });
      }, 200);
    });
  });
  // A table wider than its box scrolls sideways; keyboard users must reach it too: such a box
  // becomes a focusable, named region (WCAG 2.1.1; axe-core's scrollable-region-focusable).
  function focusableScrollers(root) {
    (root || document).querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
        if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
        if (!box.hasAttribute("aria-label")) {
          var card = box.closest(".card");
          var header = card && card.querySelector(".card-header");
          var caption = box.querySelector("caption");
          var name = (caption || header || {}).textContent || "Table";
          box.setAttribute("aria-label", name.trim().split("\n")[0] + " (scrolls sideways)");
        }
      }
    });
  }
  focusableScrollers(document);
  window.addEventListener("resize", function () { focusableScrollers(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { focusableScrollers(event.target); });
})();
