// The archive table of the fleet dashboard: decodes the compact columns of #fleet-data,
// then filters, sorts and pages them. Text reaches the page only through textContent.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var t0 = performance.now();
  var D = JSON.parse($("fleet-data").textContent);
  var n = D.rows;

  function varints(b64) {
    var s = atob(b64), out = new Float64Array(n), v = 0, mul = 1, k = 0;
    for (var i = 0; i < s.length; i++) {
      var x = s.charCodeAt(i);
      v += (x & 127) * mul;
      if (x & 128) { mul *= 128; } else { out[k++] = v; v = 0; mul = 1; }
    }
    return out;
  }
  var host = varints(D.host), prof = varints(D.profile), tz = varints(D.time);
  var time = new Float64Array(n), last = 0;
  for (var i = 0; i < n; i++) {
    var z = tz[i];
    if (z === 0) { time[i] = NaN; continue; }
    z -= 1;
    last += (z % 2 === 0) ? z / 2 : -(z + 1) / 2;
    time[i] = last;
  }
  var S = D.strings, C = D.profile_columns;
  var col = function (name) { return C.indexOf(name); };
  var cBuild = col("os_build"), cFail = col("failing"), cCodes = col("codes"), cStatus = col("status");
  var P = D.profiles.map(function (p) {
    var fails = S[p[cFail]], codes = S[p[cCodes]];
    return {
      build: S[p[cBuild]],
      fails: fails ? fails.split(" ") : [],
      codes: codes ? codes.split(" ") : [],
      status: S[p[cStatus]]
    };
  });

  // Choices of the filters, from the data.
  function options(select, values) {
    values.sort().forEach(function (v) {
      var o = document.createElement("option");
      o.value = v; o.textContent = v; select.appendChild(o);
    });
  }
  var rules = {}, codes = {};
  P.forEach(function (p) {
    p.fails.forEach(function (r) { rules[r] = 1; });
    p.codes.forEach(function (c) { codes[c] = 1; });
  });
  options($("f-rule"), Object.keys(rules));
  options($("f-code"), Object.keys(codes));

  function pad(x) { return (x < 10 ? "0" : "") + x; }
  function shown(m) {
    if (isNaN(m)) { return ""; }
    var d = new Date(m * 60000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + "Z";
  }

  var PAGE = 100, page = 0, rows = [], sortKey = null, sortDir = 1;
  function key(r) {
    var p = P[prof[r]];
    switch (sortKey) {
      case "host": return D.hosts[host[r]];
      case "time": return isNaN(time[r]) ? -Infinity : time[r];
      case "build": return p.build.split(".").map(function (x) { return ("000000" + x).slice(-6); }).join(".");
      case "failing": return p.fails.length;
      case "codes": return p.codes.join(" ");
      default: return p.status;
    }
  }
  function apply() {
    var rule = $("f-rule").value, status = $("f-status").value, code = $("f-code").value;
    var text = $("f-host").value.trim().toLowerCase();
    var okProf = P.map(function (p) {
      if (rule === "*" && p.fails.length === 0) { return false; }
      if (rule === "-" && p.fails.length > 0) { return false; }
      if (rule && rule !== "*" && rule !== "-" && p.fails.indexOf(rule) < 0) { return false; }
      if (status === "ok" && p.status !== "ok") { return false; }
      if (status === "error" && p.status === "ok") { return false; }
      if (code && p.codes.indexOf(code) < 0) { return false; }
      return true;
    });
    var okHost = D.hosts.map(function (h) { return !text || h.toLowerCase().indexOf(text) >= 0; });
    rows = [];
    for (var r = 0; r < n; r++) { if (okProf[prof[r]] && okHost[host[r]]) { rows.push(r); } }
    if (sortKey) {
      var keys = rows.map(key), order = new Uint32Array(rows.length);
      for (var j = 0; j < order.length; j++) { order[j] = j; }
      order.sort(function (a, b) {
        var x = keys[a], y = keys[b];
        return (x < y ? -1 : x > y ? 1 : a - b) * sortDir;
      });
      var sorted = new Array(order.length);
      for (var k = 0; k < order.length; k++) { sorted[k] = rows[order[k]]; }
      rows = sorted;
    }
    page = 0;
    render();
  }
  // The view in the address (`#rule=tls12&sort=-time&page=2`), so a filtered table can be
  // linked and reopened.
  function fromHash() {
    var h = location.hash.slice(1);
    if (h.indexOf("=") < 0) { return 0; }
    var want = {};
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i <= 0) { return; }
      var v = kv.slice(i + 1);
      try { v = decodeURIComponent(v); } catch (e) { /* a broken escape: taken as typed */ }
      want[kv.slice(0, i)] = v;
    });
    ["rule", "status", "code", "host"].forEach(function (k) {
      if (want[k] !== undefined) { $("f-" + k).value = want[k]; }
    });
    var key = (want.sort || "").replace(/^-/, "");
    Array.prototype.forEach.call(document.querySelectorAll("#archive-table th[data-key]"), function (th) {
      if (th.getAttribute("data-key") === key) {
        sortKey = key;
        sortDir = want.sort.charAt(0) === "-" ? -1 : 1;
        th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      }
    });
    return Math.max(0, (parseInt(want.page, 10) || 1) - 1);
  }
  function toHash() {
    var parts = [];
    ["rule", "status", "code", "host"].forEach(function (k) {
      var v = $("f-" + k).value;
      if (v) { parts.push(k + "=" + encodeURIComponent(v)); }
    });
    if (sortKey) { parts.push("sort=" + (sortDir < 0 ? "-" : "") + sortKey); }
    if (page > 0) { parts.push("page=" + (page + 1)); }
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname); } catch (e) { /* file: URLs may refuse */ }
  }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }
  function render() {
    var body = $("archive-table").tBodies[0], pages = Math.max(1, Math.ceil(rows.length / PAGE));
    var frag = document.createDocumentFragment();
    rows.slice(page * PAGE, page * PAGE + PAGE).forEach(function (r) {
      var p = P[prof[r]], tr = document.createElement("tr");
      cell(tr, D.hosts[host[r]], "mono");
      cell(tr, shown(time[r]), "nowrap");
      cell(tr, p.build, "mono nowrap");
      cell(tr, p.fails.join(" "), "mono");
      cell(tr, p.codes.join(" "), "mono");
      cell(tr, p.status);
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
    $("count").textContent = rows.length + " of " + n + " archives match";
    $("page").textContent = "page " + (page + 1) + " of " + pages;
    $("prev").disabled = page === 0;
    $("next").disabled = page + 1 >= pages;
    $("archive-table").setAttribute("data-shown", rows.length);
    toHash();
  }
  $("controls").addEventListener("change", apply);
  $("controls").addEventListener("submit", function (e) { e.preventDefault(); });
  $("f-host").addEventListener("input", apply);
  $("prev").addEventListener("click", function () { page--; render(); });
  $("next").addEventListener("click", function () { page++; render(); });
  Array.prototype.forEach.call(document.querySelectorAll("#archive-table th[data-key]"), function (th) {
    th.tabIndex = 0;
    var sort = function () {
      var k = th.getAttribute("data-key");
      sortDir = (sortKey === k) ? -sortDir : 1;
      sortKey = k;
      Array.prototype.forEach.call(th.parentNode.children, function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      apply();
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
  });
  $("controls").hidden = false;
  $("pager").hidden = false;
  $("table-note").textContent = "Click a column to sort; filter by failing rule, status, sign-in code or host. The address keeps the view, to link it.";
  var start = fromHash(), t1 = performance.now();
  apply();
  // How long the table took, for whoever checks the page stays responsive.
  $("archive-table").setAttribute("data-ms-decode", Math.round(t1 - t0));
  $("archive-table").setAttribute("data-ms-view", Math.round(performance.now() - t1));
  if (start > 0) { page = Math.min(start, Math.max(0, Math.ceil(rows.length / PAGE) - 1)); render(); }
}());
