/* Small behaviours every server-rendered page may use, declared in the markup instead of
 * inline script (the Content-Security-Policy allows no inline script):
 *   data-confirm="Question?"  on a submit button: asks first, and does nothing on "cancel"
 *   data-autosubmit           on a select: submits its form when the choice changes
 *   data-print                on a button: opens the browser's print dialog */
(function () {
  "use strict";

  document.addEventListener("click", function (e) {
    var ask = e.target.closest ? e.target.closest("[data-confirm]") : null;
    if (ask && !window.confirm(ask.getAttribute("data-confirm"))) {
      e.preventDefault();
      return;
    }
    var print = e.target.closest ? e.target.closest("[data-print]") : null;
    if (print) { window.print(); }
  });

  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select[data-autosubmit]") && e.target.form) {
      e.target.form.submit();
    }
  });
})();
