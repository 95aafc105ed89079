// Bastion console: draws the overview charts as SVG from the JSON block the server put in the page.
// No libraries, no network: everything the chart needs is in #overview-data.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLOURS = { allow: "#1b5e20", deny: "#a4161a", flag: "#8a5a00" };

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function svg(width, height) {
    return el("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, focusable: "false" });
  }

  function stacked(target, data) {
    var W = 760, H = 260, left = 40, bottom = 40, top = 24;
    var n = data.buckets.length;
    var root = svg(W, H);
    if (n === 0) {
      root.appendChild(el("text", { x: left, y: H / 2 }, "No decisions yet."));
      target.appendChild(root);
      return;
    }
    var totals = data.buckets.map(function (_, i) {
      return data.outcomes.reduce(function (s, o) { return s + data.series[o][i]; }, 0);
    });
    var max = Math.max.apply(null, totals.concat([1]));
    var plotH = H - bottom - top, step = (W - left - 10) / n, bar = Math.min(40, Math.max(2, step * 0.8));
    root.appendChild(el("line", { x1: left, y1: H - bottom, x2: W - 10, y2: H - bottom, stroke: "#555" }));
    root.appendChild(el("text", { x: 2, y: top + 4 }, String(max)));
    root.appendChild(el("text", { x: 2, y: H - bottom }, "0"));
    for (var i = 0; i < n; i++) {
      var y = H - bottom;
      data.outcomes.forEach(function (o) {
        var v = data.series[o][i];
        if (v === 0) { return; }
        var h = (v / max) * plotH;
        y -= h;
        var r = el("rect", { x: left + i * step, y: y, width: bar, height: h, fill: COLOURS[o] || "#455a64",
                             "class": "bar bar-" + o });
        r.appendChild(el("title", {}, data.buckets[i] + " " + o + ": " + v));
        root.appendChild(r);
      });
      if (n <= 12 || i % Math.ceil(n / 12) === 0) {
        root.appendChild(el("text", { x: left + i * step, y: H - bottom + 14 }, data.buckets[i]));
      }
    }
    data.outcomes.forEach(function (o, k) {
      root.appendChild(el("rect", { x: left + k * 90, y: 4, width: 12, height: 12, fill: COLOURS[o] || "#455a64" }));
      root.appendChild(el("text", { x: left + k * 90 + 16, y: 14 }, o));
    });
    target.appendChild(root);
  }

  function reasons(target, data) {
    var rows = data.reasons, W = 760, rowH = 22, H = Math.max(1, rows.length) * rowH + 8, left = 220;
    var root = svg(W, H);
    var max = rows.reduce(function (m, r) { return Math.max(m, r[1]); }, 1);
    rows.forEach(function (r, i) {
      var y = 4 + i * rowH;
      root.appendChild(el("text", { x: 0, y: y + 14 }, r[0]));
      root.appendChild(el("rect", { x: left, y: y, width: Math.max(2, (r[1] / max) * (W - left - 60)), height: rowH - 6,
                                    fill: COLOURS.deny, "class": "bar bar-reason" }));
      root.appendChild(el("text", { x: left + (r[1] / max) * (W - left - 60) + 6, y: y + 14 }, String(r[1])));
    });
    target.appendChild(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("overview-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var main = document.getElementById("decisions-chart");
    var side = document.getElementById("reasons-chart");
    if (main) { stacked(main, data); }
    if (side) { reasons(side, data); }
  });
})();
