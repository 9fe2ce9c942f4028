/* The rating tablet at a counter (/rate?counter=ID#token=DISPLAY_TOKEN): follows that counter
 * on /hall for its finished tickets and offers the SKM survey (survey.js) for each one; after
 * an answer, or two idle minutes, it waits for the next citizen. The device must be registered
 * to that counter as its rating tablet (admin → devices). The token is taken once from the
 * address (#token=, or ?token= for old links), kept in localStorage and removed from the
 * address bar, so it reaches no log, history or Referer. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("rate-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var TOKEN_KEY = "mpp.rate.token";
  var token = takeToken();

  function takeToken() {
    var hash = new URLSearchParams(location.hash.replace(/^#/, ""));
    var query = new URLSearchParams(location.search);
    var given = hash.get("token") || query.get("token");
    try {
      if (given) {
        localStorage.setItem(TOKEN_KEY, given);
        query.delete("token");
        var rest = query.toString();
        history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
        return given;
      }
      return localStorage.getItem(TOKEN_KEY) || "";
    } catch (e) { return given || ""; }
  }
  document.getElementById("survey").setAttribute("data-device-token", token);
  var idleTimer = null;

  function idle() {
    $("rate-idle").hidden = false;
    $("rate-number").hidden = true;
    $("sv").hidden = true;
    $("sv-thanks").hidden = true;
    document.getElementById("survey").setAttribute("data-status", "");
  }

  function offer(ticket) {
    $("rate-idle").hidden = true;
    $("rate-number").textContent = cfg.number.replace("{n}", ticket.number);
    $("rate-number").hidden = false;
    document.dispatchEvent(new CustomEvent("mpp:ticket", { detail: ticket }));
    clearTimeout(idleTimer);
    idleTimer = setTimeout(idle, 120000);
  }

  /* After the thanks, back to waiting. */
  new MutationObserver(function () {
    if (!$("sv-thanks").hidden) { clearTimeout(idleTimer); idleTimer = setTimeout(idle, 8000); }
  }).observe($("sv-thanks"), { attributes: true, attributeFilter: ["hidden"] });

  // following the counter puts this tablet in its room: only there do finished tickets come
  // with the token the survey is answered with
  var socket = io("/hall", { auth: { token: token, counter: cfg.counter_id },
                             transports: ["websocket"] });
  socket.on("connect", function () { $("rate-error").hidden = true; document.body.setAttribute("data-state", "online"); });
  socket.on("connect_error", function (err) {
    var why = String((err && err.message) || "");
    if (/unauthori[sz]ed/i.test(why)) {
      $("rate-error").textContent = cfg.bad_token;
      $("rate-error").hidden = false;
    } else if (/^not_this_counter/.test(why)) {
      $("rate-error").textContent = cfg.not_this_counter;
      $("rate-error").hidden = false;
    }
  });
  socket.on("survey_offer", function (msg) {
    if (!msg || msg.counter_id !== cfg.counter_id || !msg.ticket) { return; }
    if (msg.ticket.status === "done") { offer(msg.ticket); }
  });
})();
