/* The status page's alerts (issue 10): when the citizen's turn becomes near and when the
 * ticket is called (a recall is a new call), the phone
 *   - plays a short chime made with Web Audio (one oscillator, no audio file),
 *   - vibrates where it can,
 *   - and the tab's title says so: "(!) Dipanggil — A012 → Loket 1".
 * "Near" is the site's `ahead` (the notifications' setting, #ticket[data-near-ahead]) or
 * fewer people ahead while a counter serves the service. Each alert fires once per event:
 * near once per ticket, called once per call, remembered in sessionStorage, so a feed
 * message, a reconnection or a reload never repeats it; what is already so when the page
 * opens is shown, not alerted.
 * Phones play sound only after a touch: the page offers one toggle, "Aktifkan suara &
 * getar", while a call is still to come (waiting) or has just come (called), never while
 * being served or after the end. status.js announces each update as the DOM event
 * `mpp:ticket`; this script only listens, so the two stay apart.
 */
(function () {
  "use strict";

  var root = document.getElementById("ticket");
  if (!root) { return; }
  var el = function (id) { return document.getElementById(id); };
  var T = JSON.parse(el("st-texts").textContent);
  var ticket = JSON.parse(el("st-data").textContent);
  var NEAR = Number(root.getAttribute("data-near-ahead")) || 3;
  var VIBRATE = { near: [200, 100, 200], called: [400, 150, 400, 150, 800] };
  // the chime's notes (Hz), each NOTE_S long: a rising pair when near, a ding-dong twice when
  // called
  var NOTES = { near: [660, 880], called: [880, 660, 880, 660], on: [880] };
  var NOTE_S = 0.28;
  var FIRED_KEY = "mpp.status.alerts." + (root.getAttribute("data-token") || "");

  var AudioCtx = window.AudioContext || window.webkitAudioContext;
  var canVibrate = typeof navigator.vibrate === "function";
  var audio = null;        // made at the toggle's touch (phones allow sound only then)
  var choice = "unset";    // "on" after the toggle, "off" after turning it off

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  // -- which events happened ----------------------------------------------------------------
  function isNear(t) {
    return t.status === "waiting" && typeof t.people_ahead === "number"
      && t.people_ahead <= NEAR && t.open_counters !== 0;
  }
  /* The events a ticket's state stands for: near, and one per call (a recall is new). */
  function events(t) {
    var out = [];
    if (isNear(t)) { out.push("near#" + (t.service ? t.service.id : "")); }  // again after a transfer
    if (t.status === "called") {
      out.push("called#" + (t.last_called_at || t.called_at || "") + "#" + t.call_count);
    }
    return out;
  }

  var fired = {};
  try { fired = JSON.parse(sessionStorage.getItem(FIRED_KEY) || "{}") || {}; } catch (e) { fired = {}; }
  function remember(key) {
    fired[key] = 1;
    try { sessionStorage.setItem(FIRED_KEY, JSON.stringify(fired)); } catch (e) { /* private mode */ }
  }

  // -- the alert ----------------------------------------------------------------------------
  function chime(kind) {
    if (choice !== "on" || !audio) { return; }
    try {
      if (audio.state === "suspended" && audio.resume) { audio.resume(); }
      var notes = NOTES[kind];
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      var t0 = audio.currentTime + 0.03;
      osc.type = "sine";
      osc.frequency.value = notes[0];
      gain.gain.setValueAtTime(0.0001, t0);
      notes.forEach(function (f, i) {
        var at = t0 + i * NOTE_S;
        osc.frequency.setValueAtTime(f, at);
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_S * 0.95);
      });
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(t0);
      osc.stop(t0 + notes.length * NOTE_S + 0.05);
    } catch (e) { /* no sound device: the vibration and the title still tell */ }
  }

  function vibrate(pattern) {
    if (!canVibrate || choice === "off") { return; }
    try { navigator.vibrate(pattern); } catch (e) { /* not allowed here */ }
  }

  function alertFor(key) {
    var kind = key.indexOf("near") === 0 ? "near" : "called";
    chime(kind);
    vibrate(VIBRATE[kind]);
  }

  // -- the title ----------------------------------------------------------------------------
  function title(t) {
    if (t.status === "called") {
      return fmt(T.called_title, { number: t.number, counter: t.counter ? t.counter.name : "" });
    }
    if (isNear(t)) {
      return t.people_ahead === 0 ? fmt(T.next_title, { number: t.number })
        : fmt(T.near_title, { number: t.number, n: t.people_ahead });
    }
    return fmt(T.page_title, { number: t.number });
  }

  // -- the toggle ---------------------------------------------------------------------------
  var box = el("st-vibrate");
  var onButton = el("st-vibrate-btn");
  var onNote = el("st-vibrate-on");
  var offButton = el("st-alerts-off");

  function renderToggle(t) {
    var offered = (AudioCtx || canVibrate) && (t.status === "waiting" || t.status === "called");
    box.hidden = !offered;
    onButton.hidden = choice === "on";
    onNote.hidden = choice !== "on";
    root.setAttribute("data-alerts", choice);
  }

  onButton.addEventListener("click", function () {
    choice = "on";
    if (AudioCtx && !audio) {
      try { audio = new AudioCtx(); } catch (e) { audio = null; }
    }
    chime("on");       // so the citizen hears how it sounds (and the phone unlocks sound)
    if (canVibrate) { try { navigator.vibrate(60); } catch (e) { /* ignore */ } }
    renderToggle(ticket);
  });
  offButton.addEventListener("click", function () {
    choice = "off";
    renderToggle(ticket);
  });

  // -- following the ticket -----------------------------------------------------------------
  function show(t) {
    document.title = title(t);
    renderToggle(t);
  }

  events(ticket).forEach(remember);  // already so when the page opened: shown, not alerted
  show(ticket);
  document.addEventListener("mpp:ticket", function (e) {
    var t = e.detail;
    if (!t) { return; }
    ticket = t;
    events(t).forEach(function (key) {
      if (fired[key]) { return; }
      remember(key);
      alertFor(key);
    });
    show(t);
  });
})();
