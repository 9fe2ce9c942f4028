/* The manager dashboard: reads /api/v1/reports/range and /reports/live with the session
 * cookie and draws the figures, tables and charts (Chart.js). Its texts come from the
 * page (#dash-texts: the language catalogue's "dashboard" section, mpp/i18n); numbers are
 * written the Indonesian way (decimal comma, thousands dot) in every language. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("dash-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var T = JSON.parse(document.getElementById("dash-texts").textContent);
  var LOCALE = T.number_locale || "id-ID";
  var charts = {};

  // "{name}" in a catalogue text replaced by values[name]
  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, k) {
      return values[k] === undefined ? all : values[k];
    });
  }
  function num(v) { return v === null || v === undefined ? "–" : v.toLocaleString(LOCALE); }
  function dur(sec) {
    if (sec === null || sec === undefined) { return "–"; }
    var s = Math.round(sec);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h) { return fmt(T.dur_hm, { h: h, m: m }); }
    if (m) { return fmt(T.dur_ms, { m: m, s: (r < 10 ? "0" : "") + r }); }
    return fmt(T.dur_s, { s: r });
  }
  // a number as an Indonesian reader writes it: decimal comma, thousands dot (91,67)
  function dec(v, digits) {
    return v === null || v === undefined ? "–"
      : v.toLocaleString(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function pct(v) { return v === null || v === undefined ? "–" : v.toLocaleString(LOCALE) + "%"; }
  function mins(v) { return v === null || v === undefined ? "–" : fmt(T.minutes, { n: dec(v, 1) }); }
  function minutes(sec) { return sec === null || sec === undefined ? null : Math.round(sec / 6) / 10; }

  function query() {
    var p = new URLSearchParams();
    p.set("from", $("f-from").value);
    p.set("to", $("f-to").value);
    var agency = $("f-agency").value;
    if (agency && !cfg.own_agency) { p.set("agency", agency); }
    return p;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            var e = (body && body.error) || {};
            throw new Error(e.message || ("HTTP " + r.status));
          }
          return body;
        });
      });
  }

  function cell(tr, text, cls, tag) {
    var td = document.createElement(tag || "td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
    return td;
  }

  function table(id, columns, rows) {
    var t = $(id);
    t.textContent = "";
    var head = t.createTHead().insertRow();
    columns.forEach(function (c) {
      var th = cell(head, c[0], c[2] ? "n" : "", "th");
      th.scope = "col";
    });
    var body = t.createTBody();
    if (!rows.length) {
      var tr = body.insertRow();
      var td = cell(tr, T.no_data, "muted");
      td.colSpan = columns.length;
    }
    rows.forEach(function (r) {
      var tr = body.insertRow();
      columns.forEach(function (c, i) {
        var td = cell(tr, c[1](r), c[2] ? "n" : "", i === 0 ? "th" : "td");
        if (i === 0) { td.scope = "row"; }
      });
    });
  }

  // [text, "good" | "bad" | ""]: the change from the previous period
  function delta(now, before, lowerIsBetter, show) {
    if (now === null || now === undefined || before === null || before === undefined) { return ["", ""]; }
    var d = now - before;
    if (Math.abs(d) < 1e-9) { return [T.same_as_before, ""]; }
    var better = lowerIsBetter ? d < 0 : d > 0;
    var values = { arrow: d > 0 ? "▲" : "▼", value: show(Math.abs(d)) };
    return better ? [fmt(T.delta_better, values), "good"] : [fmt(T.delta_worse, values), "bad"];
  }

  function neutral(now, before) {
    if (before === null || before === undefined) { return ["", ""]; }
    var d = now - before;
    return [d === 0 ? T.same_as_before
      : fmt(T.delta_neutral, { arrow: d > 0 ? "▲" : "▼", value: num(Math.abs(d)) }), ""];
  }

  // a row of cards: [label, value, [change text, "good" | "bad" | ""]]
  function cards(boxId, items) {
    var box = $(boxId);
    box.textContent = "";
    items.forEach(function (it) {
      var d = document.createElement("div");
      d.className = "card";
      var k = document.createElement("span"); k.className = "k"; k.textContent = it[0];
      var v = document.createElement("span"); v.className = "v"; v.textContent = it[1];
      var s = document.createElement("span"); s.className = "d"; s.textContent = (it[2] || [""])[0];
      if ((it[2] || [])[1]) { s.classList.add(it[2][1]); }
      d.appendChild(k); d.appendChild(v); d.appendChild(s);
      box.appendChild(d);
    });
  }

  function kpis(rep) {
    var t = rep.totals, p = (rep.previous && rep.previous.totals) || {};
    var ikm = (rep.ikm && rep.ikm.total) || null, pikm = (rep.previous && rep.previous.ikm) || null;
    cards("kpis", [
      [T.kpi_issued, num(t.issued), neutral(t.issued, p.issued)],
      [T.kpi_served, num(t.served), delta(t.served, p.served, false, num)],
      [T.kpi_no_show, num(t.no_show), delta(t.no_show, p.no_show, true, num)],
      [T.kpi_cancelled, num(t.cancelled)],
      [T.kpi_expired, num(t.expired)],
      [T.kpi_avg_wait, dur(t.avg_wait_seconds), delta(t.avg_wait_seconds, p.avg_wait_seconds, true, dur)],
      [T.kpi_p90_wait, dur(t.p90_wait_seconds), delta(t.p90_wait_seconds, p.p90_wait_seconds, true, dur)],
      [T.kpi_avg_service, dur(t.avg_service_seconds), delta(t.avg_service_seconds, p.avg_service_seconds, true, dur)],
      [T.kpi_p90_service, dur(t.p90_service_seconds), delta(t.p90_service_seconds, p.p90_service_seconds, true, dur)],
      [T.kpi_sla, pct(t.sla_percent), delta(t.sla_percent, p.sla_percent, false, function (x) { return fmt(T.points, { value: dec(x, 1) }); })],
      [T.kpi_ikm, ikm ? dec(ikm.ikm, 2) + " (" + ikm.grade + ")" : "–",
       ikm && pikm ? delta(ikm.ikm, pikm.ikm, false, function (x) { return dec(x, 2); })
         : [ikm ? fmt(T.respondents, { n: num(ikm.respondents) }) : T.no_survey, ""]],
    ]);
  }

  // bookings and their punctuality (the report's "bookings", mpp/domain/booking_report.py)
  function bookings(rep) {
    var bk = rep.bookings;
    $("bookings").hidden = !bk;
    if (!bk) { return; }
    var t = bk.totals, n = bk.within_minutes;
    $("bk-note").textContent = fmt(T.bk_note, { n: n });
    cards("bk-cards", [
      [T.bk_made, num(t.made)],
      [T.bk_checked_in, num(t.checked_in)],
      [T.bk_no_show, num(t.no_show)],
      [T.bk_cancelled, num(t.cancelled)],
      [fmt(T.bk_punctual, { n: n }), pct(t.punctual_percent),
       [t.called ? fmt(T.bk_of_called, { within: num(t.called_within), called: num(t.called) }) : "", ""]],
      [T.bk_median_late, mins(t.median_late_minutes)],
    ].concat(t.remote_joined ? [[T.bk_remote, num(t.remote_joined),
      [fmt(T.bk_remote_sub, { in: num(t.remote_checked_in), out: num(t.remote_expired) }), ""]]]
      : []));
    var figures = [
      [T.bk_col_made, function (r) { return num(r.made); }, 1],
      [T.bk_col_cancelled, function (r) { return num(r.cancelled); }, 1],
      [T.bk_col_checked_in, function (r) { return num(r.checked_in); }, 1],
      [T.bk_col_late, function (r) { return num(r.checked_in_late); }, 1],
      [T.bk_col_no_show, function (r) { return num(r.no_show); }, 1],
      [T.bk_col_pending, function (r) { return num(r.pending); }, 1],
      [T.bk_col_called, function (r) { return num(r.called); }, 1],
      [fmt(T.bk_col_punctual, { n: n }), function (r) { return pct(r.punctual_percent); }, 1],
      [T.bk_col_median, function (r) { return mins(r.median_late_minutes); }, 1],
    ];
    if (t.remote_joined) {  // remote tickets (remote join) in the period: their columns too
      figures = figures.concat([
        [T.bk_col_remote, function (r) { return num(r.remote_joined); }, 1],
        [T.bk_col_remote_in, function (r) { return num(r.remote_checked_in); }, 1],
        [T.bk_col_remote_expired, function (r) { return num(r.remote_expired); }, 1],
      ]);
    }
    $("bk-remote-note").hidden = !t.remote_joined;
    table("t-bk-service", [[T.col_service, function (r) { return r.name; }]].concat(figures),
          bk.by_service);
    table("t-bk-day", [[T.col_date, function (r) { return day(r.date); }]].concat(figures),
          bk.by_day.filter(function (r) { return r.made > 0 || r.remote_joined > 0; }));
  }

  // a date as people here write it: 23/11/2026
  function day(iso) { return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4); }

  function chart(id, config) {
    if (charts[id]) { charts[id].destroy(); }
    charts[id] = new Chart($(id), config);
  }

  function hourLabel(h) { return (h < 10 ? "0" : "") + h + ":00"; }

  function drawCharts(rep) {
    var hours = rep.by_hour.filter(function (h, i) {
      return (i >= 6 && i <= 18) || h.issued || h.served;
    });
    chart("chart-hours", {
      type: "bar",
      data: {
        labels: hours.map(function (h) { return hourLabel(h.hour); }),
        datasets: [
          { label: T.ds_issued, data: hours.map(function (h) { return h.issued; }), backgroundColor: "#0b5cad", order: 2 },
          { label: T.ds_served, data: hours.map(function (h) { return h.served; }), backgroundColor: "#2e9e5b", order: 2 },
          // the wait of the citizens who took their ticket in that hour (right-hand axis)
          { type: "line", label: T.ds_avg_wait_min, yAxisID: "wait", order: 1,
            data: hours.map(function (h) { return minutes(h.avg_wait_seconds); }),
            borderColor: "#e08a00", backgroundColor: "#e08a00", borderWidth: 2, pointRadius: 3,
            spanGaps: false },
        ],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, locale: LOCALE,
                 // the line is drawn over the bars (order), the legend keeps the data's order
                 plugins: { legend: { labels: { sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } } },
                 scales: { y: { beginAtZero: true, title: { display: true, text: T.axis_tickets } },
                           wait: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                                   title: { display: true, text: T.axis_wait_min } } } },
    });
    var ag = rep.by_agency.filter(function (a) { return a.issued > 0; });
    chart("chart-wait", {
      type: "bar",
      data: {
        labels: ag.map(function (a) { return a.name; }),
        datasets: [
          { label: T.ds_avg_min, data: ag.map(function (a) { return minutes(a.avg_wait_seconds); }), backgroundColor: "#0b5cad" },
          { label: T.ds_p90_min, data: ag.map(function (a) { return minutes(a.p90_wait_seconds); }), backgroundColor: "#e08a00" },
        ],
      },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
                 locale: LOCALE,
                 scales: { x: { beginAtZero: true, title: { display: true, text: T.axis_min } } } },
    });
    var multi = rep.by_day.length > 1;
    $("days-figure").hidden = !multi;
    if (multi) {
      chart("chart-days", {
        type: "line",
        data: {
          labels: rep.by_day.map(function (d) { return d.date.slice(5); }),
          datasets: [
            { label: T.ds_issued, data: rep.by_day.map(function (d) { return d.issued; }), borderColor: "#0b5cad", backgroundColor: "#0b5cad" },
            { label: T.ds_served, data: rep.by_day.map(function (d) { return d.served; }), borderColor: "#2e9e5b", backgroundColor: "#2e9e5b" },
          ],
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false, locale: LOCALE,
                   scales: { y: { beginAtZero: true } } },
      });
    }
  }

  function tables(rep) {
    var agencyName = {};
    var agencyCode = {};  // short: the service table is wide already
    rep.by_agency.forEach(function (a) { agencyName[a.id] = a.name; agencyCode[a.id] = a.code || a.name; });
    // the waiting and service times, alike in the service, agency and counter tables
    var TIMES = [
      [T.col_wait_avg, function (r) { return dur(r.avg_wait_seconds); }, 1],
      [T.col_wait_p90, function (r) { return dur(r.p90_wait_seconds); }, 1],
      [T.col_service_avg, function (r) { return dur(r.avg_service_seconds); }, 1],
      [T.col_service_p90, function (r) { return dur(r.p90_service_seconds); }, 1],
    ];
    // the published standard against the actual first (what this table is for), then the
    // counts and times; the agency last
    table("t-service", [
      [T.col_service, function (r) { return r.name; }],
      [T.col_standard, function (r) { return r.sla_minutes ? fmt(T.minutes, { n: num(r.sla_minutes) }) : "–"; }, 1],
      [T.col_actual, function (r) { return dur(r.avg_visit_seconds); }, 1],
      [T.col_sla, function (r) { return r.sla_total ? pct(r.sla_percent) + " (" + num(r.sla_met) + "/" + num(r.sla_total) + ")" : "–"; }, 1],
      [T.col_issued, function (r) { return num(r.issued); }, 1],
      [T.col_served, function (r) { return num(r.served); }, 1],
      [T.col_no_show, function (r) { return num(r.no_show); }, 1],
    ].concat(TIMES, [
      [T.col_agency, function (r) { return agencyCode[r.agency_id] || ""; }],
    ]), rep.by_service);
    table("t-agency", [
      [T.col_agency, function (r) { return r.name; }],
      [T.col_issued, function (r) { return num(r.issued); }, 1],
      [T.col_served, function (r) { return num(r.served); }, 1],
      [T.col_no_show, function (r) { return num(r.no_show); }, 1],
      [T.col_cancelled, function (r) { return num(r.cancelled); }, 1],
      [T.col_expired, function (r) { return num(r.expired); }, 1],
    ].concat(TIMES, [
      [T.col_sla, function (r) { return pct(r.sla_percent); }, 1],
    ]), rep.by_agency);
    table("t-counter", [
      [T.col_counter, function (r) { return r.name + " · " + (agencyName[r.agency_id] || ""); }],
      [T.col_handled, function (r) { return num(r.issued); }, 1],
      [T.col_served, function (r) { return num(r.served); }, 1],
      [T.col_no_show, function (r) { return num(r.no_show); }, 1],
    ].concat(TIMES, [
      [T.col_open, function (r) { return dur(r.open_seconds); }, 1],
      [T.col_served_per_open_hour, function (r) { return num(r.served_per_hour); }, 1],
    ]), rep.by_counter);
    table("t-staff", [
      [T.col_staff, function (r) { return r.name; }],
      [T.col_handled, function (r) { return num(r.issued); }, 1],
      [T.col_served, function (r) { return num(r.served); }, 1],
      [T.col_service_avg, function (r) { return dur(r.avg_service_seconds); }, 1],
      [T.col_service_p90, function (r) { return dur(r.p90_service_seconds); }, 1],
      [T.col_counter_open, function (r) { return dur(r.open_seconds); }, 1],
      [T.col_busy, function (r) { return dur(r.busy_seconds); }, 1],
      [T.col_idle, function (r) { return dur(r.idle_seconds); }, 1],
      [T.col_served_per_hour, function (r) { return num(r.served_per_hour); }, 1],
    ], rep.by_staff);
    // the hours in which anything happened; the first columns follow the citizens who took
    // a ticket in that hour, the last three the work the counters finished in it
    table("t-hour", [
      [T.col_hour, function (r) { return hourLabel(r.hour); }],
      [T.col_issued, function (r) { return num(r.issued); }, 1],
      [T.col_no_show, function (r) { return num(r.no_show); }, 1],
      [T.col_cancelled, function (r) { return num(r.cancelled); }, 1],
      [T.col_expired, function (r) { return num(r.expired); }, 1],
      [T.col_wait_avg, function (r) { return dur(r.avg_wait_seconds); }, 1],
      [T.col_wait_p90, function (r) { return dur(r.p90_wait_seconds); }, 1],
      [T.col_served, function (r) { return num(r.served); }, 1],
      [T.col_service_avg, function (r) { return dur(r.avg_service_seconds); }, 1],
      [T.col_service_p90, function (r) { return dur(r.p90_service_seconds); }, 1],
    ], rep.by_hour.filter(function (h) { return h.issued || h.served; }));
    table("t-priority", [
      [T.col_category, function (r) { return T["prio_" + r.category] || r.category; }],
      [T.col_issued, function (r) { return num(r.issued); }, 1],
      [T.col_served, function (r) { return num(r.served); }, 1],
      [T.col_wait_avg, function (r) { return dur(r.avg_wait_seconds); }, 1],
    ], rep.by_priority);
    var ikm = rep.ikm || {};
    $("ikm-total").textContent = ikm.total
      ? fmt(T.ikm_total, { ikm: dec(ikm.total.ikm, 2), grade: ikm.total.grade, mutu: ikm.total.mutu,
                           n: num(ikm.total.respondents) })
      : T.ikm_none;
    var cols = [
      [T.col_service, function (r) { return r.name; }],
      [T.col_respondents, function (r) { return num(r.respondents); }, 1],
      [T.col_ikm, function (r) { return r.ikm === undefined ? "–" : dec(r.ikm, 2); }, 1],
      [T.col_grade, function (r) { return r.grade ? r.grade + " " + r.mutu : "–"; }],
    ];
    for (var i = 1; i <= 9; i++) {
      (function (idx) {
        cols.push(["U" + idx, function (r) { return r.elements ? dec(r.elements[idx - 1].average, 2) : "–"; }, 1]);
      })(i);
    }
    table("t-ikm", cols, ikm.by_service || []);
    var agencyCols = cols.slice();
    agencyCols[0] = [T.col_agency, function (r) { return r.name; }];
    table("t-ikm-agency", agencyCols, ikm.by_agency || []);
  }

  function load() {
    var q = query();
    $("error").hidden = true;
    var single = q.get("from") === q.get("to");
    var base = "/api/v1/reports/";
    var exp = new URLSearchParams(q);
    if (single) { exp = new URLSearchParams({ date: q.get("from") }); if (q.get("agency")) { exp.set("agency", q.get("agency")); } }
    // Excel and the Indonesian CSV for people (Indonesian columns, minutes); "CSV data"
    // for programs (English columns, seconds)
    [["xlsx", "xlsx-id"], ["csv-id", "csv-id"], ["csv", "csv"]].forEach(function (pair) {
      var p = new URLSearchParams(exp); p.set("format", pair[1]);
      $("dl-" + pair[0]).href = base + (single ? "daily" : "range") + "?" + p.toString();
    });
    $("dl-evidence").href = "/reports/evidence?" + q.toString();
    document.body.setAttribute("data-state", "loading");
    return getJSON(base + "range?" + q.toString()).then(function (rep) {
      $("period-note").textContent = fmt(T.period_note, {
        from: day(rep.from), to: day(rep.to), days: num(rep.days),
        prev_from: day(rep.previous.from), prev_to: day(rep.previous.to) });
      kpis(rep);
      tables(rep);
      bookings(rep);
      drawCharts(rep);
      document.body.setAttribute("data-state", "ready");
    }).catch(function (err) {
      $("error").textContent = fmt(T.load_error, { message: err.message });
      $("error").hidden = false;
      document.body.setAttribute("data-state", "error");
    });
  }

  function live() {
    var p = new URLSearchParams();
    if ($("f-agency").value && !cfg.own_agency) { p.set("agency", $("f-agency").value); }
    return getJSON("/api/v1/reports/live?" + p.toString()).then(function (l) {
      $("live-waiting").textContent = num(l.waiting);
      $("live-longest").textContent = dur(l.longest_wait_seconds);
      $("live-counters").textContent = num(l.counters_open) + " / " + num(l.counters_total);
      $("live-inservice").textContent = num(l.in_service);
      $("live-served").textContent = num(l.served);
      $("live-at").textContent = "(" + l.now.slice(11, 16) + ")";
    }).catch(function () { $("live-at").textContent = T.live_offline; });
  }

  function shift(dateText, days) {
    var d = new Date(dateText + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  $("filters").addEventListener("submit", function (e) { e.preventDefault(); load(); live(); });
  Array.prototype.forEach.call(document.querySelectorAll(".quick button"), function (b) {
    b.addEventListener("click", function () {
      var days = parseInt(b.getAttribute("data-days"), 10);
      $("f-to").value = cfg.today;
      $("f-from").value = shift(cfg.today, 1 - days);
      load();
    });
  });
  var params = new URLSearchParams(location.search);
  if (params.get("from")) { $("f-from").value = params.get("from"); }
  if (params.get("to")) { $("f-to").value = params.get("to"); }
  load();
  live();
  setInterval(live, 30000);
})();
