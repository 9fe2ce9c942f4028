/* The hall display board.
 *
 * Connects to the /hall Socket.IO namespace with the display device's token (from
 * #token=... — or ?token=... in older links — once, then kept in localStorage so the TV can
 * reload; a fragment never reaches the server's logs or a Referer), redraws everything from each
 * `snapshot` (sent on every connect and reconnect), applies `called`, `queue`, `counter`,
 * `counter_ticket` and `site` events, and announces every call and recall in turn: a chime,
 * then the Indonesian phrase made by the server (/display/announcement). Announcements never
 * overlap; they wait in a queue that tests can read from [data-testid=announcement-log].
 * The running text shows the site's Indonesian and English texts in alternate passes.
 * Every fixed text comes from the page's language catalogue (#board-texts, the `board`
 * section of mpp/i18n/catalogues/<lang>.json). The agencies' panel shows, per agency, the
 * people waiting and the estimated wait of a ticket taken now (the hall `queue` event),
 * in pages that turn every 10 s when the agencies do not all fit at 36 px.
 */
(function () {
  "use strict";

  const TOKEN_KEY = "mpp.display.token";
  const RECENT_SHOWN = 5;
  const QUEUE_LIMIT = 20;            // pending announcements kept; older ones are skipped
  const STALE_MS = 3 * 60 * 1000;    // a call not announced within 3 minutes is skipped
  const GAP_MS = 600;                // silence between two announcements
  const TEXT_ONLY_MS = 3500;         // how long a text-only announcement holds the queue
  const RESYNC_MS = 5 * 60 * 1000;   // a fresh snapshot now and then, as a safety net
  // a headline whose ticket was finished or missed fades this long after (?fade=SECONDS)
  const FADE_MS = Math.max(1, Number(new URLSearchParams(location.search).get("fade")) || 90)
    * 1000;

  const $ = (sel) => document.querySelector(sel);
  const boardEl = $("#board");
  // the board section of each language's catalogue (mpp/i18n/catalogues), embedded by the
  // page: {languages, texts: {lang: section}}; with several (?lang=id,en) the labels follow
  // the running text's passes
  const CATALOGUE = JSON.parse($("#board-texts").textContent);
  let L = CATALOGUE.texts[CATALOGUE.languages[0]];
  // each page of the agencies' panel shows this long (?page_seconds=SECONDS)
  const PAGE_MS = Math.max(1, Number(new URLSearchParams(location.search).get("page_seconds"))
    || 10) * 1000;
  const params = new URLSearchParams(location.search);

  // -- the token: from the URL once, then from localStorage --------------------------------
  let token = new URLSearchParams(location.hash.replace(/^#/, "")).get("token")
    || params.get("token");
  try {
    if (token) {
      localStorage.setItem(TOKEN_KEY, token);
      params.delete("token");
      const rest = params.toString();
      history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
    } else {
      token = localStorage.getItem(TOKEN_KEY);
    }
  } catch (e) { /* storage disabled: the URL token still works for this load */ }

  const urlAgencies = (params.get("agencies") || "").split(",").map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const urlTitle = params.get("title");

  // -- state, redrawn in full from every snapshot ------------------------------------------
  const state = {
    site: null, agencies: [], counters: [], agencyWaiting: {}, recent: [], board: null,
    clockOffsetMs: 0, shown: null,
  };

  function shownAgencies() {
    const codes = urlAgencies.length ? urlAgencies : ((state.board && state.board.agencies) || []);
    return codes.length ? new Set(codes.map((c) => String(c).toUpperCase())) : null;
  }
  function agencyVisible(agency) {
    const set = state.shown;
    return !set || (agency && set.has(String(agency.code).toUpperCase()));
  }
  function agencyById(id) { return state.agencies.find((a) => a.id === id) || null; }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function localize() {
    document.querySelectorAll("[data-l]").forEach((e) => { e.textContent = L[e.dataset.l] || e.textContent; });
  }

  // -- rendering ---------------------------------------------------------------------------
  function renderHeader() {
    if (!state.site) return;
    $("[data-testid=site-name]").textContent = state.site.name;
    const title = urlTitle || (state.board && state.board.title) || (state.shown
      ? state.agencies.filter((a) => agencyVisible(a)).map((a) => a.short_name || a.code).join(" · ")
      : "");
    const t = $("[data-testid=board-title]");
    t.textContent = title || "";
    t.hidden = !title;
    ticker.show(state.site);
  }

  // -- the running text: one pass of each language in turn ---------------------------------
  // Each pass is one run of the CSS animation; at its end the next text takes over. Where
  // motion is reduced (no animation), a timer of the same length turns the texts instead.
  const ticker = (function () {
    const box = $("[data-testid=running-text]");
    const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
    let texts = [];        // [{lang, text}], the board's language first
    let index = 0;
    let passes = 0;
    let timer = null;

    // about 12 characters a second, so the text stays readable while it moves
    function seconds(text) { return Math.max(20, Math.round(text.length / 12)); }

    function start() {
      clearTimeout(timer);
      const item = texts[index];
      box.classList.remove("moving");
      box.textContent = item ? item.text : "";
      box.lang = item ? item.lang : "";
      box.dataset.lang = item ? item.lang : "";
      box.dataset.passes = String(passes);
      if (!item) return;
      if (CATALOGUE.texts[item.lang]) setLanguage(item.lang);
      box.style.setProperty("--ticker-seconds", seconds(item.text) + "s");
      void box.offsetWidth;  // restart the animation from the right edge
      box.classList.add("moving");
      if (still && still.matches) timer = setTimeout(next, seconds(item.text) * 1000);
    }

    function next() {
      passes += 1;
      index = texts.length ? (index + 1) % texts.length : 0;
      start();
    }

    box.addEventListener("animationend", next);

    function show(site) {
      const both = { id: site.running_text || "", en: site.running_text_en || "" };
      const order = boardEl.dataset.lang === "en" ? ["en", "id"] : ["id", "en"];
      const wanted = order.filter((l) => both[l].trim()).map((l) => ({ lang: l, text: both[l] }));
      if (JSON.stringify(wanted) === JSON.stringify(texts)) return;  // keep the pass running
      texts = wanted;
      index = 0;
      start();
    }

    return { show: show };
  })();

  function visibleCalls() {
    return state.recent.filter((c) => agencyVisible(c.ticket && c.ticket.agency));
  }

  function renderLatest(flash) {
    const calls = visibleCalls();
    const latest = calls[0];
    const num = $("[data-testid=latest-number]");
    const counter = $("[data-testid=latest-counter]");
    const service = $("[data-testid=latest-service]");
    const box = $("[data-testid=latest]");
    box.classList.toggle("empty", !latest);
    if (!latest) {
      num.textContent = "";
      counter.textContent = L.no_calls;
      service.textContent = "";
      box.dataset.ticketId = "";
      box.dataset.booked = "false";
      $("[data-testid=latest-booked]").hidden = true;
      return;
    }
    num.textContent = latest.ticket.number;
    counter.textContent = latest.counter ? latest.counter.name : "";
    // the recall badge has a line of its own: the counter's name stays under the arrow
    const recall = $("[data-testid=latest-recall]");
    recall.textContent = latest.recall ? L.recall : "";
    recall.hidden = !latest.recall;
    // a booked ticket is marked, so the hall sees bookings honoured (a recall's badge first)
    const booked = $("[data-testid=latest-booked]");
    const markBooked = Boolean(latest.ticket.booked) && !latest.recall;
    booked.textContent = markBooked ? L.booked : "";
    booked.hidden = !markBooked;
    box.dataset.booked = markBooked ? "true" : "false";
    settle(latest);
    // the service may be shortened to fit; the agency's name never is
    service.replaceChildren();
    if (latest.ticket.service) service.appendChild(el("span", "ls-service", latest.ticket.service.name));
    const agency = latest.ticket.agency;
    if (agency) {
      service.appendChild(el("span", "ls-agency",
        (latest.ticket.service ? "— " : "") + (agency.short_name || agency.name)));
    }
    box.dataset.ticketId = String(latest.ticket.id);
    box.dataset.recall = latest.recall ? "true" : "false";
    if (flash) {
      box.classList.remove("flash");
      void box.offsetWidth; // restart the animation
      box.classList.add("flash");
    }
  }

  // A finished or missed headline does not stay the big news: it fades a while after.
  let fadeTimer = null;
  const FINAL = ["done", "no_show", "cancelled", "expired"];
  function settle(latest) {
    const box = $("[data-testid=latest]");
    const ended = latest && FINAL.includes(latest.ticket.status);
    if (!ended) {
      clearTimeout(fadeTimer);
      fadeTimer = null;
      box.classList.remove("settled");
      box.dataset.settledFor = "";
      return;
    }
    const key = String(latest.ticket.id);
    if (box.dataset.settledFor === key) return;  // already fading or faded
    box.dataset.settledFor = key;
    clearTimeout(fadeTimer);
    fadeTimer = setTimeout(() => { box.classList.add("settled"); }, FADE_MS);
  }

  function renderRecent() {
    const list = $("[data-testid=recent-calls]");
    list.replaceChildren();
    const seen = new Set();
    const calls = [];
    for (const c of visibleCalls()) {
      if (seen.has(c.ticket.id)) continue;   // a recall does not push other calls off the list
      seen.add(c.ticket.id);
      calls.push(c);
    }
    const rest = calls.slice(1, 1 + RECENT_SHOWN);
    if (!rest.length) {
      list.appendChild(el("li", "recent-empty", "—"));
      return;
    }
    for (const c of rest) {
      const li = el("li");
      li.dataset.number = c.ticket.number;
      // number | agency (36 px, wraps rather than being cut) | counter, on one row
      const left = el("div");
      left.appendChild(el("span", "r-number", c.ticket.number));
      if (c.ticket.booked) {
        li.dataset.booked = "true";
        left.appendChild(el("span", "r-booked", L.booked_short));
      }
      const ag = c.ticket.agency;
      const middle = el("div", "r-agency", ag ? (ag.short_name || ag.code) : "");
      const right = el("div", "r-counter", c.counter ? c.counter.name : "");
      li.append(left, middle, right);
      list.appendChild(li);
    }
  }

  function renderCounters() {
    const list = $("[data-testid=counters]");
    list.replaceChildren();
    const shown = state.counters.filter((c) => agencyVisible(c.agency) && (c.open || c.ticket));
    // two rows of tiles up to 14 counters (at least 4 columns), three rows of smaller ones beyond
    const rows = shown.length > 14 ? 3 : 2;
    const cols = Math.max(4, Math.ceil(shown.length / rows));
    list.style.setProperty("--cols", String(cols));
    list.classList.toggle("dense", shown.length > 14);
    // the agency's name (36 px, from 15 m) fits a tile only while one row holds them all;
    // beyond that the tiles drop it (the waiting panel names the agencies)
    list.classList.toggle("compact", cols > 4 || shown.length > cols);
    if (!shown.length) {
      list.appendChild(el("li", "tile-empty", L.no_counters));
      return;
    }
    for (const c of shown) {
      const li = el("li");
      li.dataset.counterId = String(c.id);
      li.dataset.status = c.ticket ? c.ticket.status : "idle";
      const name = el("div", "t-name", c.name);
      name.appendChild(el("span", "t-agency", c.agency.short_name || c.agency.code));
      li.appendChild(name);
      li.appendChild(el("div", "t-number", c.ticket ? c.ticket.number : "—"));
      li.title = c.agency.name;
      list.appendChild(li);
    }
    // many counters make narrow tiles: a number that would not fit is set smaller, never cut
    list.querySelectorAll(".t-number").forEach(fitWidth);
  }

  function fitWidth(e) {
    e.style.fontSize = "";
    const over = e.scrollWidth / Math.max(1, e.clientWidth);
    if (over > 1) e.style.fontSize = (parseFloat(getComputedStyle(e).fontSize) / over) * 0.97 + "px";
  }

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, (_, k) => values[k]);
  }
  function halfHours(minutes) {
    return new Intl.NumberFormat(L.locale, { maximumFractionDigits: 1 })
      .format(Math.ceil(minutes / 30) / 2);
  }

  // What a ticket taken now would wait at this agency, as the server estimates it
  // (mpp.services.outlook): a range over its services, wait_now for no wait, "—" while no
  // counter is open, and why not when none of its services issues tickets now.
  function waitText(row) {
    if (!row) return { text: L.wait_unknown, kind: "unknown" };
    if (row.issuing === false) {
      const why = { quota_reached: L.wait_full, break: L.wait_break }[row.closed_reason];
      return { text: why || L.wait_closed, kind: "shut" };
    }
    const high = row.estimated_wait_minutes;
    if (high === null || high === undefined) return { text: L.wait_unknown, kind: "unknown" };
    const low = typeof row.estimated_wait_minutes_min === "number" ? row.estimated_wait_minutes_min
      : high;
    if (high === 0) return { text: L.wait_now, kind: "zero" };
    if (high < 60) {
      return { kind: "minutes", text: low === high ? fmt(L.wait_minutes, { n: high })
        : fmt(L.wait_minutes_range, { low: low, high: high }) };
    }
    const lo = halfHours(low);
    const hi = halfHours(high);
    return { kind: "hours", text: lo === hi ? fmt(L.wait_hours, { n: hi })
      : fmt(L.wait_hours_range, { low: lo, high: hi }) };
  }

  function renderWaiting() {
    const list = $("[data-testid=waiting]");
    list.replaceChildren();
    for (const a of state.agencies.filter((x) => agencyVisible(x))) {
      const row = state.agencyWaiting[a.id];
      const li = el("li");
      li.dataset.agency = a.code;
      li.appendChild(el("span", "w-name", a.short_name || a.code));
      li.appendChild(el("span", "w-count", String((row && row.waiting) || 0)));
      const wait = waitText(row);
      const w = el("span", "w-wait", wait.text);
      w.dataset.kind = wait.kind;
      li.appendChild(w);
      li.title = a.name;
      list.appendChild(li);
    }
    paginate();
  }

  // The agencies that do not fit (names at 36 px, never cut) go to further pages, which
  // take turns every PAGE_MS; a redraw keeps the page on show.
  const pager = { page: 0, pages: 1, timer: null };
  function paginate() {
    const list = $("[data-testid=waiting]");
    const items = Array.from(list.children);
    items.forEach((li) => { li.hidden = false; });
    const room = list.clientHeight;
    let page = 0;
    let used = 0;
    for (const li of items) {
      const h = li.offsetHeight;
      // (no room measured: not laid out yet, all on one page until the next redraw)
      if (room > 0 && used > 0 && used + h > room + 1) { page += 1; used = 0; }
      li.dataset.page = String(page);
      used += h;
    }
    pager.pages = page + 1;
    if (pager.page >= pager.pages) pager.page = 0;
    showPage();
    if (pager.pages > 1 && !pager.timer) {
      pager.timer = setInterval(() => {
        pager.page = (pager.page + 1) % pager.pages;
        showPage();
      }, PAGE_MS);
    } else if (pager.pages <= 1 && pager.timer) {
      clearInterval(pager.timer);
      pager.timer = null;
    }
  }
  window.addEventListener("resize", paginate);
  function showPage() {
    const list = $("[data-testid=waiting]");
    Array.from(list.children).forEach((li) => { li.hidden = Number(li.dataset.page) !== pager.page; });
    const mark = $("[data-testid=waiting-page]");
    mark.hidden = pager.pages <= 1;
    mark.textContent = fmt(L.page, { page: pager.page + 1, pages: pager.pages });
    list.dataset.page = String(pager.page);
    list.dataset.pages = String(pager.pages);
  }

  // Several languages: the labels, the estimates and the date turn with the running text.
  function setLanguage(lang) {
    if (L === CATALOGUE.texts[lang]) return;
    L = CATALOGUE.texts[lang];
    boardEl.dataset.shownLang = lang;
    localize();
    $("[data-testid=sound-prompt]").textContent = L.enable_sound;
    if (boardEl.dataset.state !== "online") setConnection(boardEl.dataset.state);
    renderAll();
    tick();
  }

  function renderAll() {
    renderHeader();
    renderLatest(false);
    renderRecent();
    renderCounters();
    renderWaiting();
  }

  // -- the clock, in the site's time zone and corrected by the server's time ----------------
  function tick() {
    if (!state.site) return;
    const now = new Date(Date.now() + state.clockOffsetMs);
    const tz = state.site.timezone;
    try {
      $("[data-testid=clock]").textContent = new Intl.DateTimeFormat(L.locale, {
        timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
      }).format(now).replace(/\./g, ":");
      const date = new Intl.DateTimeFormat(L.locale, {
        timeZone: tz, weekday: "long", day: "numeric", month: "long", year: "numeric",
      }).format(now);
      const dateEl = $("[data-testid=date]");
      // a new business day: yesterday's calls go, from a fresh snapshot
      if (dateEl.textContent && dateEl.textContent !== date) requestSnapshot();
      dateEl.textContent = date;
    } catch (e) { /* an unknown time zone: keep the last text */ }
  }
  setInterval(tick, 1000);

  let socket = null;
  function requestSnapshot() {
    if (socket && socket.connected) socket.emit("snapshot");
  }
  setInterval(requestSnapshot, RESYNC_MS);

  // -- connection state --------------------------------------------------------------------
  function setConnection(status) {
    boardEl.dataset.state = status;
    const banner = $("[data-testid=connection-banner]");
    if (status === "online") {
      banner.hidden = true;
    } else {
      banner.textContent = status === "offline" ? L.offline : L.connecting;
      banner.hidden = false;
    }
  }
  function showNotice(html) {
    const n = $("[data-testid=board-notice]");
    n.innerHTML = html;
    n.hidden = false;
  }

  // -- announcements -----------------------------------------------------------------------
  const announcer = (function () {
    const audio = $("[data-testid=announcer-audio]");
    const log = $("[data-testid=announcement-log]");
    const prompt = $("[data-testid=sound-prompt]");
    const queue = [];
    let busy = false;
    let blocked = false;
    let seq = 0;
    prompt.textContent = L.enable_sound;

    class Blocked extends Error {}

    function fetchAnnouncement(item) {
      const url = boardEl.dataset.announcementUrl + "?number=" + encodeURIComponent(item.number)
        + "&counter_id=" + encodeURIComponent(item.counterId);
      // only a display may ask, with its token (the server speaks only real calls)
      return fetch(url, { cache: "no-store", headers: { Authorization: "Bearer " + token } })
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
    }

    function mark(item, status, extra) {
      item.li.dataset.state = status;
      Object.entries(extra || {}).forEach(([k, v]) => { item.li.dataset[k] = String(v); });
    }

    function play(src) {
      return new Promise((resolve, reject) => {
        let done = false;
        let guard = null;
        const finish = (ok) => {
          if (done) return;
          done = true;
          clearTimeout(guard);
          audio.onended = audio.onerror = audio.onloadedmetadata = null;
          ok ? resolve() : resolve("error");
        };
        audio.onended = () => finish(true);
        audio.onerror = () => finish(false);
        // a stuck audio device must never stop the queue: give up after the clip's length
        audio.onloadedmetadata = () => {
          clearTimeout(guard);
          guard = setTimeout(() => finish(false), (audio.duration || 10) * 1000 + 3000);
        };
        guard = setTimeout(() => finish(false), 20000);
        audio.src = src;
        const p = audio.play();
        if (p && p.catch) {
          p.catch((err) => {
            if (done) return;
            done = true;
            clearTimeout(guard);
            audio.onended = audio.onerror = audio.onloadedmetadata = null;
            if (err && err.name === "NotAllowedError") reject(new Blocked(err.message));
            else resolve("error");
          });
        }
      });
    }

    function speakFallback(text) {
      // used only when the server has no voice: a local Indonesian voice, if the TV has one
      const synth = window.speechSynthesis;
      const voices = synth ? synth.getVoices() : [];
      const voice = voices.find((v) => /^id([-_]|$)/i.test(v.lang));
      if (!voice) return new Promise((r) => setTimeout(() => r("text-only"), TEXT_ONLY_MS));
      return new Promise((resolve) => {
        const u = new SpeechSynthesisUtterance(text);
        u.voice = voice;
        u.lang = voice.lang;
        u.rate = 0.9;
        u.onend = () => resolve("speech");
        u.onerror = () => resolve("speech-error");
        synth.speak(u);
      });
    }

    async function announce(item) {
      const info = await item.info;
      const chime = (info && info.chime_url) || "/display/audio/chime.wav";
      mark(item, "playing", { startedAt: Date.now(), text: info ? info.text : "" });
      const chimeResult = await play(chime);
      let how = "voice";
      if (info && info.audio_url) {
        const r = await play(info.audio_url);
        if (r === "error") how = "error";
      } else {
        how = await speakFallback(info ? info.text : item.number);
      }
      mark(item, "done", { endedAt: Date.now(), how: how, chime: chimeResult || "ok" });
    }

    async function pump() {
      if (busy || blocked) return;
      busy = true;
      try {
        while (queue.length) {
          const item = queue[0];
          if (Date.now() - item.at > STALE_MS) {
            queue.shift();
            mark(item, "skipped", { reason: "stale" });
            continue;
          }
          try {
            await announce(item);
          } catch (err) {
            if (err instanceof Blocked) {
              // autoplay refused: keep the item, ask for one click, then carry on
              blocked = true;
              mark(item, "queued");
              prompt.hidden = false;
              return;
            }
            mark(item, "done", { endedAt: Date.now(), how: "error" });
          }
          queue.shift();
          if (queue.length) await new Promise((r) => setTimeout(r, GAP_MS));
        }
      } finally {
        busy = false;
      }
    }

    prompt.addEventListener("click", () => {
      prompt.hidden = true;
      blocked = false;
      pump();
    });

    function enqueue(call) {
      const item = {
        id: ++seq, number: call.ticket.number, counterId: call.counter.id, at: Date.now(),
      };
      const li = el("li", null, `${item.number} ${L.to_counter} ${call.counter.name}`);
      li.dataset.seq = String(item.id);
      li.dataset.number = item.number;
      li.dataset.counter = call.counter.name;
      li.dataset.recall = call.recall ? "true" : "false";
      li.dataset.state = "queued";
      li.dataset.queuedAt = String(item.at);
      item.li = li;
      log.appendChild(li);
      while (log.children.length > 100) log.removeChild(log.firstChild);
      item.info = fetchAnnouncement(item);   // fetched now, so the audio is ready in its turn
      queue.push(item);
      while (queue.length > QUEUE_LIMIT) mark(queue.splice(1, 1)[0], "skipped", { reason: "overflow" });
      pump();
    }

    return { enqueue: enqueue };
  })();

  // -- events ------------------------------------------------------------------------------
  // Every call this board has shown, by ticket, recall and time. A snapshot after a
  // reconnect then announces the calls made while the board was away (a network blip, a
  // server restart), and a `called` event that arrives after the snapshot already holding it
  // is not announced twice.
  const knownCalls = new Set();
  function callKey(call) { return `${call.ticket.id}|${call.recall ? 1 : 0}|${call.at}`; }
  function remember(call) {
    knownCalls.add(callKey(call));
    if (knownCalls.size > 500) knownCalls.delete(knownCalls.values().next().value);
  }

  function applySnapshot(snap) {
    const first = !boardEl.dataset.snapshots;
    const calls = (snap.recent_calls || []).filter((c) => c && c.ticket && c.counter);
    if (snap.now) state.clockOffsetMs = Date.parse(snap.now) - Date.now();
    const now = Date.now() + state.clockOffsetMs;
    // oldest first; on the first snapshot (a page load) nothing is announced
    const missed = first ? [] : calls.filter((c) => !knownCalls.has(callKey(c))
      && now - Date.parse(c.at) < STALE_MS).reverse();
    calls.forEach(remember);
    state.site = snap.site;
    state.agencies = snap.agencies || [];
    state.counters = snap.counters || [];
    state.recent = snap.recent_calls || [];
    state.board = snap.board || null;
    state.shown = shownAgencies();
    state.agencyWaiting = {};
    (snap.agency_waiting || []).forEach((r) => { state.agencyWaiting[r.agency_id] = r; });
    boardEl.dataset.snapshots = String(Number(boardEl.dataset.snapshots || 0) + 1);
    boardEl.dataset.snapshotAt = String(Date.now());
    renderAll();
    tick();
    missed.filter((c) => agencyVisible(c.ticket.agency)).forEach((c) => announcer.enqueue(c));
  }

  function applyCall(call) {
    if (!call || !call.ticket) return;
    if (call.at && knownCalls.has(callKey(call))) return;  // already shown from a snapshot
    if (call.at) remember(call);
    const counter = state.counters.find((c) => call.counter && c.id === call.counter.id);
    if (counter) counter.ticket = call.ticket;
    state.recent.unshift(call);
    state.recent.length = Math.min(state.recent.length, 50);
    if (!agencyVisible(call.ticket.agency)) {
      renderCounters();
      return;
    }
    boardEl.dataset.lastCallAt = String(Date.now());
    renderLatest(true);
    renderRecent();
    renderCounters();
    announcer.enqueue(call);
  }

  function applyQueue(counts) {
    if (!counts || !counts.agencies) return;
    state.agencyWaiting = {};
    counts.agencies.forEach((r) => { state.agencyWaiting[r.agency_id] = r; });
    renderWaiting();
  }

  function applyCounter(data) {
    const c = data && data.counter;
    if (!c) return;
    const i = state.counters.findIndex((x) => x.id === c.id);
    if (i >= 0) state.counters[i] = { ...state.counters[i], ...c, ticket: state.counters[i].ticket };
    else state.counters.push({ ...c, ticket: null });
    renderCounters();
  }

  function applySite(data) {
    // the admin changed the site's name or running text: no need to wait for a snapshot
    if (!data || !data.site || !state.site) return;
    state.site = { ...state.site, ...data.site };
    renderHeader();
  }

  function applyCounterTicket(data) {
    if (!data || !data.ticket) return;
    const t = data.ticket;
    // the headline's ticket ended (finished, missed): note it, so that it fades
    const calls = visibleCalls();
    if (calls[0] && calls[0].ticket.id === t.id) {
      calls[0].ticket = { ...calls[0].ticket, status: t.status };
      settle(calls[0]);
    }
    for (const c of state.counters) {
      const holds = c.ticket && c.ticket.id === t.id;
      const now = (t.status === "called" || t.status === "serving") && t.counter && t.counter.id === c.id;
      if (now) c.ticket = t;
      else if (holds) c.ticket = null;
    }
    renderCounters();
  }

  // -- connect -----------------------------------------------------------------------------
  localize();
  if (!token) {
    setConnection("offline");
    $("[data-testid=connection-banner]").hidden = true;
    showNotice(L.no_token);
    return;
  }
  if (typeof io !== "function") {
    showNotice(L.no_socketio);
    return;
  }
  setConnection("connecting");
  socket = io("/hall", {
    auth: { token: token }, transports: ["websocket"],
    reconnectionDelay: 1000, reconnectionDelayMax: 4000, randomizationFactor: 0.3,
  });
  socket.on("connect", () => {
    setConnection("online");
    $("[data-testid=board-notice]").hidden = true;
  });
  socket.on("disconnect", (reason) => {
    setConnection("offline");
    // the server closing the link (a restart or a kick) is not retried by socket.io itself
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
  });
  socket.on("connect_error", (err) => {
    setConnection("offline");
    const msg = String((err && err.message) || "");
    if (/unauthori[sz]ed/i.test(msg)) {
      showNotice(L.bad_token);
      // keep trying slowly: an admin may register the token again
      setTimeout(() => socket.connect(), 30000);
    } else if (!socket.active) {
      setTimeout(() => socket.connect(), 3000);
    }
  });
  socket.on("snapshot", applySnapshot);
  socket.on("called", applyCall);
  socket.on("queue", applyQueue);
  socket.on("counter", applyCounter);
  socket.on("counter_ticket", applyCounterTicket);
  socket.on("site", applySite);
  window.mppBoard = { state: state, socket: socket };
})();
