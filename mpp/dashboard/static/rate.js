/* The rating tablet at a counter (/rate?counter=ID&token=DISPLAY_TOKEN): follows that counter
 * on /hall for its finished tickets and offers the SKM survey (survey.js) for each one; after
 * an answer, or two idle minutes, it waits for the next citizen. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("rate-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var token = new URLSearchParams(location.search).get("token") || "";
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
    if (/unauthori[sz]ed/i.test(String((err && err.message) || ""))) {
      $("rate-error").textContent = cfg.bad_token;
      $("rate-error").hidden = false;
    }
  });
  socket.on("survey_offer", function (msg) {
    if (!msg || msg.counter_id !== cfg.counter_id || !msg.ticket) { return; }
    if (msg.ticket.status === "done") { offer(msg.ticket); }
  });
})();
