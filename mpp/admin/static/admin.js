/* The admin forms' small helpers (kept out of the pages: no inline script is allowed). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); }
    else { fn(); }
  }

  ready(function () {
    // device form: show only the settings of the chosen kind
    var kind = document.getElementById("kind");
    if (kind) {
      var showFor = function () {
        document.querySelectorAll("[data-for]").forEach(function (el) {
          el.hidden = !el.dataset.for.split(" ").includes(kind.value);
        });
      };
      kind.addEventListener("change", showFor);
      showFor();
    }

    // counter form: show only the chosen agency's services (a counter serves its own only)
    var agency = document.getElementById("agency");
    if (agency && document.querySelector(".services-of")) {
      var showServices = function () {
        document.querySelectorAll(".services-of").forEach(function (box) {
          var mine = box.dataset.agency === agency.value;
          box.hidden = !mine;
          if (!mine) { box.querySelectorAll("input").forEach(function (cb) { cb.checked = false; }); }
        });
      };
      agency.addEventListener("change", showServices);
      showServices();
    }

    // service form: Monday's hours to Tuesday-Friday
    var copyMonday = document.getElementById("copy-monday");
    if (copyMonday) {
      copyMonday.addEventListener("click", function () {
        var mon = document.querySelector("[name=hours_mon]").value;
        ["tue", "wed", "thu", "fri"].forEach(function (d) {
          document.querySelector("[name=hours_" + d + "]").value = mon;
        });
      });
    }

    // device token page: copy the token
    var copyToken = document.getElementById("copy-token");
    if (copyToken) {
      copyToken.addEventListener("click", function () {
        var box = document.getElementById("device-token");
        navigator.clipboard.writeText(box.textContent).then(function () {
          copyToken.textContent = copyToken.getAttribute("data-done") || copyToken.textContent;
        }, function () { getSelection().selectAllChildren(box); });
      });
    }
  });
})();
