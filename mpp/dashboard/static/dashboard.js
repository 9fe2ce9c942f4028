/* The manager dashboard: reads /api/v1/reports/range and /reports/live with the session
 * cookie and draws the figures, tables and charts (Chart.js). */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("dash-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  var PRIORITY = { elderly: "Lansia", disabled: "Penyandang disabilitas", pregnant: "Ibu hamil",
                   child: "Anak / ibu membawa balita", other: "Prioritas lain", regular: "Reguler" };

  function num(v) { return v === null || v === undefined ? "–" : v.toLocaleString("id-ID"); }
  function dur(sec) {
    if (sec === null || sec === undefined) { return "–"; }
    var s = Math.round(sec);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h) { return h + " j " + m + " mnt"; }
    if (m) { return m + " mnt " + (r < 10 ? "0" : "") + r + " dtk"; }
    return r + " dtk";
  }
  // a number as an Indonesian reader writes it: decimal comma, thousands dot (91,67)
  function dec(v, digits) {
    return v === null || v === undefined ? "–"
      : v.toLocaleString("id-ID", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function pct(v) { return v === null || v === undefined ? "–" : v.toLocaleString("id-ID") + "%"; }
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
      var td = cell(tr, "Tidak ada data pada periode ini.", "muted");
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

  function delta(now, before, lowerIsBetter, fmt) {
    if (now === null || now === undefined || before === null || before === undefined) { return ""; }
    var d = now - before;
    if (Math.abs(d) < 1e-9) { return "sama dengan periode sebelumnya"; }
    var better = lowerIsBetter ? d < 0 : d > 0;
    return (d > 0 ? "▲ " : "▼ ") + fmt(Math.abs(d)) + (better ? " (lebih baik)" : " (lebih buruk)");
  }

  function neutral(now, before) {
    if (before === null || before === undefined) { return ""; }
    var d = now - before;
    return d === 0 ? "sama dengan periode sebelumnya" : (d > 0 ? "▲ " : "▼ ") + num(Math.abs(d)) + " dari periode sebelumnya";
  }

  function kpis(rep) {
    var t = rep.totals, p = (rep.previous && rep.previous.totals) || {};
    var ikm = (rep.ikm && rep.ikm.total) || null, pikm = (rep.previous && rep.previous.ikm) || null;
    var items = [
      ["Tiket diambil", num(t.issued), neutral(t.issued, p.issued)],
      ["Selesai dilayani", num(t.served), delta(t.served, p.served, false, num)],
      ["Tidak hadir", num(t.no_show), delta(t.no_show, p.no_show, true, num)],
      ["Dibatalkan", num(t.cancelled), ""],
      ["Kedaluwarsa", num(t.expired), ""],
      ["Rata-rata tunggu", dur(t.avg_wait_seconds), delta(t.avg_wait_seconds, p.avg_wait_seconds, true, dur)],
      ["Tunggu persentil 90", dur(t.p90_wait_seconds), delta(t.p90_wait_seconds, p.p90_wait_seconds, true, dur)],
      ["Rata-rata layanan", dur(t.avg_service_seconds), delta(t.avg_service_seconds, p.avg_service_seconds, true, dur)],
      ["Layanan persentil 90", dur(t.p90_service_seconds), delta(t.p90_service_seconds, p.p90_service_seconds, true, dur)],
      ["Sesuai standar waktu", pct(t.sla_percent), delta(t.sla_percent, p.sla_percent, false, function (x) { return dec(x, 1) + " poin"; })],
      ["IKM", ikm ? dec(ikm.ikm, 2) + " (" + ikm.grade + ")" : "–",
       ikm && pikm ? delta(ikm.ikm, pikm.ikm, false, function (x) { return dec(x, 2); }) : (ikm ? ikm.respondents + " responden" : "belum ada survei")],
    ];
    var box = $("kpis");
    box.textContent = "";
    items.forEach(function (it) {
      var d = document.createElement("div");
      d.className = "card";
      var k = document.createElement("span"); k.className = "k"; k.textContent = it[0];
      var v = document.createElement("span"); v.className = "v"; v.textContent = it[1];
      var s = document.createElement("span"); s.className = "d"; s.textContent = it[2];
      if (/lebih baik/.test(it[2])) { s.classList.add("good"); }
      if (/lebih buruk/.test(it[2])) { s.classList.add("bad"); }
      d.appendChild(k); d.appendChild(v); d.appendChild(s);
      box.appendChild(d);
    });
  }

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
          { label: "Diambil", data: hours.map(function (h) { return h.issued; }), backgroundColor: "#0b5cad", order: 2 },
          { label: "Selesai", data: hours.map(function (h) { return h.served; }), backgroundColor: "#2e9e5b", order: 2 },
          // the wait of the citizens who took their ticket in that hour (right-hand axis)
          { type: "line", label: "Rata-rata tunggu (menit)", yAxisID: "wait", order: 1,
            data: hours.map(function (h) { return minutes(h.avg_wait_seconds); }),
            borderColor: "#e08a00", backgroundColor: "#e08a00", borderWidth: 2, pointRadius: 3,
            spanGaps: false },
        ],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 // the line is drawn over the bars (order), the legend keeps the data's order
                 plugins: { legend: { labels: { sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } } },
                 scales: { y: { beginAtZero: true, title: { display: true, text: "tiket" } },
                           wait: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                                   title: { display: true, text: "menit tunggu" } } } },
    });
    var ag = rep.by_agency.filter(function (a) { return a.issued > 0; });
    chart("chart-wait", {
      type: "bar",
      data: {
        labels: ag.map(function (a) { return a.name; }),
        datasets: [
          { label: "Rata-rata (menit)", data: ag.map(function (a) { return minutes(a.avg_wait_seconds); }), backgroundColor: "#0b5cad" },
          { label: "Persentil 90 (menit)", data: ag.map(function (a) { return minutes(a.p90_wait_seconds); }), backgroundColor: "#e08a00" },
        ],
      },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { x: { beginAtZero: true, title: { display: true, text: "menit" } } } },
    });
    var multi = rep.by_day.length > 1;
    $("days-figure").hidden = !multi;
    if (multi) {
      chart("chart-days", {
        type: "line",
        data: {
          labels: rep.by_day.map(function (d) { return d.date.slice(5); }),
          datasets: [
            { label: "Diambil", data: rep.by_day.map(function (d) { return d.issued; }), borderColor: "#0b5cad", backgroundColor: "#0b5cad" },
            { label: "Selesai", data: rep.by_day.map(function (d) { return d.served; }), borderColor: "#2e9e5b", backgroundColor: "#2e9e5b" },
          ],
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   scales: { y: { beginAtZero: true } } },
      });
    }
  }

  function tables(rep) {
    var agencyName = {};
    var agencyCode = {};  // short: the service table is wide already
    rep.by_agency.forEach(function (a) { agencyName[a.id] = a.name; agencyCode[a.id] = a.code || a.name; });
    // the published standard against the actual first (what this table is for), then the
    // counts and times; the agency last
    table("t-service", [
      ["Layanan", function (r) { return r.name; }],
      ["Standar waktu", function (r) { return r.sla_minutes ? r.sla_minutes + " mnt" : "–"; }, 1],
      ["Realisasi (ambil–selesai)", function (r) { return dur(r.avg_visit_seconds); }, 1],
      ["Sesuai standar", function (r) { return r.sla_total ? pct(r.sla_percent) + " (" + r.sla_met + "/" + r.sla_total + ")" : "–"; }, 1],
      ["Diambil", function (r) { return num(r.issued); }, 1],
      ["Selesai", function (r) { return num(r.served); }, 1],
      ["Tidak hadir", function (r) { return num(r.no_show); }, 1],
      ["Tunggu rata-rata", function (r) { return dur(r.avg_wait_seconds); }, 1],
      ["Tunggu P90", function (r) { return dur(r.p90_wait_seconds); }, 1],
      ["Layanan rata-rata", function (r) { return dur(r.avg_service_seconds); }, 1],
      ["Layanan P90", function (r) { return dur(r.p90_service_seconds); }, 1],
      ["Instansi", function (r) { return agencyCode[r.agency_id] || ""; }],
    ], rep.by_service);
    table("t-agency", [
      ["Instansi", function (r) { return r.name; }],
      ["Diambil", function (r) { return num(r.issued); }, 1],
      ["Selesai", function (r) { return num(r.served); }, 1],
      ["Tidak hadir", function (r) { return num(r.no_show); }, 1],
      ["Batal", function (r) { return num(r.cancelled); }, 1],
      ["Kedaluwarsa", function (r) { return num(r.expired); }, 1],
      ["Tunggu rata-rata", function (r) { return dur(r.avg_wait_seconds); }, 1],
      ["Tunggu P90", function (r) { return dur(r.p90_wait_seconds); }, 1],
      ["Layanan rata-rata", function (r) { return dur(r.avg_service_seconds); }, 1],
      ["Layanan P90", function (r) { return dur(r.p90_service_seconds); }, 1],
      ["Sesuai standar", function (r) { return pct(r.sla_percent); }, 1],
    ], rep.by_agency);
    table("t-counter", [
      ["Loket", function (r) { return r.name + " · " + (agencyName[r.agency_id] || ""); }],
      ["Ditangani", function (r) { return num(r.issued); }, 1],
      ["Selesai", function (r) { return num(r.served); }, 1],
      ["Tidak hadir", function (r) { return num(r.no_show); }, 1],
      ["Tunggu rata-rata", function (r) { return dur(r.avg_wait_seconds); }, 1],
      ["Tunggu P90", function (r) { return dur(r.p90_wait_seconds); }, 1],
      ["Layanan rata-rata", function (r) { return dur(r.avg_service_seconds); }, 1],
      ["Layanan P90", function (r) { return dur(r.p90_service_seconds); }, 1],
      ["Buka", function (r) { return dur(r.open_seconds); }, 1],
      ["Selesai per jam buka", function (r) { return r.served_per_hour === null ? "–" : r.served_per_hour.toLocaleString("id-ID"); }, 1],
    ], rep.by_counter);
    table("t-staff", [
      ["Petugas", function (r) { return r.name; }],
      ["Ditangani", function (r) { return num(r.issued); }, 1],
      ["Selesai", function (r) { return num(r.served); }, 1],
      ["Layanan rata-rata", function (r) { return dur(r.avg_service_seconds); }, 1],
      ["Layanan P90", function (r) { return dur(r.p90_service_seconds); }, 1],
      ["Loket dibuka", function (r) { return dur(r.open_seconds); }, 1],
      ["Melayani", function (r) { return dur(r.busy_seconds); }, 1],
      ["Siaga", function (r) { return dur(r.idle_seconds); }, 1],
      ["Selesai per jam", function (r) { return r.served_per_hour === null ? "–" : r.served_per_hour.toLocaleString("id-ID"); }, 1],
    ], rep.by_staff);
    // the hours in which anything happened; the first columns follow the citizens who took
    // a ticket in that hour, the last three the work the counters finished in it
    table("t-hour", [
      ["Jam", function (r) { return hourLabel(r.hour); }],
      ["Diambil", function (r) { return num(r.issued); }, 1],
      ["Tidak hadir", function (r) { return num(r.no_show); }, 1],
      ["Batal", function (r) { return num(r.cancelled); }, 1],
      ["Kedaluwarsa", function (r) { return num(r.expired); }, 1],
      ["Tunggu rata-rata", function (r) { return dur(r.avg_wait_seconds); }, 1],
      ["Tunggu P90", function (r) { return dur(r.p90_wait_seconds); }, 1],
      ["Selesai", function (r) { return num(r.served); }, 1],
      ["Layanan rata-rata", function (r) { return dur(r.avg_service_seconds); }, 1],
      ["Layanan P90", function (r) { return dur(r.p90_service_seconds); }, 1],
    ], rep.by_hour.filter(function (h) { return h.issued || h.served; }));
    table("t-priority", [
      ["Kategori", function (r) { return PRIORITY[r.category] || r.category; }],
      ["Diambil", function (r) { return num(r.issued); }, 1],
      ["Selesai", function (r) { return num(r.served); }, 1],
      ["Tunggu rata-rata", function (r) { return dur(r.avg_wait_seconds); }, 1],
    ], rep.by_priority);
    var ikm = rep.ikm || {};
    $("ikm-total").textContent = ikm.total
      ? "IKM periode ini: " + dec(ikm.total.ikm, 2) + " — mutu " + ikm.total.grade + " (" + ikm.total.mutu + "), " + ikm.total.respondents + " responden."
      : "Belum ada jawaban survei pada periode ini.";
    var cols = [
      ["Layanan", function (r) { return r.name; }],
      ["Responden", function (r) { return num(r.respondents); }, 1],
      ["IKM", function (r) { return r.ikm === undefined ? "–" : dec(r.ikm, 2); }, 1],
      ["Mutu", function (r) { return r.grade ? r.grade + " " + r.mutu : "–"; }],
    ];
    for (var i = 1; i <= 9; i++) {
      (function (idx) {
        cols.push(["U" + idx, function (r) { return r.elements ? dec(r.elements[idx - 1].average, 2) : "–"; }, 1]);
      })(i);
    }
    table("t-ikm", cols, ikm.by_service || []);
    var agencyCols = cols.slice();
    agencyCols[0] = ["Instansi", function (r) { return r.name; }];
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
      $("period-note").textContent = "Periode " + rep.from + " s.d. " + rep.to + " (" + rep.days +
        " hari), dibandingkan dengan " + rep.previous.from + " s.d. " + rep.previous.to + ".";
      kpis(rep);
      tables(rep);
      drawCharts(rep);
      document.body.setAttribute("data-state", "ready");
    }).catch(function (err) {
      $("error").textContent = "Laporan tidak dapat dimuat: " + err.message;
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
      $("live-counters").textContent = l.counters_open + " / " + l.counters_total;
      $("live-inservice").textContent = num(l.in_service);
      $("live-served").textContent = num(l.served);
      $("live-at").textContent = "(" + l.now.slice(11, 16) + ")";
    }).catch(function () { $("live-at").textContent = "(tidak tersambung)"; });
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
