/* Managers: list complaints (GET /api/v1/complaints) and record the follow-up (PATCH, with
 * the session's CSRF token from GET /api/v1/session). Texts: the page's #dash-texts (the
 * catalogue's "dashboard" section, mpp/i18n). */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var T = JSON.parse($("dash-texts").textContent);
  var LABEL = { open: T.status_open, in_progress: T.status_in_progress, closed: T.status_closed };
  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, k) {
      return values[k] === undefined ? all : values[k];
    });
  }
  var csrf = null;

  function session() {
    return fetch("/api/v1/session", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) { csrf = s.csrf_token; });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function render(c) {
    var art = el("article", "complaint");
    art.id = "complaint-" + c.id;
    var head = el("header");
    head.appendChild(el("strong", null, "#" + c.id));
    head.appendChild(el("span", "badge " + c.status, LABEL[c.status] || c.status));
    head.appendChild(el("span", "muted", c.created_at.slice(0, 16).replace("T", " ")));
    if (c.agency) { head.appendChild(el("span", null, c.agency.name)); }
    if (c.ticket) { head.appendChild(el("span", "muted", fmt(T.cp_ticket, { number: c.ticket.number }))); }
    if (c.name || c.contact) { head.appendChild(el("span", "muted", [c.name, c.contact].filter(Boolean).join(" · "))); }
    art.appendChild(head);
    art.appendChild(el("p", "body", c.body));
    if (c.response) {
      art.appendChild(el("p", "muted", c.responded_by
        ? fmt(T.cp_response_by, { by: c.responded_by, text: c.response })
        : fmt(T.cp_response, { text: c.response })));
    }
    var form = el("form");
    var label = el("label", null, T.cp_response_label);
    label.style.display = "flex"; label.style.flexDirection = "column"; label.style.flex = "1 1 24rem";
    var ta = el("textarea");
    ta.name = "response";
    ta.value = c.response || "";
    label.appendChild(ta);
    var sel = el("select");
    sel.name = "status";
    sel.setAttribute("aria-label", fmt(T.cp_status_aria, { id: c.id }));
    ["open", "in_progress", "closed"].forEach(function (s) {
      var o = el("option", null, LABEL[s]); o.value = s; if (s === c.status) { o.selected = true; }
      sel.appendChild(o);
    });
    var btn = el("button", "primary", T.cp_save);
    btn.type = "submit";
    var msg = el("span", "muted");
    msg.setAttribute("role", "status");
    form.appendChild(label); form.appendChild(sel); form.appendChild(btn); form.appendChild(msg);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      btn.disabled = true;
      fetch("/api/v1/complaints/" + c.id, {
        method: "PATCH", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ status: sel.value, response: ta.value }),
      }).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error((body.error && body.error.message) || ("HTTP " + r.status)); }
          art.replaceWith(render(body.complaint));
        });
      }).catch(function (err) {
        msg.textContent = fmt(T.cp_save_failed, { message: err.message });
        msg.className = "error";
        btn.disabled = false;
      });
    });
    art.appendChild(form);
    return art;
  }

  function load() {
    var status = $("c-status").value;
    $("c-error").hidden = true;
    return fetch("/api/v1/complaints" + (status ? "?status=" + status : ""), { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) { throw new Error(b.error.message); } return b; }); })
      .then(function (body) {
        var list = $("c-list");
        list.textContent = "";
        $("c-count").textContent = fmt(T.cp_count, {
          n: body.complaints.length.toLocaleString(T.number_locale || "id-ID") });
        body.complaints.forEach(function (c) { list.appendChild(render(c)); });
        document.body.setAttribute("data-state", "ready");
      }).catch(function (err) {
        $("c-error").textContent = fmt(T.cp_load_failed, { message: err.message });
        $("c-error").hidden = false;
      });
  }

  $("c-filter").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  session().then(load);
})();
