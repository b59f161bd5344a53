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
})();
