/* The public complaint form: POST /api/v1/complaints (no sign-in needed). Texts: the
 * page's #cf-texts (the catalogue's "complaint" section, mpp/i18n). */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var T = JSON.parse($("cf-texts").textContent);
  var form = $("cf");

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = $("cf-body").value.trim();
    if (body.length < 5) {
      $("cf-error").textContent = T.short;
      $("cf-error").hidden = false;
      $("cf-body").focus();
      return;
    }
    var data = { body: body, name: $("cf-name").value, contact: $("cf-contact").value };
    if ($("cf-agency").value) { data.agency = $("cf-agency").value; }
    var ticket = form.getAttribute("data-ticket");
    if (ticket) { data.ticket_token = ticket; }
    fetch("/api/v1/complaints", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(data),
    }).then(function (r) {
      return r.json().then(function (b) {
        if (r.status !== 201) { throw new Error((b.error && b.error.message) || ("HTTP " + r.status)); }
        form.hidden = true;
        $("cf-done").textContent = T.done.replace("{id}", b.complaint.id);
        $("cf-done").hidden = false;
        $("cf-done").focus();
      });
    }).catch(function (err) {
      $("cf-error").textContent = T.failed.replace("{message}", err.message);
      $("cf-error").hidden = false;
    });
  });
})();
