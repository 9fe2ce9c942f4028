/* The counter console: staff pick (or resume) a counter, see who waits, and act on tickets.
 *
 * Talks to the JSON API with the session cookie and the X-CSRFToken header (from
 * GET /api/v1/session), and listens on the Socket.IO namespace /hall: `queue`, `called`,
 * `counter_ticket` and `counter` events make it fetch its counter's view again.
 * Plain ES5-style script on purpose: it runs on old office PCs.
 */
(function () {
  "use strict";

  var T = JSON.parse(document.getElementById("cs-texts").textContent);
  var POLL_WHEN_OFFLINE_MS = 15000;
  var CSRF_REFRESH_MS = 20 * 60 * 1000;

  var state = {
    me: null,
    csrf: null,
    counters: [],
    services: [],
    counterId: null,
    view: null,
    counts: {},
    // bumped when this desk's write starts and when it ends: a view read meanwhile may be
    // older than the write's own answer, and is read again rather than shown
    writes: 0,
    busy: false,
    skew: 0,
    socket: null,
    live: false,
    pollTimer: null,
    loading: null,
    reloadAgain: false,
    lastFocus: null
  };

  function $(id) { return document.getElementById(id); }

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, k) {
      return values[k] === undefined ? "" : values[k];
    });
  }

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function now() { return Date.now() + state.skew; }

  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) { return fmt(T.seconds_short, { n: s }); }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + ":" + ("0" + (s % 60)).slice(-2); }
    return Math.floor(m / 60) + ":" + ("0" + (m % 60)).slice(-2) + ":" + ("0" + (s % 60)).slice(-2);
  }

  function minutesSince(iso) {
    return fmt(T.minutes_short, { n: Math.max(0, Math.floor((now() - Date.parse(iso)) / 60000)) });
  }

  // -- messages -------------------------------------------------------------------------
  function notice(text) {
    $("cs-notice").textContent = text || "";
  }

  function showError(err) {
    var code = err && err.code;
    var text = (code && T["err_" + code]) || (err && err.message) || T.err_network;
    $("cs-alert-text").textContent = text;
    // The API's own message, when it says more than our translation.
    $("cs-alert-detail").textContent = (err && err.message && err.message !== text)
      ? err.message : "";
    $("cs-alert-login").hidden = code !== "auth_required";
    $("cs-alert").hidden = false;
    notice("");
  }

  function clearError() { $("cs-alert").hidden = true; }

  function ApiError(status, code, message, retryAfter) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.retryAfter = retryAfter || 0;
  }

  // a 503 database_unavailable (the database briefly away) is asked again by itself this
  // many times, Retry-After (default 5 s) apart, before the clerk is told
  var FAULT_RETRIES = 6;

  // -- the JSON API ---------------------------------------------------------------------
  function request(method, path, body) {
    var headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      if (state.csrf) { headers["X-CSRFToken"] = state.csrf; }
    }
    return fetch(path, {
      method: method, headers: headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      var date = r.headers.get("Date");
      if (date) { state.skew = Date.parse(date) - Date.now(); }
      return r.json().catch(function () { return null; }).then(function (data) {
        if (r.ok) { return data; }
        var e = (data && data.error) || {};
        throw new ApiError(r.status, e.code || "http_" + r.status, e.message || r.statusText,
                           Number(r.headers.get("Retry-After")) || 0);
      });
    }, function () {
      throw new ApiError(0, "network", T.err_network);
    });
  }

  function isCsrfFailure(err) {
    return err.status === 400 && /csrf/i.test(err.message || "");
  }

  function loadSession() {
    return request("GET", "/api/v1/session").then(function (data) {
      state.csrf = data.csrf_token;
      state.me = data.user;
      return data;
    });
  }

  /* Every write: a session-cookie request needs a fresh CSRF token; when it has expired
     (the console stays open all day), get a new one and send the same request again. */
  function api(method, path, body, tries) {
    tries = tries || 0;
    var write = method !== "GET" && !tries;  // a retry belongs to its first try
    if (write) { state.writes++; }
    var answer = request(method, path, body).catch(function (err) {
      if (method !== "GET" && isCsrfFailure(err)) {
        return loadSession().then(function () { return request(method, path, body); });
      }
      if (err.status === 503 && err.code === "database_unavailable" && tries < FAULT_RETRIES) {
        // Nothing was written: the same request is safe to send again once it is back.
        notice(T.fault_retrying);
        return new Promise(function (resolve) {
          setTimeout(resolve, (err.retryAfter || 5) * 1000);
        }).then(function () { return api(method, path, body, tries + 1); });
      }
      if (err.status === 401) { err.code = "auth_required"; }
      throw err;
    });
    if (!write) { return answer; }
    return answer.then(function (v) { state.writes++; return v; },
                       function (e) { state.writes++; throw e; });
  }

  // -- counters -------------------------------------------------------------------------
  function myCounters() {
    var agency = state.me && state.me.agency_id;
    return state.counters.filter(function (c) {
      return agency === null || agency === undefined || c.agency.id === agency;
    });
  }

  function serviceName(id) {
    for (var i = 0; i < state.services.length; i++) {
      if (state.services[i].id === id) { return state.services[i].name; }
    }
    return "#" + id;
  }

  function loadCounters() {
    return api("GET", "/api/v1/counters").then(function (data) {
      state.counters = data.counters;
      return data.counters;
    });
  }

  function loadServices() {
    return api("GET", "/api/v1/services").then(function (data) {
      state.services = data.services;
      return data.services;
    });
  }

  function heldCounter() {
    var mine = myCounters();
    for (var i = 0; i < mine.length; i++) {
      if (mine[i].staff && state.me && mine[i].staff.id === state.me.id) { return mine[i]; }
    }
    return null;
  }

  /* How many wait for the counter's services (a ticket is counted once, whichever serves it). */
  function waitingAt(counter) {
    var n = 0;
    (state.services || []).forEach(function (s) {
      if (counter.service_ids.indexOf(s.id) >= 0) { n += s.waiting || 0; }
    });
    return n;
  }

  function renderPicker() {
    var list = myCounters();
    var html = [];
    if (!list.length) { html.push("<li>" + esc(T.pick_none) + "</li>"); }
    list.forEach(function (c, i) {
      var mine = c.staff && state.me && c.staff.id === state.me.id;
      var taken = c.staff && !mine;
      var stateText = mine ? T.pick_yours : taken
        ? fmt(T.pick_taken, { name: c.staff.full_name || ("#" + c.staff.id) }) : T.pick_free;
      var key = i < 9 ? "<kbd>" + (i + 1) + "</kbd> " : "";
      html.push(
        "<li class=\"" + (mine ? "cs-mine" : "") + "\">" +
        "<span class=\"cs-cname\">" + esc(c.name) + "</span>" +
        "<span class=\"cs-cservices\">" + esc(c.service_ids.map(serviceName).join(", ")) +
        "</span><span class=\"cs-cwaiting\">" + esc(fmt(T.pick_waiting, { n: waitingAt(c) })) +
        "</span><span class=\"cs-cstate\">" + esc(stateText) + "</span>" +
        "<button type=\"button\" class=\"cs-act" + (mine ? " cs-primary" : "") + "\"" +
        " data-counter=\"" + c.id + "\"" + (taken ? " disabled" : "") +
        (i < 9 ? " aria-keyshortcuts=\"" + (i + 1) + "\"" : "") + ">" + key +
        esc((mine ? T.pick_resume : T.pick_open) + " " + c.name) + "</button></li>");
    });
    $("cs-counter-list").innerHTML = html.join("");
  }

  function showPicker() {
    state.counterId = null;
    state.view = null;
    $("cs-desk").hidden = true;
    $("cs-picker").hidden = false;
    $("cs-counter-name").textContent = "";
    return loadCounters().then(renderPicker);
  }

  function openCounter(id) {
    if (state.busy) { return; }
    state.busy = true;
    clearError();
    api("POST", "/api/v1/counters/" + id + "/open").then(function (data) {
      notice(fmt(T.opened_counter, { counter: data.counter.name }));
      return enterCounter(data.counter.id);
    }).catch(function (err) {
      showError(err);
      return showPicker();
    }).then(function () {
      state.busy = false;
      // The view was drawn while busy, with every action greyed: draw the buttons again.
      renderButtons();
    });
  }

  function enterCounter(id) {
    state.counterId = id;
    $("cs-picker").hidden = true;
    $("cs-desk").hidden = false;
    return reloadView();
  }

  function closeCounter() {
    if (state.busy || !state.counterId) { return; }
    var name = state.view ? state.view.counter.name : "";
    state.busy = true;
    clearError();
    api("POST", "/api/v1/counters/" + state.counterId + "/close").then(function () {
      notice(fmt(T.closed_counter, { counter: name }));
      return showPicker();
    }).catch(showError).then(function () { state.busy = false; renderButtons(); });
  }

  // -- the counter's view ---------------------------------------------------------------
  /* One fetch at a time; events that arrive meanwhile ask for one more fetch afterwards. */
  function reloadView() {
    if (!state.counterId) { return Promise.resolve(); }
    if (state.loading) { state.reloadAgain = true; return state.loading; }
    var id = state.counterId;
    var writes = state.writes;
    state.loading = api("GET", "/api/v1/counters/" + id + "/queue").then(function (view) {
      if (state.counterId !== id) { return; }
      // read while this desk was calling or acting: it may not show that yet
      if (state.writes !== writes) { state.reloadAgain = true; return; }
      if (!view.counter.staff || !state.me || view.counter.staff.id !== state.me.id) {
        // Closed or taken over elsewhere: this desk is no longer ours.
        return showPicker();
      }
      state.view = view;
      state.counts = {};
      view.services.forEach(function (s) { state.counts[s.id] = s.waiting; });
      renderView();
      loadBookings();
    }).catch(showError).then(function () {
      state.loading = null;
      if (state.reloadAgain) { state.reloadAgain = false; return reloadView(); }
    });
    return state.loading;
  }

  function renderTicket() {
    var t = state.view && state.view.ticket;
    var box = $("cs-ticket");
    box.setAttribute("data-status", t ? t.status : "none");
    $("cs-number").textContent = t ? t.number : "—";
    $("cs-ticket-service").textContent = t
      ? t.service.name + " · " + (t.agency.short_name || t.agency.name) : T.no_ticket_help;
    $("cs-ticket-status").hidden = !t;
    $("cs-ticket-status").textContent = t ? T["status_" + t.status] : "";
    $("cs-ticket-priority").hidden = !(t && t.priority);
    $("cs-ticket-booked").hidden = !(t && t.booked);
    $("cs-ticket-calls").textContent = t && t.call_count > 1
      ? fmt(T.calls, { n: t.call_count }) : "";
    tickTimer();
  }

  function tickTimer() {
    var t = state.view && state.view.ticket;
    var text = "";
    if (t && t.status === "serving" && t.started_at) {
      text = fmt(T.serving_for, { time: duration(now() - Date.parse(t.started_at)) });
    } else if (t && t.status === "called") {
      text = fmt(T.called_ago, {
        time: duration(now() - Date.parse(t.last_called_at || t.called_at))
      });
    }
    $("cs-ticket-timer").textContent = text;
  }

  function renderWaiting() {
    var view = state.view;
    var rows = view.waiting.map(function (t) {
      return "<li><span class=\"cs-wnum\">" + esc(t.number) + "</span>" +
        "<span class=\"cs-wsvc\">" +
        (t.booked ? "<span class=\"cs-wbook\">" + esc(T.booked) + "</span> " : "") +
        // a remote ticket not checked in yet: call-next passes over it until then
        (t.check_in_by ? "<span class=\"cs-wremote\">" + esc(fmt(T.remote_pending, {
          time: t.check_in_by.slice(11, 16) })) + "</span> " : "") +
        esc(t.service.name) +
        (t.priority ? "<span class=\"cs-wprio\">" + esc(T.priority) + "</span>" : "") +
        "</span><span class=\"cs-wtime\">" + esc(minutesSince(t.arrived_at || t.issued_at)) + "</span></li>";
    });
    $("cs-waiting").innerHTML = rows.join("");
    $("cs-waiting-empty").hidden = view.waiting.length > 0;
    $("cs-waiting-count").textContent = String(view.waiting.length);
    $("cs-service-counts").innerHTML = view.services.map(function (s) {
      return "<li" + (s.open ? "" : " class=\"cs-closed\"") + ">" + esc(s.prefix) + " " +
        esc(s.name) + ": <strong>" + s.waiting + "</strong></li>";
    }).join("");
  }

  /* What the held ticket's status allows (the API decides; this only greys buttons). */
  function allowedActions() {
    var t = state.view && state.view.ticket;
    var status = t ? t.status : null;
    return {
      call_next: !t,
      finish_next: !t || status === "called" || status === "serving",
      recall: status === "called",
      start: status === "called",
      finish: status === "called" || status === "serving",
      no_show: status === "called",
      transfer: status === "called" || status === "serving",
      reprint: status === "called" || status === "serving"
    };
  }

  function renderButtons() {
    var allowed = allowedActions();
    var buttons = document.querySelectorAll("#cs-actions [data-action]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = state.busy || !allowed[buttons[i].getAttribute("data-action")];
    }
  }

  /* Today's bookings of the counter's services that take them, by slot (at most every 20 s,
     and once a minute by itself): who is expected and who has checked in. */
  function loadBookings(force) {
    var view = state.view;
    var booking = view ? view.services.filter(function (s) { return s.booking; }) : [];
    if (!booking.length) { $("cs-bookings").hidden = true; return; }
    if (!force && state.bookingsAt && Date.now() - state.bookingsAt < 20000) { return; }
    state.bookingsAt = Date.now();
    Promise.all(booking.map(function (s) {
      return api("GET", "/api/v1/services/" + s.id + "/bookings");
    })).then(function (days) {
      var rows = [];
      days.forEach(function (d) { rows = rows.concat(d.bookings); });
      rows = rows.filter(function (b) { return b.status !== "cancelled"; });
      rows.sort(function (a, b) { return a.start < b.start ? -1 : a.start > b.start ? 1 : 0; });
      $("cs-booking-list").innerHTML = rows.map(function (b) {
        return "<li data-status=\"" + esc(b.status) + "\"><span class=\"cs-btime\">" +
          esc(b.start.slice(11, 16)) + "</span><span class=\"cs-bcode\">" + esc(b.code) +
          "</span><span class=\"cs-bname\">" + esc(b.name) + "</span><span class=\"cs-bstate\">" +
          esc(T["booking_" + b.status] || b.status) +
          (b.ticket_number ? " · " + esc(b.ticket_number) : "") + "</span></li>";
      }).join("");
      $("cs-bookings-count").textContent = String(rows.length);
      $("cs-bookings").hidden = false;
    }).catch(function () { state.bookingsAt = 0; });
  }

  function renderView() {
    var view = state.view;
    if (!view) { return; }
    $("cs-counter-name").textContent = view.counter.name;
    document.title = view.counter.name + " · " + T.title;
    $("cs-served").textContent = typeof view.served_today === "number"
      ? fmt(T.served_today, { n: view.served_today }) : "";
    renderTicket();
    renderWaiting();
    renderButtons();
  }

  // -- actions --------------------------------------------------------------------------
  function heldTicket() { return state.view && state.view.ticket; }

  function run(work) {
    if (state.busy) { return Promise.resolve(); }
    state.busy = true;
    clearError();
    renderButtons();
    return work().catch(showError).then(function () {
      state.busy = false;
      renderButtons();
      // Never trust a partial picture after an action (or a failed one): fetch it again.
      return reloadView();
    });
  }

  function ticketAction(action, body) {
    var t = heldTicket();
    var path = { recall: "recall", start: "start", finish: "finish", no_show: "no-show",
                 transfer: "transfer" }[action];
    return api("POST", "/api/v1/tickets/" + t.id + "/" + path, body).then(function (data) {
      state.view.ticket = data.ticket.status === "called" || data.ticket.status === "serving"
        ? data.ticket : null;
      return data.ticket;
    });
  }

  function callNext() {
    return api("POST", "/api/v1/counters/" + state.counterId + "/call-next").then(function (d) {
      if (d.ticket) {
        state.view.ticket = d.ticket;
        notice(fmt(T.called_msg, { number: d.ticket.number, counter: state.view.counter.name }));
      } else {
        notice(T.nothing_waiting);
      }
      renderTicket();
    });
  }

  var ACTIONS = {
    call_next: function () { return run(callNext); },
    recall: function () {
      return run(function () {
        return ticketAction("recall").then(function (t) {
          notice(fmt(T.recalled_msg, { number: t.number }));
        });
      });
    },
    start: function () {
      return run(function () {
        return ticketAction("start").then(function (t) {
          notice(fmt(T.started_msg, { number: t.number }));
        });
      });
    },
    finish: function () {
      return run(function () {
        return ticketAction("finish").then(function (t) {
          notice(fmt(T.finished_msg, { number: t.number }));
        });
      });
    },
    finish_next: function () {
      return run(function () {
        if (!heldTicket()) { return callNext(); }
        // Only call the next one when the finish really happened.
        return ticketAction("finish").then(callNext);
      });
    },
    reprint: function () {
      return run(function () {
        var t = heldTicket();
        return api("POST", "/api/v1/tickets/" + t.id + "/reprint", {}).then(function () {
          notice(fmt(T.reprinted_msg, { number: t.number }));
        });
      });
    },
    no_show: function () { openNoShow(); },
    transfer: function () { openTransfer(); }
  };

  function trigger(action) {
    var button = document.querySelector("#cs-actions [data-action=\"" + action + "\"]");
    if (!button || $("cs-desk").hidden || state.busy) { return; }
    if (!allowedActions()[action]) {
      notice(T["act_" + action] + ": " + (heldTicket() ? T.err_invalid_transition
        : T.no_ticket_help));
      return;
    }
    ACTIONS[action]();
  }

  // -- dialogs --------------------------------------------------------------------------
  function openModal(id, focusEl) {
    closeMenu(false);
    state.lastFocus = document.activeElement;
    $(id).hidden = false;
    (focusEl || $(id).querySelector("select, button, [tabindex]")).focus();
  }

  function closeModal(id) {
    $(id).hidden = true;
    var back = state.lastFocus;
    state.lastFocus = null;
    if (back && back !== document.body && document.body.contains(back) && !back.disabled) {
      back.focus();
    } else if (document.activeElement && document.activeElement.blur) {
      document.activeElement.blur();
    }
  }

  function openModalId() {
    var modals = document.querySelectorAll(".cs-modal");
    for (var i = 0; i < modals.length; i++) { if (!modals[i].hidden) { return modals[i].id; } }
    return null;
  }

  /* A service that will not open again today takes no transfer; one that no open counter
   * serves takes it only after the clerk confirms (the citizen would wait for a counter). */
  var CLOSED_FOR_THE_DAY = ["holiday", "closed_today", "closed", "inactive"];

  function closedForTheDay(s) {
    return !s.open && CLOSED_FOR_THE_DAY.indexOf(s.closed_reason) >= 0;
  }

  function unstaffed(s) { return !closedForTheDay(s) && s.open_counters === 0; }

  function serviceById(id) {
    for (var i = 0; i < state.services.length; i++) {
      if (state.services[i].id === id) { return state.services[i]; }
    }
    return null;
  }

  function showTransferWarning(armed) {
    var s = serviceById(Number($("cs-transfer-service").value));
    var warn = !!(s && unstaffed(s));
    state.transferArmed = warn && armed ? s.id : null;
    $("cs-transfer-warn").hidden = !warn;
    $("cs-transfer-warn").textContent = warn ? fmt(T.transfer_unstaffed_warn,
                                                   { service: s.name }) : "";
    $("cs-transfer-go").firstChild.textContent = (warn ? T.transfer_anyway
                                                  : T.transfer_confirm) + " ";
  }

  function fillTransferOptions() {
    var t = heldTicket();
    var groups = {};
    var order = [];
    state.services.forEach(function (s) {
      if (t && s.id === t.service.id) { return; }
      var key = s.agency.id;
      if (!groups[key]) { groups[key] = { agency: s.agency, services: [] }; order.push(key); }
      groups[key].services.push(s);
    });
    $("cs-transfer-service").innerHTML = order.map(function (key) {
      var g = groups[key];
      return "<optgroup label=\"" + esc(g.agency.short_name || g.agency.name) + "\">" +
        g.services.map(function (s) {
          var mark = closedForTheDay(s) ? T.transfer_closed
            : (unstaffed(s) ? T.transfer_unstaffed : "");
          return "<option value=\"" + s.id + "\"" + (closedForTheDay(s) ? " disabled" : "") +
            " data-state=\"" + (closedForTheDay(s) ? "closed" : (unstaffed(s) ? "unstaffed"
                                                                  : "open")) + "\">" +
            esc(s.prefix + " · " + s.name) +
            " (" + esc(g.agency.short_name || g.agency.code) + ")" +
            (mark ? " — " + esc(mark) : "") + "</option>";
        }).join("") + "</optgroup>";
    }).join("");
  }

  function openTransfer() {
    var t = heldTicket();
    if (!t) { return; }
    $("cs-transfer-title").textContent = fmt(T.transfer_title, { number: t.number });
    fillTransferOptions();
    var select = $("cs-transfer-service");
    // Same agency first: most transfers stay within the agency.
    for (var i = 0; i < select.options.length; i++) {
      var sid = Number(select.options[i].value);
      for (var j = 0; j < state.services.length; j++) {
        if (state.services[j].id === sid && state.services[j].agency.id === t.agency.id
            && !select.options[i].disabled) {
          select.selectedIndex = i;
          i = select.options.length;
          break;
        }
      }
    }
    if (select.selectedIndex < 0) {
      for (var k = 0; k < select.options.length; k++) {
        if (!select.options[k].disabled) { select.selectedIndex = k; break; }
      }
    }
    showTransferWarning(false);
    openModal("cs-transfer", select);
    loadServices().then(function () {
      var chosen = select.value;
      fillTransferOptions();
      if (chosen) { select.value = chosen; }
      showTransferWarning(false);
    }).catch(function () { /* the list we have is good enough */ });
  }

  function submitTransfer(ev) {
    ev.preventDefault();
    var sid = Number($("cs-transfer-service").value);
    if (!sid) { return; }
    var target = serviceById(sid);
    if (target && closedForTheDay(target)) { return; }
    if (target && unstaffed(target) && state.transferArmed !== sid) {
      // First press: say that nobody calls that queue now; the second press confirms.
      showTransferWarning(true);
      $("cs-transfer-go").focus();
      return;
    }
    state.transferArmed = null;
    closeModal("cs-transfer");
    run(function () {
      return ticketAction("transfer", { service_id: sid }).then(function (t) {
        notice(fmt(T.transferred_msg, { number: t.number, service: t.service.name }));
      });
    });
  }

  function openNoShow() {
    var t = heldTicket();
    if (!t) { return; }
    $("cs-noshow-title").textContent = fmt(T.no_show_title, { number: t.number });
    $("cs-noshow-help").textContent = fmt(T.no_show_help, { n: t.call_count });
    openModal("cs-noshow", $("cs-noshow-yes"));
  }

  function submitNoShow(ev) {
    ev.preventDefault();
    closeModal("cs-noshow");
    run(function () {
      return ticketAction("no_show").then(function (t) {
        notice(fmt(T.no_show_msg, { number: t.number }));
      });
    });
  }

  // -- the user menu (own password, sign out) -------------------------------------------
  function closeMenu(refocus) {
    var menu = $("cs-menu");
    if (!menu.open) { return; }
    menu.open = false;
    if (refocus) { $("cs-user").focus(); }
  }

  // -- keyboard -------------------------------------------------------------------------
  var KEYS = {};
  (function () {
    var buttons = document.querySelectorAll("#cs-actions [data-action]");
    for (var i = 0; i < buttons.length; i++) {
      var keys = buttons[i].getAttribute("data-keys").split(" ");
      for (var j = 0; j < keys.length; j++) {
        KEYS[keys[j].toLowerCase()] = buttons[i].getAttribute("data-action");
      }
    }
  })();

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function interactive(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "button" || tag === "a" || tag === "summary" || typing(target);
  }

  function onKey(ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) { return; }
    var modal = openModalId();
    if (modal) {
      if (ev.key === "Escape") { ev.preventDefault(); closeModal(modal); }
      return;
    }
    if (ev.key === "Escape" && $("cs-menu").open) {
      ev.preventDefault();
      closeMenu(true);
      return;
    }
    if (typing(ev.target)) { return; }
    if (ev.key === "?") { ev.preventDefault(); openModal("cs-help"); return; }
    if (ev.repeat) { ev.preventDefault(); return; }
    if (!$("cs-picker").hidden && /^[1-9]$/.test(ev.key)) {
      var b = document.querySelectorAll("#cs-counter-list button[data-counter]")[Number(ev.key) - 1];
      if (b && !b.disabled) { ev.preventDefault(); openCounter(Number(b.getAttribute("data-counter"))); }
      return;
    }
    var key = ev.key === "Enter" ? "enter" : String(ev.key || "").toLowerCase();
    // Enter on a focused button or link presses that button, as everywhere else.
    if (key === "enter" && interactive(ev.target)) { return; }
    var action = KEYS[key];
    if (action && !$("cs-desk").hidden) {
      ev.preventDefault();
      trigger(action);
    }
  }

  // -- live updates ---------------------------------------------------------------------
  function setLive(on, text) {
    var el = $("cs-live");
    el.setAttribute("data-state", on ? "on" : "off");
    el.textContent = text || (on ? T.live_on : T.live_off);
  }

  function startPolling() {
    if (state.pollTimer) { return; }
    state.pollTimer = setInterval(function () {
      if (state.counterId) { reloadView(); } else if (!$("cs-picker").hidden) {
        loadCounters().then(renderPicker).catch(function () { /* offline */ });
      }
    }, POLL_WHEN_OFFLINE_MS);
  }

  function stopPolling() {
    if (state.pollTimer) { clearInterval(state.pollTimer); state.pollTimer = null; }
  }

  function countsChanged(msg) {
    if (!msg || !msg.services) { return true; }
    for (var i = 0; i < msg.services.length; i++) {
      var s = msg.services[i];
      if (Object.prototype.hasOwnProperty.call(state.counts, s.service_id)
          && state.counts[s.service_id] !== s.waiting) { return true; }
    }
    return false;
  }

  function connect() {
    if (typeof io !== "function") { setLive(false); startPolling(); return; }
    var socket = io("/hall", { transports: ["websocket"] });
    state.socket = socket;
    socket.on("connect", function () {
      setLive(true);
      stopPolling();
      // Catch up on whatever happened while we were away.
      if (state.counterId) { reloadView(); }
    });
    socket.on("disconnect", function () { setLive(false); startPolling(); });
    socket.on("connect_error", function () { setLive(false); startPolling(); });
    socket.on("queue", function (msg) {
      if (state.counterId && countsChanged(msg)) { reloadView(); }
      if (!state.counterId && msg && msg.services && !$("cs-picker").hidden) {
        // the picker's waiting counts, from the same message (no request)
        msg.services.forEach(function (row) {
          (state.services || []).forEach(function (s) {
            if (s.id === row.service_id) { s.waiting = row.waiting; }
          });
        });
        renderPicker();
      }
    });
    socket.on("called", function (call) {
      if (state.counterId && call && call.counter && call.counter.id === state.counterId) {
        reloadView();
      }
    });
    socket.on("counter_ticket", function (msg) {
      if (state.counterId && msg && msg.counter_id === state.counterId) { reloadView(); }
    });
    socket.on("counter", function (msg) {
      var c = msg && msg.counter;
      if (!c) { return; }
      if (state.counterId === c.id) {
        reloadView();
      } else if (!$("cs-picker").hidden) {
        loadCounters().then(renderPicker).catch(function () { /* next event */ });
      }
    });
  }

  // -- wiring ---------------------------------------------------------------------------
  /* A booking's or remote ticket's code checked in at the counter (the kiosk's endpoint). */
  function submitCheckIn(ev) {
    ev.preventDefault();
    var input = $("cs-checkin-code");
    var code = input.value.replace(/[\s-]/g, "").toUpperCase();
    if (!code) { return; }
    run(function () {
      return api("POST", "/api/v1/bookings/check-in", { code: code }).then(function (data) {
        input.value = "";
        notice(fmt(T.checked_in_code, { number: data.ticket.number }));
      });
    });
  }

  function wire() {
    document.addEventListener("keydown", onKey);
    $("cs-actions").addEventListener("click", function (ev) {
      var button = ev.target.closest ? ev.target.closest("[data-action]") : null;
      if (!button) { return; }
      // After a mouse click, give the keyboard shortcuts (Enter) back to the page.
      if (ev.detail > 0) { button.blur(); }
      trigger(button.getAttribute("data-action"));
    });
    $("cs-counter-list").addEventListener("click", function (ev) {
      var button = ev.target.closest ? ev.target.closest("[data-counter]") : null;
      if (button && !button.disabled) { openCounter(Number(button.getAttribute("data-counter"))); }
    });
    $("cs-switch").addEventListener("click", function () { showPicker().catch(showError); });
    $("cs-close").addEventListener("click", closeCounter);
    $("cs-help-btn").addEventListener("click", function () { openModal("cs-help"); });
    $("cs-alert-close").addEventListener("click", clearError);
    document.addEventListener("click", function (ev) {
      if (!$("cs-menu").contains(ev.target)) { closeMenu(false); }
    });
    $("cs-transfer-form").addEventListener("submit", submitTransfer);
    $("cs-transfer-service").addEventListener("change", function () {
      showTransferWarning(false);
    });
    $("cs-noshow-form").addEventListener("submit", submitNoShow);
    $("cs-checkin-form").addEventListener("submit", submitCheckIn);
    $("cs-transfer-service").addEventListener("dblclick", function () {
      $("cs-transfer-form").requestSubmit ? $("cs-transfer-form").requestSubmit()
        : submitTransfer({ preventDefault: function () {} });
    });
    var dismiss = document.querySelectorAll("[data-dismiss]");
    for (var i = 0; i < dismiss.length; i++) {
      dismiss[i].addEventListener("click", function (ev) {
        var modal = ev.target.closest(".cs-modal");
        if (modal) { closeModal(modal.id); }
      });
    }
    setInterval(tickTimer, 1000);
    setInterval(function () { if (state.view) { renderWaiting(); } }, 30000);
    setInterval(function () { if (state.view) { loadBookings(true); } }, 60000);
    setInterval(function () { loadSession().catch(function () { /* next time */ }); },
                CSRF_REFRESH_MS);
  }

  function boot() {
    wire();
    loadSession().then(function (session) {
      if (!session.user) { window.location.href = "/login?next=/console"; return null; }
      return Promise.all([loadCounters(), loadServices()]);
    }).then(function (loaded) {
      if (!loaded) { return null; }
      connect();
      var held = heldCounter();
      return held ? enterCounter(held.id) : showPicker();
    }).catch(showError).then(function () {
      document.body.setAttribute("data-ready", "true");
    });
  }

  boot();
})();
