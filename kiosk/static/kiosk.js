// The citizen's kiosk: agency -> service -> service standard -> (priority lane) -> ticket.
// Talks to the JSON API with the kiosk's device token; the ticket is shown on screen
// whatever the printer does. Resets itself to the first screen after an idle time.
"use strict";

(function () {
  const root = document.getElementById("kiosk");
  const TOKEN_KEY = "mpp.kiosk.token";
  const IDLE_SECONDS = Number(root.dataset.idle) || 45;
  const PRINT_WATCH_SECONDS = 20;
  const TURN_MARGIN_MS = 2000;  // after a minute turns, before the services are read again
  // a 503 database_unavailable is asked again this many times, Retry-After (5 s) apart
  const FAULT_RETRIES = 8;

  // The texts, one catalogue per language (mpp/i18n/catalogues/<lang>.json, section
  // "kiosk"), embedded by the page for every language the hall has; Indonesian first.
  const CATALOGUE = JSON.parse(document.getElementById("kiosk-texts").textContent);
  const TEXT = CATALOGUE.texts;
  const LANGS = CATALOGUE.languages;  // Indonesian first (JSON objects keep no order)
  const FIRST_LANG = LANGS.indexOf(root.dataset.lang) >= 0 ? root.dataset.lang : LANGS[0];
  // the values a text with {placeholders} takes, in the order callers give them
  const ARGS = {
    services_of: ["agency"], waiting: ["n"], services_open: ["n", "total"], minutes: ["n"],
    persons: ["n"], about_minutes: ["n"], print_failed: ["why"], countdown: ["n"],
    opens_on: ["day", "date", "time"],
  };
  const fill = (text, names, values) => String(text).replace(/\{(\w+)\}/g, (whole, name) => {
    const i = names.indexOf(name);
    return i >= 0 && values[i] !== undefined ? String(values[i]) : whole;
  });

  const state = {
    lang: FIRST_LANG,
    token: null,
    services: [],
    agencies: [],
    agency: null,
    service: null,
    ticket: null,
    screen: "loading",
    history: [],
    lastTouch: Date.now(),
    printWatch: null,
  };

  const $ = (id) => document.getElementById(id);
  const t = (key, ...args) => {
    let v = TEXT[state.lang][key];
    if (v === undefined) v = TEXT[LANGS[0]][key];  // a missing text reads in Indonesian
    if (key === "time") return args[0].replace(":", TEXT[state.lang].time_separator || ":");
    return typeof v === "string" && ARGS[key] ? fill(v, ARGS[key], args) : v;
  };
  const nextLang = () => LANGS[(LANGS.indexOf(state.lang) + 1) % LANGS.length];
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  // -- the device token ----------------------------------------------------------------------
  // Given once as /kiosk#token=... (a fragment never reaches the server, its logs or a
  // Referer) or, in older links, ?token=...; then kept in localStorage.
  function takeToken() {
    const url = new URL(window.location.href);
    const fromUrl = new URLSearchParams(url.hash.replace(/^#/, "")).get("token")
      || url.searchParams.get("token");
    if (fromUrl) {
      localStorage.setItem(TOKEN_KEY, fromUrl);
      url.searchParams.delete("token");  // keep it out of the address bar and history
      window.history.replaceState(null, "", url.pathname + url.search);
    }
    return localStorage.getItem(TOKEN_KEY);
  }

  async function api(path, options = {}) {
    const headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`/api/v1${path}`, {
      method: options.method || "GET", headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    const retryAfter = Number(response.headers.get("Retry-After")) || 0;
    return { status: response.status, data, retryAfter };
  }

  // -- screens ---------------------------------------------------------------------------------
  function show(name, remember = true) {
    if (name !== "booking") stopCamera();
    if (remember && state.screen !== name && !["loading", "setup"].includes(state.screen)) {
      state.history.push(state.screen);
    }
    state.screen = name;
    document.querySelectorAll(".k-screen").forEach((s) => {
      s.classList.toggle("active", s.dataset.screen === name);
    });
    root.dataset.current = name;
    const atHome = ["agencies", "loading", "setup"].includes(name);
    $("back").hidden = atHome || name === "ticket";
    $("home").hidden = atHome || name === "ticket";
    document.querySelector(".k-bottom").hidden = atHome || name === "ticket";
    window.scrollTo(0, 0);
    const main = document.querySelector(".k-main");
    if (main) main.scrollTop = 0;
  }

  function goHome() {
    stopPrintWatch();
    closeModal();
    state.history = [];
    state.agency = null;
    state.service = null;
    state.ticket = null;
    if (state.lang !== FIRST_LANG) {
      state.lang = FIRST_LANG;
      applyLanguage();
    }
    show("agencies", false);
    loadServices();
  }

  function goBack() {
    const previous = state.history.pop();
    if (!previous || previous === "ticket") { goHome(); return; }
    show(previous, false);
    loadServices();
  }

  // -- language --------------------------------------------------------------------------------
  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      node.textContent = t(node.dataset.i18n);
    });
    $("lang-toggle").textContent = TEXT[nextLang()]._language;
    $("lang-toggle").lang = nextLang();
    $("site-name").textContent = state.lang === "en" ? root.dataset.siteEn : root.dataset.siteId;
    renderAgencies();
    if (state.agency) renderServices();
    if (state.service) renderStandard();
    if (state.ticket) renderTicket();
    tickClock();
  }

  function toggleLanguage() {
    state.lang = nextLang();
    applyLanguage();
  }

  // -- data ------------------------------------------------------------------------------------
  let loading = 0;

  async function loadServices() {
    loading += 1;
    root.dataset.busy = "1";
    try {
      await fetchServices();
    } finally {
      loading -= 1;
      if (!loading) delete root.dataset.busy;
    }
  }

  async function fetchServices() {
    try {
      const r = await api("/services");
      if (r.status !== 200) throw new Error(String(r.status));
      state.services = r.data.services;
    } catch (_) {
      if (!state.services.length) showModal(t("error_title"), t("network_body"));
      return;
    }
    const seen = new Map();
    for (const s of state.services) {
      if (!seen.has(s.agency.id)) seen.set(s.agency.id, { ...s.agency, services: [] });
      seen.get(s.agency.id).services.push(s);
    }
    state.agencies = [...seen.values()];
    if (state.agency) state.agency = state.agencies.find((a) => a.id === state.agency.id) || null;
    if (state.service) state.service = state.services.find((s) => s.id === state.service.id) || null;
    renderAgencies();
    if (state.agency && state.screen === "services") renderServices();
    if (state.service && state.screen === "standard") renderStandard();
  }

  const serviceName = (s) => (state.lang === "en" ? s.name_en || s.name : s.name);

  // "Buka kembali Selasa, 24 November, pukul 08.00." from the server's opens_next, read as
  // written (the hall's time), whatever the kiosk PC's own clock and zone say.
  function opensNextText(iso) {
    if (!iso) return "";
    const time = t("time", iso.slice(11, 16));
    const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
    const at = new Date(Date.UTC(y, m - 1, d));
    const locale = t("locale");
    const date = at.toLocaleDateString(locale, { day: "numeric", month: "long", timeZone: "UTC" });
    const weekday = t("days")[["sun", "mon", "tue", "wed", "thu", "fri", "sat"][at.getUTCDay()]];
    return t("opens_on", weekday, date, time);
  }

  function closedText(s) {
    const reasons = t("reasons") || {};
    const reason = s.closed_reason;
    let text;
    // Indonesian: the server's own message (it names the time); other languages: theirs
    if (state.lang !== LANGS[0] && reason && reasons[reason]) text = reasons[reason];
    else if (reason === "quota_reached" && state.lang === LANGS[0]) text = t("quota_body");
    else text = s.closed_message || t("closed");
    // The Indonesian messages of not_yet_open and break already name the time.
    const named = state.lang === LANGS[0] && ["not_yet_open", "break"].includes(reason);
    const next = named ? "" : opensNextText(s.opens_next);
    return next ? `${text} ${next}` : text;
  }

  // -- rendering -------------------------------------------------------------------------------
  function renderAgencies() {
    const list = $("agency-list");
    list.replaceChildren();
    for (const a of state.agencies) {
      const open = a.services.filter((s) => s.open).length;
      const waiting = a.services.reduce((n, s) => n + (s.waiting || 0), 0);
      const b = el("button", "k-btn card" + (open ? "" : " is-closed"));
      b.type = "button";
      b.dataset.agency = a.code;
      b.append(el("span", "k-card-title", a.short_name || a.code));
      b.append(el("span", "k-card-sub", a.name));
      const meta = el("span", "k-card-meta");
      meta.append(el("span", open ? "k-pill open" : "k-pill closed",
                     open ? t("services_open", open, a.services.length) : t("closed")));
      meta.append(el("span", "k-pill", t("waiting", waiting)));
      b.append(meta);
      b.addEventListener("click", () => {
        state.agency = a;
        renderServices();
        show("services");
        loadServices();  // open, closed and waiting counts as of now
      });
      list.append(b);
    }
  }

  function renderServices() {
    const a = state.agency;
    if (!a) return;
    $("services-title").textContent = t("services_of", a.short_name || a.name);
    const list = $("service-list");
    list.replaceChildren();
    for (const s of a.services) {
      const b = el("button", "k-btn card" + (s.open ? "" : " is-closed"));
      b.type = "button";
      b.dataset.service = s.code;
      const title = el("span", "k-card-title");
      title.append(el("span", "k-prefix", s.prefix), document.createTextNode(serviceName(s)));
      b.append(title);
      const meta = el("span", "k-card-meta");
      meta.append(el("span", s.open ? "k-pill open" : "k-pill closed",
                     s.open ? t("open") : (s.closed_reason === "quota_reached"
                                           ? t("quota_pill") : t("closed"))));
      meta.append(el("span", "k-pill", t("waiting", s.waiting || 0)));
      b.append(meta);
      if (!s.open) b.append(el("span", "k-card-closed", closedText(s)));
      // takes tickets, but nobody calls them yet (before staff sign in): say so before a tap
      else if (s.open_counters === 0) b.append(el("span", "k-card-note", t("no_counter_yet")));
      b.addEventListener("click", () => {
        state.service = s;
        renderStandard();
        show("standard");
        loadServices();
      });
      list.append(b);
    }
  }

  function section(title, content) {
    const box = el("section", "k-std-part");
    box.append(el("h2", null, title));
    box.append(content);
    return box;
  }

  function listOf(items, ordered) {
    const list = el(ordered ? "ol" : "ul");
    for (const item of items) list.append(el("li", null, item));
    return list;
  }

  // The week in weekday order from the server's hours_week groups, in the page's language:
  // "Senin–Kamis 08.00–14.00 · Jumat 08.00–11.30, 13.00–14.00 · Sabtu–Minggu tutup".
  function hoursText(s) {
    const groups = s.hours_week || [];
    if (!groups.length) return "";
    const always = (g) => g.ranges.length === 1 && g.ranges[0][0] === "00:00"
      && g.ranges[0][1] === "24:00";
    if (groups.length === 1 && always(groups[0])) return t("hours_24");
    const days = t("days");
    return groups.map((g) => {
      const when = g.from === g.to ? days[g.from] : `${days[g.from]}–${days[g.to]}`;
      const ranges = g.ranges.length
        ? g.ranges.map(([a, b]) => `${t("time", a)}–${t("time", b)}`).join(", ")
        : t("hours_closed");
      return `${when} ${ranges}`;
    }).join(" · ");
  }

  // A text of the standard in the page's language: English where the service has it, else
  // the Indonesian one, marked (lang="id" and a visible note) so nobody takes it for missing.
  function standardPart(s, key) {
    const english = (s.texts_en || {})[key];
    const has = (v) => (Array.isArray(v) ? v.length > 0 : !!v);
    if (state.lang === "en" && has(english)) return { value: english, fallback: false };
    return { value: s[key], fallback: state.lang !== LANGS[0] && has(s[key]) };
  }

  function standardSection(s, key, title, render) {
    const part = standardPart(s, key);
    const content = render(part.value);
    const box = section(title, content);
    if (part.fallback) {
      content.lang = "id";
      box.classList.add("is-fallback");
      box.querySelector("h2").append(el("span", "k-fallback", t("only_indonesian")));
    }
    return box;
  }

  function renderStandard() {
    const s = state.service;
    if (!s) return;
    $("std-title").textContent = serviceName(s);
    $("std-agency").textContent = s.agency.name;
    const body = $("std-body");
    body.replaceChildren();
    body.append(standardSection(s, "requirements", t("requirements"), (reqs) => (
      (reqs || []).length ? listOf(reqs, false) : el("p", null, t("none_listed")))));
    if ((s.procedure || []).length) {
      body.append(standardSection(s, "procedure", t("procedure"), (v) => listOf(v, true)));
    }
    if (s.product) body.append(standardSection(s, "product", t("product"), (v) => el("p", null, v)));
    const facts = el("dl", "k-std-facts");
    const fact = (label, value) => {
      const row = el("div");
      row.append(el("dt", null, label), el("dd", null, value));
      facts.append(row);
    };
    if (s.sla_minutes) fact(t("duration"), t("minutes", s.sla_minutes));
    const fee = s.fee ? `Rp ${new Intl.NumberFormat("id-ID").format(s.fee)}` +
      (s.fee_note ? ` (${s.fee_note})` : "") : t("free");
    fact(t("fee"), fee);
    if (s.hours_week) fact(t("hours"), hoursText(s));
    body.append(facts);
    if (s.complaints) {
      body.append(standardSection(s, "complaints", t("complaints"), (v) => el("p", null, v)));
    }
    if (s.legal_basis) body.append(section(t("legal_basis"), el("p", "k-small", s.legal_basis)));

    const closed = $("std-closed");
    closed.hidden = s.open;
    closed.replaceChildren();
    if (!s.open) {
      closed.append(el("strong", null, s.closed_reason === "quota_reached" ? t("quota_title")
                                                                           : t("closed_title")));
      closed.append(el("span", null, closedText(s)));
    }
    $("take-regular").hidden = !s.open;
    $("take-priority").hidden = !s.open || !s.priority_enabled;
  }

  function renderTicket() {
    const tk = state.ticket;
    if (!tk) return;
    $("t-number").textContent = tk.number;
    const prio = $("t-priority");
    prio.hidden = !tk.priority && !tk.booked;
    prio.textContent = tk.booked ? t("booked_badge")
      : tk.priority ? (t("cat_short")[tk.priority_category] || t("priority_lane")) : "";
    $("t-service").textContent = state.lang === "en" ? tk.service.name_en || tk.service.name
                                                     : tk.service.name;
    $("t-agency").textContent = tk.agency.name;
    $("t-ahead").textContent = t("persons", tk.people_ahead);
    const wait = tk.estimated_wait_minutes;
    // no counter serves the service yet (before staff sign in): no estimate holds
    $("t-wait").textContent = tk.open_counters === 0 ? t("no_counter")
      : wait === null || wait === undefined ? t("unknown_wait")
      : (wait === 0 ? t("soon") : t("about_minutes", wait));
    const taken = tk.arrived_at || tk.issued_at;  // a booked ticket: its check-in, not its slot
    $("t-time").textContent = taken ? taken.slice(11, 16) : "";  // site time
    renderPrintState();
  }

  // -- taking a ticket -------------------------------------------------------------------------
  let taking = false;

  async function takeTicket(category) {
    const s = state.service;
    if (!s || taking) return;
    taking = true;
    // the language on screen is the printed ticket's (a language of the hall's catalogues)
    const body = { service_id: s.id, lang: state.lang };
    if (category) body.priority_category = category;
    let r;
    // The server answers 503 database_unavailable when its database is briefly unreachable:
    // that request wrote nothing, so the kiosk asks again by itself for a while, saying so.
    for (let attempt = 0; ; attempt++) {
      try {
        r = await api("/tickets", { method: "POST", body });
      } catch (_) {
        taking = false;
        showModal(t("error_title"), t("network_body"));
        return;
      }
      const fault = r.status === 503 && r.data && r.data.error &&
        r.data.error.code === "database_unavailable";
      if (!fault) break;
      if (attempt >= FAULT_RETRIES) {
        taking = false;
        showModal(t("fault_title"), t("fault_body"), "fault");
        return;
      }
      showModal(t("fault_title"), t("fault_retrying"), "retrying");
      await new Promise((done) => setTimeout(done, 1000 * (r.retryAfter || 5)));
      if ($("modal").hidden || $("modal").dataset.kind !== "retrying") {
        taking = false;  // the citizen closed the message: they gave up
        return;
      }
    }
    if ($("modal").dataset.kind === "retrying") closeModal();
    taking = false;
    if (r.status === 201) {
      showTicket(r.data.ticket);
      return;
    }
    const code = r.data && r.data.error ? r.data.error.code : "";
    if (code === "quota_reached") {
      showModal(t("quota_title"), t("quota_body"), "quota");
    } else if (code === "service_closed") {
      await loadServices();
      const fresh = state.services.find((x) => x.id === s.id);
      const msg = fresh && !fresh.open ? closedText(fresh)
        : (state.lang !== LANGS[0] ? t("closed_title") : r.data.error.message || "");
      showModal(t("closed_title"), msg, "closed");
    } else if (code === "priority_not_available") {
      showModal(t("error_title"), t("no_priority"));
    } else if (r.status === 401 || r.status === 403) {
      show("setup", false);
      return;
    } else {
      showModal(t("error_title"), t("error_body"));
    }
    loadServices().then(() => { if (state.screen === "standard") renderStandard(); });
  }

  function showTicket(ticket) {
    state.ticket = ticket;
    state.print = { job: null, printer: null, phase: "printing" };
    $("t-qr").src = `/api/v1/tickets/by-token/${encodeURIComponent(ticket.token)}/qr.svg`;
    $("t-qr").alt = ticket.status_url;
    renderTicket();
    state.history = [];
    show("ticket", false);
    watchPrint();
  }

  // -- a booking's check-in: the code typed on the screen's keys, or by a scanner ------------
  const CODE_KEYS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

  function openBooking() {
    $("booking-code").value = "";
    if (!camera.unavailable) $("booking-camera-note").textContent = "";
    show("booking");
    $("booking-code").focus();
  }

  // -- the camera: the booking's (or remote ticket's) QR code read by jsQR ------------------
  // Besides the on-screen keys and a USB scanner (which types the code and Enter), the kiosk's
  // own camera reads the QR code. Browsers give a camera only to a secure origin (https, or
  // localhost; docs/kiosk.md) and with permission; without one the button says so.
  const camera = { stream: null, timer: null, canvas: null, unavailable: false };

  /* The code in what a QR code carries: the bare code, or an address ending in it. */
  function codeFromScan(text) {
    const plain = String(text).trim().toUpperCase();
    const m = plain.match(/([A-HJ-NP-Z2-9]{6})\/?$/);
    return m ? m[1] : plain.replace(/[\s-]/g, "").slice(0, 12);
  }

  function setCameraButton(key) {
    const b = $("booking-camera");
    b.dataset.i18n = key;
    b.textContent = t(key);
  }

  function cameraUnavailable(key) {
    camera.unavailable = true;
    stopCamera();
    setCameraButton("camera_unavailable");
    $("booking-camera").disabled = true;
    $("booking-camera-note").dataset.i18n = key;
    $("booking-camera-note").textContent = t(key);
  }

  async function toggleCamera() {
    if (camera.stream) { stopCamera(); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia
        || typeof window.jsQR !== "function") {
      cameraUnavailable("camera_none");
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" },
                                                           audio: false });
    } catch (e) {
      const denied = e && (e.name === "NotAllowedError" || e.name === "SecurityError");
      cameraUnavailable(denied ? "camera_denied" : "camera_none");
      return;
    }
    if (state.screen !== "booking") { stream.getTracks().forEach((tr) => tr.stop()); return; }
    camera.stream = stream;
    const video = $("booking-video");
    video.srcObject = stream;
    video.hidden = false;
    try { await video.play(); } catch (_) { /* frames are read all the same */ }
    setCameraButton("scan_stop");
    $("booking-camera-note").dataset.i18n = "scan_camera_hint";
    $("booking-camera-note").textContent = t("scan_camera_hint");
    scanFrame();
  }

  function scanFrame() {
    camera.timer = null;
    if (!camera.stream) return;
    const video = $("booking-video");
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (video.readyState >= 2 && w && h) {
      const canvas = camera.canvas || (camera.canvas = document.createElement("canvas"));
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, w, h);
      const found = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h,
                                { inversionAttempts: "attemptBoth" });
      if (found && found.data) {
        stopCamera();
        $("booking-code").value = codeFromScan(found.data);
        checkIn();
        return;
      }
    }
    camera.timer = setTimeout(scanFrame, 150);
  }

  function stopCamera() {
    if (camera.timer) clearTimeout(camera.timer);
    camera.timer = null;
    if (camera.stream) camera.stream.getTracks().forEach((tr) => tr.stop());
    camera.stream = null;
    const video = $("booking-video");
    if (video) { video.srcObject = null; video.hidden = true; }
    if (!camera.unavailable && $("booking-camera")) {
      setCameraButton("scan_camera");
      $("booking-camera-note").textContent = "";
      delete $("booking-camera-note").dataset.i18n;
    }
  }

  function buildKeys() {
    const keys = $("booking-keys");
    [...CODE_KEYS, "\u232b"].forEach((ch) => {
      const b = el("button", "k-btn key", ch);
      b.type = "button";
      if (ch === "\u232b") b.setAttribute("aria-label", t("erase"));
      b.addEventListener("click", () => {
        const input = $("booking-code");
        input.value = ch === "\u232b" ? input.value.slice(0, -1)
                                       : (input.value + ch).slice(0, 6);
      });
      keys.append(b);
    });
    // a USB scanner types the code and Enter
    $("booking-code").addEventListener("keydown", (e) => { if (e.key === "Enter") checkIn(); });
    $("booking-go").addEventListener("click", checkIn);
    $("booking-camera").addEventListener("click", toggleCamera);
  }

  async function checkIn() {
    const code = $("booking-code").value.replace(/[\s-]/g, "").toUpperCase();
    if (!code || taking) return;
    taking = true;
    let r;
    try {
      r = await api("/bookings/check-in", { method: "POST", body: { code, lang: state.lang } });
    } catch (_) {
      taking = false;
      showModal(t("error_title"), t("network_body"));
      return;
    }
    taking = false;
    if (r.status === 201) {
      showTicket(r.data.ticket);
      return;
    }
    const error = (r.data && r.data.error) || {};
    if (r.status === 404) {
      showModal(t("booking_title"), t("booking_unknown"));
    } else if (r.status === 409 && error.message) {
      // the server's message reads "Indonesian / English"
      const parts = error.message.split(" / ");
      showModal(t("booking_title"), state.lang === LANGS[0] ? parts[0] : parts[1] || parts[0]);
    } else if (r.status === 401 || r.status === 403) {
      show("setup", false);
    } else {
      showModal(t("error_title"), t("error_body"));
    }
  }

  // -- the printer -----------------------------------------------------------------------------
  function stopPrintWatch() {
    if (state.printWatch) clearTimeout(state.printWatch);
    state.printWatch = null;
  }

  function watchPrint() {
    stopPrintWatch();
    const token = state.ticket.token;
    const started = Date.now();
    const poll = async () => {
      if (!state.ticket || state.ticket.token !== token) return;
      let r = null;
      try { r = await api(`/tickets/by-token/${encodeURIComponent(token)}/print`); } catch (_) { r = null; }
      if (r && r.status === 200 && state.ticket && state.ticket.token === token) {
        state.print = { job: r.data.job, printer: r.data.printer, phase: printPhase(r.data) };
        renderPrintState();
        if (state.print.phase === "printed" || state.print.phase === "none") return;
      }
      if (Date.now() - started < PRINT_WATCH_SECONDS * 1000) {
        state.printWatch = setTimeout(poll, 1000);
      }
    };
    poll();
  }

  function printPhase(data) {
    if (!data.job) return "none";
    if (data.job.state === "printed") return "printed";
    const p = data.printer;
    if (data.job.state === "failed" || data.job.state === "given_up") return "failed";
    if (p && p.problem) return "failed";
    return "printing";
  }

  function renderPrintState() {
    const box = $("t-print");
    const info = state.print || { phase: "printing" };
    box.className = `k-print ${info.phase}`;
    if (info.phase === "printed") box.textContent = t("printed");
    else if (info.phase === "none") box.textContent = t("no_printer");
    else if (info.phase === "failed") {
      const problem = info.printer ? info.printer.problem : "agent_offline";
      const why = problem === "out_of_paper" ? t("out_of_paper")
        : (problem === "printer_error" ? t("printer_error") : t("printer_offline"));
      box.textContent = t("print_failed", why);
    } else box.textContent = t("printing");
  }

  // -- messages --------------------------------------------------------------------------------
  function showModal(title, body, kind) {
    $("modal-title").textContent = title;
    $("modal-body").textContent = body;
    $("modal").dataset.kind = kind || "error";
    $("modal").hidden = false;
    $("modal-ok").focus();
  }

  function closeModal() { $("modal").hidden = true; }

  // -- idle reset and clock --------------------------------------------------------------------
  function touched() { state.lastTouch = Date.now(); }

  function idleTick() {
    const idleFor = (Date.now() - state.lastTouch) / 1000;
    const left = Math.ceil(IDLE_SECONDS - idleFor);
    if (state.screen === "ticket") $("t-countdown").textContent = t("countdown", Math.max(left, 0));
    const away = state.screen !== "agencies" || !$("modal").hidden ||
      state.lang !== FIRST_LANG;
    if (away && !["loading", "setup"].includes(state.screen) && idleFor >= IDLE_SECONDS) {
      touched();
      goHome();
    }
  }

  // Services open and close on whole minutes of the hall's clock (its hours, the Friday
  // break): the lists and the standard are read again just after each minute turns, so a
  // service opening at 08.00 is offered from 08.00, not up to a minute later. The margin
  // allows for the kiosk PC's clock being a little ahead of the server's.
  function refreshAtMinuteTurns() {
    const wait = 60000 - (Date.now() % 60000) + TURN_MARGIN_MS;
    setTimeout(() => {
      if (["agencies", "services", "standard"].includes(state.screen) && !loading) {
        loadServices();
      }
      refreshAtMinuteTurns();
    }, wait);
  }

  function tickClock() {
    const now = new Date();
    const locale = t("locale");
    const options = { weekday: "long", day: "numeric", month: "long", hour: "2-digit",
                      minute: "2-digit" };
    if (root.dataset.timezone) options.timeZone = root.dataset.timezone;  // the hall's time
    $("clock").textContent = now.toLocaleString(locale, options);
  }

  // -- start -----------------------------------------------------------------------------------
  async function start() {
    ["pointerdown", "touchstart", "keydown", "wheel"].forEach((name) => {
      document.addEventListener(name, touched, { passive: true, capture: true });
    });
    $("lang-toggle").addEventListener("click", toggleLanguage);
    $("back").addEventListener("click", goBack);
    $("home").addEventListener("click", goHome);
    $("done").addEventListener("click", goHome);
    $("modal-ok").addEventListener("click", closeModal);
    $("take-regular").addEventListener("click", () => takeTicket(null));
    $("have-booking").addEventListener("click", openBooking);
    buildKeys();
    $("take-priority").addEventListener("click", () => show("priority"));
    document.querySelectorAll("#priority-list [data-category]").forEach((b) => {
      b.addEventListener("click", () => takeTicket(b.dataset.category));
    });
    document.addEventListener("contextmenu", (e) => e.preventDefault());
    applyLanguage();
    setInterval(idleTick, 500);
    setInterval(tickClock, 15000);
    refreshAtMinuteTurns();

    state.token = takeToken();
    if (!state.token) { show("setup", false); return; }
    connect();
  }

  async function connect() {
    let me = null;
    try {
      me = await api("/auth/me");
    } catch (_) {
      me = null;
    }
    if (!me || me.status >= 500) {
      // The server is down or the network is out: say so and try again, do not ask for setup.
      showModal(t("network_title"), t("network_body"), "network");
      setTimeout(connect, 5000);
      return;
    }
    if (me.status !== 200 || !me.data || me.data.role !== "kiosk") {
      show("setup", false);
      return;
    }
    if ($("modal").dataset.kind === "network") closeModal();
    await loadServices();
    show("agencies", false);
    root.dataset.ready = "1";
  }

  start();
})();
