"""The HTML report's one style sheet and one script, inlined into every report.

Both are static text: no value from a scan is ever put into them (values go into the page, escaped), so the
report's Content-Security-Policy can allow exactly these two blocks by their SHA-256 hashes and nothing else:
no other script runs, no inline style attribute applies, nothing is fetched.

The script makes the long tables usable at 10,000 accounts: a filter box, sortable columns and pages of
PAGE_SIZE rows. It also counts each table's rows and writes the count into the page, and marks the document
`data-ready="true"` when it has run: the browser test reads both.
"""

from __future__ import annotations

CSS = """
:root{--pass:#1a7f37;--fail:#cf222e;--ne:#9a6700;--oos:#6e7781;--ink:#1f2328;--muted:#59636e;
--line:#d1d9e0;--bg:#f6f8fa;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);
background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 20px}
header{padding-top:20px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:28px 0 8px}
.sub{color:var(--muted);margin:0}
.verdict{margin:16px 0 8px;padding:12px 16px;border-radius:8px;border:1px solid var(--line);background:var(--card);
font-weight:600;border-left:6px solid var(--pass)}
.verdict.bad{border-left-color:var(--fail)}
.verdict.partial{border-left-color:var(--ne)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:12px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .num{display:block;font-size:30px;font-weight:700;line-height:1.1}
.card.pass .num{color:var(--pass)}.card.fail .num{color:var(--fail)}.card.ne .num{color:var(--ne)}
.card.oos .num{color:var(--oos)}
.card .what{color:var(--muted);font-size:13px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
svg{display:block;width:100%;height:auto}
svg text{font:13px system-ui,"DejaVu Sans",sans-serif;fill:var(--ink)}
svg .axis{stroke:var(--line)}
svg .tick{fill:var(--muted);font-size:11px}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:8px 0 0;padding:0;list-style:none;font-size:14px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.sw.pass,.badge.pass{background:var(--pass)}.sw.fail,.badge.fail{background:var(--fail)}
.sw.ne,.badge.ne{background:var(--ne)}.sw.oos,.badge.oos{background:var(--oos)}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:0 6px;font-size:12px;font-weight:700;
white-space:nowrap}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);font-size:14px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:#eef1f4;white-space:nowrap}
th button{font:inherit;font-weight:700;background:none;border:0;padding:0;cursor:pointer;color:inherit}
th button::after{content:" \\2195";color:var(--muted)}
th[aria-sort=ascending] button::after{content:" \\2191"}
th[aria-sort=descending] button::after{content:" \\2193"}
td.id{font-family:ui-monospace,"DejaVu Sans Mono",monospace;white-space:nowrap}
.tools{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;margin:8px 0}
.tools input{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:6px;min-width:260px}
.pager button{font:inherit;padding:3px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);
cursor:pointer}
.pager button:disabled{opacity:.45;cursor:default}
.muted,.note{color:var(--muted)}
.note{font-size:14px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-all}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px;background:#eef1f4;padding:1px 4px;
border-radius:4px}
footer{color:var(--muted);font-size:13px;padding-top:24px;padding-bottom:24px}
.pass{fill:var(--pass);stroke:var(--pass)}.fail{fill:var(--fail);stroke:var(--fail)}
.ne{fill:var(--ne);stroke:var(--ne)}.oos{fill:var(--oos);stroke:var(--oos)}
polyline.series{fill:none;stroke-width:2.5}
@media print{.tools{display:none}tr[hidden]{display:table-row}body{background:#fff}}
"""

JS = """
(function () {
  "use strict";
  var PAGE_SIZE = 50;
  function fmt(n) { return n.toLocaleString("en-US"); }
  function setup(table) {
    var id = table.id;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var text = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var order = rows.map(function (_, i) { return i; });
    var shown = order.slice();
    var page = 0;
    var reorder = false;
    var filter = document.querySelector('input[data-filter-for="' + id + '"]');
    var info = document.querySelector('[data-info-for="' + id + '"]');
    var prev = document.querySelector('button[data-prev-for="' + id + '"]');
    var next = document.querySelector('button[data-next-for="' + id + '"]');
    function render() {
      var pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
      if (page >= pages) { page = pages - 1; }
      var from = page * PAGE_SIZE, to = Math.min(shown.length, from + PAGE_SIZE);
      var visible = new Uint8Array(rows.length);
      for (var i = from; i < to; i++) { visible[shown[i]] = 1; }
      for (var j = 0; j < rows.length; j++) { rows[j].hidden = !visible[j]; }
      if (reorder) {
        var frag = document.createDocumentFragment();
        order.forEach(function (k) { frag.appendChild(rows[k]); });
        body.appendChild(frag);
        reorder = false;
      }
      if (info) {
        info.textContent = shown.length ? "Showing " + fmt(from + 1) + "\\u2013" + fmt(to) + " of " +
          fmt(shown.length) + (shown.length < rows.length ? " (filtered from " + fmt(rows.length) + ")" : "")
          : "No row matches the filter.";
      }
      if (prev) { prev.disabled = page === 0; }
      if (next) { next.disabled = page >= pages - 1; }
    }
    function refilter() {
      var q = filter ? filter.value.trim().toLowerCase() : "";
      shown = order.filter(function (i) { return !q || text[i].indexOf(q) !== -1; });
      page = 0;
      render();
    }
    if (filter) { filter.addEventListener("input", refilter); }
    if (prev) { prev.addEventListener("click", function () { page -= 1; render(); }); }
    if (next) { next.addEventListener("click", function () { page += 1; render(); }); }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var key = rows.map(function (r) {
          var cell = r.cells[col];
          return cell ? (cell.getAttribute("data-sort") || cell.textContent) : "";
        });
        order.sort(function (a, b) {
          var c = key[a].localeCompare(key[b], "en", { numeric: true });
          return (asc ? c : -c) || a - b;
        });
        reorder = true;
        refilter();
      });
    });
    document.querySelectorAll('[data-rows-of="' + id + '"]').forEach(function (el) {
      el.textContent = fmt(rows.length);
    });
    table.setAttribute("data-rows", String(rows.length));
    render();
  }
  document.querySelectorAll("table[data-paged]").forEach(setup);
  document.documentElement.setAttribute("data-ready", "true");
})();
"""
