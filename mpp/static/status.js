/* The citizen's status page: keeps the server-rendered view of one ticket live.
 *
 * Listens on the Socket.IO namespace /ticket with auth {ticket_token}: a `ticket` event
 * carries this ticket as it now stands; a `queue` event for its service carries that
 * service's waiting tickets in call order (`order`, ticket ids), so the page finds its own
 * place and estimate in it (applyQueue) without asking the server. Only when its ticket is
 * not in the order (an older server, a ticket of an earlier day) is the ticket fetched again.
 * Every update is also announced as a DOM event `mpp:ticket` (detail: the ticket) so that
 * other parts of the page (the satisfaction survey in #survey) can react to it.
 * While the page is hidden (another tab, the phone locked) it holds no connection: the
 * socket closes on `visibilitychange`, and on return it reconnects and reads the ticket
 * again at once, so nothing shown is stale (a call missed meanwhile still alerts).
 * The alerts (sound, vibration, the tab's title) are status-alerts.js's, from `mpp:ticket`.
 */
(function () {
  "use strict";

  var FINAL = ["done", "no_show", "cancelled", "expired"];
  var POLL_WHEN_OFFLINE_MS = 20000;

  var root = document.getElementById("ticket");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("st-texts").textContent);
  var ticket = JSON.parse(document.getElementById("st-data").textContent);
  var token = root.getAttribute("data-token");
  var lang = document.documentElement.lang === "en" ? "en" : "id";
  var el = function (id) { return document.getElementById(id); };

  var socket = null;
  var joinedService = ticket.service && ticket.service.id;
  var fetching = false;
  var refetchTimer = null;
  var pollTimer = null;
  var paused = false;     // hidden: no socket, no polling
  var socketTickets = 0;  // `ticket` events received; a slower HTTP read must not undo one

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function isFinal(status) { return FINAL.indexOf(status) >= 0; }

  function setHidden(id, hidden) { el(id).hidden = !!hidden; }

  function waitText(t) {
    // Nobody calls this service now: neither "next" nor a number of minutes would be true.
    if (t.open_counters === 0) { return T.no_counter_open; }
    if (t.people_ahead === 0) { return T.next_up; }
    if (t.estimated_wait_minutes === null || t.estimated_wait_minutes === undefined) {
      return T.unknown_wait;
    }
    return fmt(T.minutes, { n: t.estimated_wait_minutes });
  }

  function render(t) {
    var status = t.status;
    root.className = "st-main st-" + status;
    el("st-number").textContent = t.number;
    if (t.service) {
      el("st-service").textContent = lang === "en" ? (t.service.name_en || t.service.name)
        : t.service.name;
    }
    if (t.agency) { el("st-agency").textContent = t.agency.short_name || t.agency.name; }
    el("st-status").textContent = T["status_" + status] || status;
    setHidden("st-priority", !t.priority);
    var counter = t.counter ? t.counter.name : "";
    setHidden("st-called", status !== "called");
    el("st-counter").textContent = counter;
    setHidden("st-recalled", !(t.call_count > 1));
    setHidden("st-serving", status !== "serving");
    el("st-serving-counter").textContent = counter;
    setHidden("st-waiting", status !== "waiting");
    if (status === "waiting") {
      el("st-ahead").textContent = String(t.people_ahead);
      el("st-wait").textContent = waitText(t);
    }
    setHidden("st-final", !isFinal(status));
    renderCheckIn(t);
    el("st-final-text").textContent = isFinal(status) ? (T["msg_" + status] || "") : "";
    el("survey").setAttribute("data-status", status);
    var taken = t.arrived_at || t.issued_at;  // a booked ticket: its check-in, not its slot
    if (taken) { el("st-issued").textContent = taken.slice(11, 16); }
  }

  /* A ticket taken from a phone: the check-in panel while it awaits check-in; once checked in
   * a note; cancelled past its deadline, why (the panels exist only for such tickets). */
  function renderCheckIn(t) {
    var panel = el("st-checkin");
    if (!panel) { return; }
    var awaiting = t.status === "waiting" && !!t.check_in_by;
    panel.hidden = !awaiting;
    el("st-checked-in").hidden = !(t.status === "waiting" && !t.check_in_by);
    var late = el("st-remote-expired");
    late.hidden = !(t.status === "cancelled" && !!t.check_in_by
                    && Date.now() >= Date.parse(late.getAttribute("data-deadline")));
  }

  function update(next) {
    var before = ticket;
    var merged = {};
    var k;
    for (k in before) { if (Object.prototype.hasOwnProperty.call(before, k)) { merged[k] = before[k]; } }
    // close-day sends only {id, status, number}: keep what we knew for the rest.
    for (k in next) { if (Object.prototype.hasOwnProperty.call(next, k)) { merged[k] = next[k]; } }
    ticket = merged;
    render(ticket);
    try {
      document.dispatchEvent(new CustomEvent("mpp:ticket", { detail: ticket }));
    } catch (e) { /* very old browsers: no CustomEvent constructor */ }
    if (ticket.service && joinedService && ticket.service.id !== joinedService) {
      // Transferred to another service: reconnect so the server puts us in its room
      // (a paused page joins it when it comes back).
      joinedService = ticket.service.id;
      if (socket && !paused) {
        socket.disconnect();
        socket.connect();
      }
    }
    if (isFinal(ticket.status)) { stopLive(); }
  }

  /* A `queue` event of our service: our place is our index in its call order; the estimate
   * follows the server's rule (mpp.domain.estimates.estimated_wait_minutes). */
  function applyQueue(msg) {
    if (ticket.status !== "waiting" || !msg || !ticket.service
        || msg.service_id !== ticket.service.id) { return; }
    var ahead = Array.isArray(msg.order) ? msg.order.indexOf(ticket.id) : -1;
    if (ahead < 0) { scheduleRefetch(); return; }
    var wait = ahead <= 0 ? 0 : Math.ceil(ahead * msg.typical_service_seconds
                                          / Math.max(msg.open_counters, 1) / 60);
    var open = typeof msg.open_counters === "number" ? msg.open_counters : ticket.open_counters;
    if (ahead === ticket.people_ahead && wait === ticket.estimated_wait_minutes
        && open === ticket.open_counters) { return; }
    update({ people_ahead: ahead, estimated_wait_minutes: wait, open_counters: open });
  }

  function setLive(state) {
    var live = el("st-live");
    live.setAttribute("data-state", state);
    live.textContent = { on: T.live_on, off: T.live_off, paused: T.live_paused }[state]
      || T.live_ended;
  }

  function refetch() {
    if (fetching) { scheduleRefetch(); return; }
    fetching = true;
    var seen = socketTickets;
    fetch("/api/v1/tickets/by-token/" + encodeURIComponent(token),
          { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        // A `ticket` event that came in meanwhile is at least as new as this answer.
        if (body && body.ticket && seen === socketTickets) { update(body.ticket); }
      })
      .catch(function () { /* offline: the next event or poll tries again */ })
      .then(function () { fetching = false; });
  }

  function scheduleRefetch() {
    if (refetchTimer) { return; }
    refetchTimer = setTimeout(function () { refetchTimer = null; refetch(); }, 250);
  }

  function startPolling() {
    if (!pollTimer) { pollTimer = setInterval(refetch, POLL_WHEN_OFFLINE_MS); }
  }

  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function stopLive() {
    stopPolling();
    if (socket) {
      // A finished ticket never changes again: free the server's connection.
      var s = socket;
      socket = null;
      s.off();
      s.disconnect();
    }
    setLive("ended");
  }

  function startLive() {
    if (typeof io !== "function") { setLive("off"); startPolling(); return; }
    socket = io("/ticket", { transports: ["websocket"], auth: { ticket_token: token } });
    socket.on("connect", function () { setLive("on"); stopPolling(); });
    socket.on("disconnect", function () {
      if (socket && !paused) { setLive("off"); startPolling(); }
    });
    socket.on("connect_error", function () { if (!paused) { setLive("off"); startPolling(); } });
    socket.on("ticket", function (msg) {
      if (msg && msg.ticket) { socketTickets += 1; update(msg.ticket); }
    });
    socket.on("queue", applyQueue);
  }

  /* Hidden: let go of the connection (and of polling). */
  function pause() {
    if (paused || isFinal(ticket.status)) { return; }
    paused = true;
    stopPolling();
    if (refetchTimer) { clearTimeout(refetchTimer); refetchTimer = null; }
    if (socket) { socket.disconnect(); }
    setLive("paused");
  }

  /* Visible again: read the ticket now and reconnect (its `ticket` event follows). */
  function resume() {
    if (!paused) { return; }
    paused = false;
    if (isFinal(ticket.status)) { return; }
    setLive("off");
    refetch();
    if (socket) { socket.connect(); } else { startLive(); }
  }

  function onVisibility() {
    if (document.visibilityState === "hidden") { pause(); } else { resume(); }
  }

  render(ticket);
  document.addEventListener("visibilitychange", onVisibility);
  if (isFinal(ticket.status)) {
    setLive("ended");
  } else if (document.visibilityState === "hidden") {
    paused = true;  // opened in a background tab: connect when it is first shown
    setLive("paused");
  } else {
    setLive("off");
    startLive();
  }
})();
