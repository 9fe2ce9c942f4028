/* The SKM survey on the citizen's status page: shown once the ticket is done (on load or
 * when status.js announces `mpp:ticket`), sent to POST /api/v1/surveys with the token.
 * The counter tablet (/rate) reuses it: it sets data-token for each finished ticket. */
(function () {
  "use strict";

  var section = document.getElementById("survey");
  if (!section) { return; }
  var token = function () { return section.getAttribute("data-token"); };
  var T = JSON.parse(document.getElementById("sv-texts").textContent);
  /* The regulation's wording in the page's language (the catalogues' "skm" section), by
   * element and profile code; the survey's state from the API names only the codes'
   * Indonesian and English texts, which fill a gap. */
  var W = T.skm || {};
  var word = function (key, fallback) { return W[key] !== undefined ? W[key] : fallback; };
  var $ = function (id) { return document.getElementById(id); };
  var built = false;
  var checking = false;

  /* On a phone the nine elements come one at a time: a tap answers and moves on, each
   * answered element stays as a one-line summary (tap to change), and the profile, the
   * comment and the button come after the ninth. Wider screens show the whole form. */
  var PHONE = window.matchMedia ? window.matchMedia("(max-width: 600px)") : null;
  var stepping = false;
  var ANSWERS = [];

  function answered(i) {
    return document.querySelector('input[name="u' + (i + 1) + '"]:checked');
  }

  function showStep(current) {
    if (!stepping) { return; }
    var sets = document.querySelectorAll("#sv-elements fieldset");
    var done = 0;
    for (var i = 0; i < sets.length; i++) {
      var picked = answered(i);
      if (picked) { done += 1; }
      sets[i].setAttribute("data-step", i === current ? "current" : (picked ? "done" : "later"));
      var summary = sets[i].querySelector(".sv-summary");
      summary.textContent = "";
      if (picked) {
        var b = document.createElement("b");
        b.textContent = ANSWERS[i][Number(picked.value) - 1];
        summary.appendChild(document.createTextNode(sets[i].querySelector("legend").textContent
                                                    + ": "));
        summary.appendChild(b);
      }
    }
    $("sv-progress").textContent = T.progress.replace("{n}", String(Math.min(done + 1, 9)))
      .replace("{total}", "9");
    $("sv-progress").hidden = current < 0;
    $("sv-rest").hidden = current >= 0;
  }

  function nextOpen(from) {
    for (var i = from; i < 9; i++) { if (!answered(i)) { return i; } }
    for (var j = 0; j < from; j++) { if (!answered(j)) { return j; } }
    return -1;
  }

  function build(elements, profile) {
    if (built) { return; }
    built = true;
    var box = $("sv-elements");
    ANSWERS = elements.map(function (e) {
      return word("answers." + e.code, T.en ? e.answers_en : e.answers);
    });
    elements.forEach(function (e, i) {
      var fs = document.createElement("fieldset");
      var lg = document.createElement("legend");
      lg.textContent = e.code + ". " + word("element." + e.code, T.en ? e.name_en : e.name);
      fs.appendChild(lg);
      var question = document.createElement("p");
      question.className = "sv-question";
      question.id = "sv-q-" + e.code;
      question.textContent = word("question." + e.code, T.en ? e.question_en : e.question);
      fs.setAttribute("aria-describedby", question.id);
      fs.appendChild(question);
      var summary = document.createElement("button");
      summary.type = "button";
      summary.className = "sv-summary";
      summary.setAttribute("aria-label", T.change + " " + lg.textContent);
      summary.addEventListener("click", function () { showStep(i); focusStep(i); });
      fs.appendChild(summary);
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
        label.appendChild(document.createTextNode(ANSWERS[i][v - 1]));
        scale.appendChild(label);
      }
      fs.appendChild(scale);
      box.appendChild(fs);
    });
    buildProfile(profile || []);
    stepping = !!(PHONE && PHONE.matches);
    section.classList.toggle("sv-stepping", stepping);
    showStep(stepping ? 0 : -1);
  }

  function focusStep(i) {
    var first = document.querySelector('input[name="u' + (i + 1) + '"]');
    if (first) { first.focus({ preventScroll: true }); }
    var set = document.querySelectorAll("#sv-elements fieldset")[i];
    if (set && set.scrollIntoView) { set.scrollIntoView({ block: "nearest" }); }
  }

  function buildProfile(fields) {
    var box = $("sv-profile-fields");
    fields.forEach(function (f) {
      var label = document.createElement("label");
      label.className = "sv-select";
      label.appendChild(document.createTextNode(word("profile." + f.field,
                                                     T.en ? f.name_en : f.name)));
      var select = document.createElement("select");
      select.name = "p-" + f.field;
      var none = document.createElement("option");
      none.value = "";
      none.textContent = T.choose;
      select.appendChild(none);
      f.choices.forEach(function (c) {
        var o = document.createElement("option");
        o.value = c.code;
        o.textContent = word("profile." + f.field + "." + c.code, T.en ? c.label_en : c.label);
        select.appendChild(o);
      });
      label.appendChild(select);
      box.appendChild(label);
    });
    $("sv-profile").hidden = fields.length === 0;
  }

  function respondent() {
    var out = {};
    Array.prototype.forEach.call(document.querySelectorAll("#sv-profile select"), function (s) {
      if (s.value) { out[s.name.slice(2)] = s.value; }
    });
    return out;
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
          build(state.elements, state.profile);
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

  $("sv-form").addEventListener("change", function (ev) {
    $("sv-error").hidden = true;
    var name = ev.target && ev.target.name;
    if (!stepping || !name || name.charAt(0) !== "u") { return; }
    // answered: on to the next element not yet answered (or to the end of the form)
    var next = nextOpen(Number(name.slice(1)));
    setTimeout(function () {
      showStep(next);
      if (next >= 0) { focusStep(next); } else { $("sv-comment").focus({ preventScroll: true }); }
    }, 180);
  });

  $("sv-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var scores = [];
    for (var i = 1; i <= 9; i++) {
      var picked = document.querySelector('input[name="u' + i + '"]:checked');
      if (!picked) {
        $("sv-error").textContent = T.missing;
        $("sv-error").hidden = false;
        showStep(i - 1);
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
      body: JSON.stringify({ token: token(), scores: scores, comment: $("sv-comment").value,
                             respondent: respondent() }),
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
    Array.prototype.forEach.call(document.querySelectorAll("#sv-form select"), function (s) { s.value = ""; });
    showStep(stepping ? 0 : -1);
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
