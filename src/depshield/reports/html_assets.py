"""The HTML report's inline style sheet and script (no external resources, hashed into its CSP)."""

from __future__ import annotations

STYLE = """
:root{--ink:#1f2430;--muted:#5d6575;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;
--block:#b42318;--block-bg:#fde8e7;--warn:#8a5a00;--warn-bg:#fff3d6;--pass:#1a7f37;
--pass-bg:#e5f4e9;--crit:#b42318;--high:#c4320a;--mid:#8a5a00;--low:#5d6575;--accent:#2f5fd0}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;color:var(--ink);background:var(--bg)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
font-size:12.5px}
header.top{display:flex;align-items:center;gap:16px;padding:14px 28px;background:#1d2433;
color:#fff}
header.top h1{font-size:18px;margin:0;font-weight:650;letter-spacing:.2px}
header.top .meta{color:#c5cbd8;font-size:13px;flex:1}
header.top .meta code{color:#fff}
main{max-width:1320px;margin:0 auto;padding:20px 28px 48px}
h2{font-size:16px;margin:28px 0 10px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
text-transform:uppercase;letter-spacing:.3px;white-space:nowrap}
.v-block{background:var(--block-bg);color:var(--block)}
.v-warn{background:var(--warn-bg);color:var(--warn)}
.v-pass{background:var(--pass-bg);color:var(--pass)}
header.top .badge{font-size:13px;padding:3px 12px}
.s-critical{color:var(--crit)}.s-high{color:var(--high)}.s-middle{color:var(--mid)}
.s-low{color:var(--low)}
.sev{font-weight:600;text-transform:uppercase;font-size:11.5px;letter-spacing:.3px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(118px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;
text-align:left;font:inherit;color:inherit}
button.card{cursor:pointer}
button.card:hover{border-color:var(--accent)}
.card .n{display:block;font-size:22px;font-weight:700}
.card .l{color:var(--muted);font-size:12.5px}
.card.c-block .n{color:var(--block)}.card.c-warn .n{color:var(--warn)}
.card.c-pass .n{color:var(--pass)}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0 10px}
.filters input,.filters select{font:inherit;padding:5px 8px;border:1px solid var(--line);
border-radius:6px;background:#fff}
.filters input[type=search]{min-width:240px}
.filters .count{color:var(--muted);margin-left:auto}
table.pkgs{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);
border-radius:8px;overflow:hidden}
table.pkgs th{position:sticky;top:0;background:#eef1f5;text-align:left;font-weight:600;
font-size:12.5px;padding:8px;border-bottom:1px solid var(--line);cursor:pointer;
user-select:none;white-space:nowrap}
table.pkgs th.num,table.pkgs td.num{text-align:right}
table.pkgs th[aria-sort=ascending]::after{content:" \\25B2";font-size:10px}
table.pkgs th[aria-sort=descending]::after{content:" \\25BC";font-size:10px}
table.pkgs td{padding:7px 8px;border-top:1px solid var(--line);vertical-align:top}
tr.row td{vertical-align:middle}
tbody.pkg:nth-of-type(even) tr.row{background:#fafbfc}
tr.row:hover{background:#f0f4fb!important}
td.num.low-score{color:var(--block);font-weight:600}
button.toggle{border:0;background:none;cursor:pointer;font-size:12px;width:18px;padding:0;
color:var(--muted)}
button.toggle[aria-expanded=true]{transform:rotate(90deg)}
tr.detail td{background:#fbfcfe;padding:10px 16px 14px 34px}
table.alerts{width:100%;border-collapse:collapse;margin-top:6px}
table.alerts th,table.alerts td{padding:5px 8px;border-top:1px solid var(--line);text-align:left;
vertical-align:top;font-size:13px}
table.alerts th{color:var(--muted);font-weight:600;border-top:0}
code.ev{display:block;white-space:pre-wrap;word-break:break-all;background:#f2f4f7;
border-radius:4px;padding:3px 6px;max-width:640px}
.hint{color:var(--muted);font-size:12.5px}
ul.paths{margin:4px 0 8px;padding-left:18px}
.tree{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 16px}
.tree ul{list-style:none;margin:0;padding-left:18px;border-left:1px dotted #c9ced8}
.tree>ul{border-left:0;padding-left:0}
.tree li{margin:2px 0}
.tree summary{cursor:pointer}
.tree .leaf{padding-left:14px}
.tree a{color:var(--accent);text-decoration:none}
.tree a:hover{text-decoration:underline}
.tree-actions{margin-bottom:6px}
.tree-actions button,.filters button{font:inherit;font-size:12.5px;padding:3px 10px;
border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}
.empty{padding:14px;color:var(--muted)}
ul.errors li{margin:2px 0}
footer{color:var(--muted);font-size:12px;margin-top:32px}
"""

