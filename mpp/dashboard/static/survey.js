/* The SKM survey on the citizen's status page: shown once the ticket is done (on load or
 * when status.js announces `mpp:ticket`), sent to POST /api/v1/surveys with the token.
 * The counter tablet (/rate) reuses it: it sets data-token for each finished ticket. */
(function () {
  "use strict";

  var section = document.getElementById("survey");
  if (!section) { return; }
  var token = function () { return section.getAttribute("data-token"); };
  var T = JSON.parse(document.getElementById("sv-texts").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var built = false;
  var checking = false;

  function build(elements) {
    if (built) { return; }
    built = true;
    var box = $("sv-elements");
    elements.forEach(function (e, i) {
      var fs = document.createElement("fieldset");
      var lg = document.createElement("legend");
      lg.textContent = e.code + ". " + (T.en ? e.name_en : e.name);
      fs.appendChild(lg);
      var scale = document.createElement("div");
      scale.className = "sv-scale";
      for (var v = 1; v <= 4; v++) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = "radio";
        input.name = "u" + (i + 1);
        input.value = String(v);
        input.required = true;
        var span = document.createElement("span");
        var b = document.createElement("b");
        b.textContent = String(v);
        span.appendChild(b);
        label.appendChild(input);
        label.appendChild(span);
        label.appendChild(document.createTextNode(T.scale[v - 1]));
        scale.appendChild(label);
      }
      fs.appendChild(scale);
      box.appendChild(fs);
    });
  }

  function check() {
    if (checking || section.getAttribute("data-status") !== "done") { return; }
    checking = true;
    var asked = token();
    fetch("/api/v1/surveys/by-token/" + encodeURIComponent(asked), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (asked !== token()) { return; }
        if (state.open) {
          build(state.elements);
          $("sv").hidden = false;
        } else if (state.answered) {
          $("sv").hidden = true;
          $("sv-thanks").hidden = false;
        }
      })
      .catch(function () { /* offline: try again on the next update */ })
      .then(function () {
        checking = false;
        if (asked !== token()) { check(); }  // the ticket changed meanwhile
      });
  }

  $("sv-form").addEventListener("change", function () { $("sv-error").hidden = true; });

  $("sv-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var scores = [];
    for (var i = 1; i <= 9; i++) {
      var picked = document.querySelector('input[name="u' + i + '"]:checked');
      if (!picked) {
        $("sv-error").textContent = T.missing;
        $("sv-error").hidden = false;
        var first = document.querySelector('input[name="u' + i + '"]');
        if (first) { first.focus(); }
        return;
      }
      scores.push(parseInt(picked.value, 10));
    }
    $("sv-error").hidden = true;
    $("sv-submit").disabled = true;
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    // the counter tablet signs its answers with its device token: the server then records
    // them as the tablet's (the channel is the server's to say)
    var device = section.getAttribute("data-device-token");
    if (device) { headers.Authorization = "Bearer " + device; }
    fetch("/api/v1/surveys", {
      method: "POST",
      headers: headers,
      body: JSON.stringify({ token: token(), scores: scores, comment: $("sv-comment").value }),
    }).then(function (r) {
      return r.json().then(function (body) {
        if (r.status === 201 || (body.error && body.error.code === "survey_already_answered")) {
          $("sv").hidden = true;
          $("sv-thanks").hidden = false;
          $("sv-thanks").setAttribute("tabindex", "-1");
          $("sv-thanks").focus();
          return;
        }
        throw new Error((body.error && body.error.message) || ("HTTP " + r.status));
      });
    }).catch(function (err) {
      $("sv-error").textContent = T.failed + err.message;
      $("sv-error").hidden = false;
      $("sv-submit").disabled = false;
    });
  });

  /* A new ticket on the same page (the counter tablet): clear the previous answer. */
  function reset() {
    Array.prototype.forEach.call(document.querySelectorAll("#sv-form input"), function (i) { i.checked = false; });
    $("sv-comment").value = "";
    $("sv-error").hidden = true;
    $("sv-submit").disabled = false;
    $("sv-thanks").hidden = true;
    $("sv").hidden = true;
  }

  document.addEventListener("mpp:ticket", function (e) {
    var d = e.detail || {};
    if (d.token && d.token !== token()) { section.setAttribute("data-token", d.token); reset(); }
    if (d.status) { section.setAttribute("data-status", d.status); }
    check();
  });
  check();
})();