SCRIPT = """
(function () {
  "use strict";
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) {
    return Array.prototype.slice.call((r || document).querySelectorAll(s));
  };
  var table = $("#pkg-table");
  if (!table) { return; }
  var bodies = $$("tbody.pkg", table);
  var f = { text: $("#f-text"), verdict: $("#f-verdict"), severity: $("#f-severity"),
            type: $("#f-type"), ecosystem: $("#f-ecosystem") };
  function has(list, value) { return (" " + list + " ").indexOf(" " + value + " ") >= 0; }
  function apply() {
    var text = f.text.value.trim().toLowerCase();
    var shown = 0;
    bodies.forEach(function (b) {
      var d = b.dataset;
      var ok = (!text || d.search.indexOf(text) >= 0) &&
        (!f.verdict.value || d.verdict === f.verdict.value) &&
        (!f.severity.value || has(d.severities, f.severity.value)) &&
        (!f.type.value || has(d.types, f.type.value)) &&
        (!f.ecosystem.value || d.ecosystem === f.ecosystem.value);
      b.hidden = !ok;
      if (ok) { shown += 1; }
    });
    $("#f-count").textContent = shown + " of " + bodies.length + " packages";
    $("#no-match").hidden = shown > 0;
  }
  Object.keys(f).forEach(function (k) { f[k].addEventListener("input", apply); });
  $("#f-reset").addEventListener("click", function () {
    Object.keys(f).forEach(function (k) { f[k].value = ""; });
    apply();
  });
  $$("button[data-filter]").forEach(function (card) {
    card.addEventListener("click", function () {
      var target = f[card.dataset.filter];
      target.value = target.value === card.dataset.value ? "" : card.dataset.value;
      apply();
      table.scrollIntoView({ block: "start" });
    });
  });
  function sortBy(th) {
    var key = th.dataset.sort;
    var numeric = th.classList.contains("num") || key === "rank";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    $$("th[data-sort]", table).forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var sorted = bodies.slice().sort(function (a, b) {
      var x = a.dataset[key], y = b.dataset[key];
      var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return c !== 0 ? c * dir : Number(a.dataset.order) - Number(b.dataset.order);
    });
    sorted.forEach(function (b) { table.appendChild(b); });
  }
  $$("th[data-sort]", table).forEach(function (th) {
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
    });
  });
  function toggle(body, open) {
    var button = $("button.toggle", body);
    var detail = $("tr.detail", body);
    if (!button || !detail) { return; }
    button.setAttribute("aria-expanded", open ? "true" : "false");
    detail.hidden = !open;
  }
  table.addEventListener("click", function (e) {
    var button = e.target.closest("button.toggle");
    if (button) {
      toggle(button.closest("tbody"), button.getAttribute("aria-expanded") !== "true");
    }
  });
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var body = id ? document.getElementById(id) : null;
    if (body && body.classList.contains("pkg")) {
      body.hidden = false;
      toggle(body, true);
      body.scrollIntoView({ block: "center" });
    }
  }
  window.addEventListener("hashchange", reveal);
  $$("[data-tree]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.dataset.tree === "expand";
      $$("#tree details").forEach(function (d) { d.open = open; });
    });
  });
  apply();
  reveal();
})();
"""
