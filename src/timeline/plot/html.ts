import { PALETTE, type PlotModel } from './model';
import { escapeXml } from './svg';

// One self-contained HTML file: the (downsampled) data as JSON and a small script that
// draws it as SVG, with drag-to-zoom, wheel zoom, double-click reset and hover values. No
// network access, no library: it opens offline and stays small.

function round(values: number[], digits: number): number[] {
  const f = 10 ** digits;
  return values.map((v) => Math.round(v * f) / f);
}

export function renderHtml(model: PlotModel): string {
  const data = {
    title: model.title,
    x: [model.xMin, model.xMax],
    y: [model.yMin, model.yMax],
    palette: PALETTE,
    curves: model.curves.map((c) => ({ label: c.label, file: c.file, kind: c.kind, t: round(c.t, 4), m: round(c.mib, 3) })),
    peaks: model.peaks,
    brackets: model.brackets.map((b) => ({ n: b.name, t0: b.t0, t1: b.t1, m0: b.memStart, m1: b.memEnd, d: b.depth })),
    functions: model.functionNames,
    flame: model.flame,
    slope: model.slope,
  };
  // "</" inside a script element would end it early.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(model.title)} — memprof</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
#chart{width:100%;height:520px;user-select:none;cursor:crosshair}
#tip{position:fixed;pointer-events:none;background:#fffe;border:1px solid #999;padding:4px 6px;font:12px monospace;display:none;white-space:pre}
.hint{color:#666}
</style></head><body>
<h3 id="title"></h3>
<div class="hint">Drag to zoom in on a time range, scroll to zoom, double-click to reset. <span id="status"></span></div>
<svg id="chart" xmlns="http://www.w3.org/2000/svg"></svg>
<div id="tip"></div>
<script id="memprof-data" type="application/json">${json}</script>
<script>
(function () {
  var D = JSON.parse(document.getElementById('memprof-data').textContent);
  var svg = document.getElementById('chart'), tip = document.getElementById('tip');
  document.getElementById('title').textContent = D.title;
  var view = { x0: D.x[0], x1: D.x[1] };
  var M = { l: 70, r: 210, t: 10, b: 40 };
  var NS = 'http://www.w3.org/2000/svg';
  var fcolor = {}; D.functions.forEach(function (n, i) { fcolor[n] = D.palette[(i + 1) % D.palette.length]; });
  function el(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    (parent || svg).appendChild(e); return e;
  }
  function ticks(lo, hi, n) {
    var raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw))), step = 10 * mag;
    [1, 2, 2.5, 5, 10].some(function (m) { if (m * mag >= raw) { step = m * mag; return true; } });
    var out = []; for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10)); return out;
  }
  function visibleRange() {
    var lo = Infinity, hi = -Infinity;
    D.curves.forEach(function (c) { for (var i = 0; i < c.t.length; i++) if (c.t[i] >= view.x0 && c.t[i] <= view.x1) { lo = Math.min(lo, c.m[i]); hi = Math.max(hi, c.m[i]); } });
    if (!isFinite(lo)) { lo = D.y[0]; hi = D.y[1]; }
    lo = Math.min(0, lo); if (hi <= lo) hi = lo + 1; return [lo, hi + (hi - lo) * 0.05];
  }
  var W, H, PW, PH, X, Y;
  function draw() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    W = svg.clientWidth || 1000; H = svg.clientHeight || 520;
    var rows = 0; if (D.flame) D.brackets.forEach(function (b) { rows = Math.max(rows, b.d + 1); });
    var flameH = rows ? rows * 16 + 50 : 0;
    PW = W - M.l - M.r; PH = H - M.t - M.b - flameH;
    var yr = visibleRange();
    X = function (t) { return M.l + (t - view.x0) / (view.x1 - view.x0) * PW; };
    Y = function (m) { return M.t + PH - (m - yr[0]) / (yr[1] - yr[0]) * PH; };
    var g = el('g', { stroke: '#ddd' });
    ticks(view.x0, view.x1, 8).forEach(function (t) { el('line', { x1: X(t), x2: X(t), y1: M.t, y2: M.t + PH }, g); el('text', { x: X(t), y: M.t + PH + 15, 'text-anchor': 'middle', fill: '#333', stroke: 'none', 'font-size': 11 }, g, +t.toFixed(4)); });
    ticks(yr[0], yr[1], 6).forEach(function (m) { el('line', { x1: M.l, x2: M.l + PW, y1: Y(m), y2: Y(m) }, g); el('text', { x: M.l - 5, y: Y(m) + 4, 'text-anchor': 'end', fill: '#333', stroke: 'none', 'font-size': 11 }, g, +m.toFixed(2)); });
    el('text', { x: M.l + PW / 2, y: M.t + PH + 32, 'text-anchor': 'middle', 'font-size': 12 }, svg, 'time (in seconds)');
    el('text', { transform: 'translate(16 ' + (M.t + PH / 2) + ') rotate(-90)', 'text-anchor': 'middle', 'font-size': 12 }, svg, 'memory used (in MiB)');
    var defs = el('defs', {}); var cp = el('clipPath', { id: 'clip' }, defs); el('rect', { x: M.l, y: M.t, width: PW, height: PH + flameH }, cp);
    var plot = el('g', { 'clip-path': 'url(#clip)' });
    var legend = [];
    D.curves.forEach(function (c, i) {
      var color = c.kind === 'mem' ? D.palette[c.file % D.palette.length] : D.palette[(i + 3) % D.palette.length];
      var pts = [];
      for (var k = 0; k < c.t.length; k++) if (c.t[k] >= view.x0 - (view.x1 - view.x0) && c.t[k] <= view.x1 + (view.x1 - view.x0)) pts.push(X(c.t[k]).toFixed(1) + ',' + Y(c.m[k]).toFixed(1));
      el('polyline', { points: pts.join(' '), fill: 'none', stroke: color, 'stroke-width': c.kind === 'mem' ? 1.6 : 1.2, 'stroke-dasharray': c.kind === 'child' ? '4 2' : 'none' }, plot);
      c.color = color; legend.push([c.label, color]);
    });
    D.peaks.forEach(function (p) {
      var color = D.palette[p.file % D.palette.length];
      el('line', { x1: M.l, x2: M.l + PW, y1: Y(p.mib), y2: Y(p.mib), stroke: color, 'stroke-dasharray': '6 4' }, plot);
      el('line', { x1: X(p.t), x2: X(p.t), y1: M.t, y2: M.t + PH, stroke: color, 'stroke-dasharray': '6 4' }, plot);
      var right = X(p.t) > M.l + PW / 2; // label on the side with room, never clipped
      el('text', { x: X(p.t) + (right ? -4 : 4), y: Math.max(Y(p.mib) - 4, M.t + 12), 'text-anchor': right ? 'end' : 'start', fill: color, 'font-size': 12 }, plot, 'peak ' + p.mib.toFixed(1) + ' MiB');
    });
    if (D.slope) {
      var s = D.slope;
      el('line', { x1: X(view.x0), y1: Y(s.intercept + s.perSecond * view.x0), x2: X(view.x1), y2: Y(s.intercept + s.perSecond * view.x1), stroke: '#000', 'stroke-dasharray': '2 3' }, plot);
      legend.push(['slope ' + s.perSecond.toFixed(3) + ' MiB/s', '#000']);
    }
    D.brackets.forEach(function (b) {
      if (b.t1 < view.x0 || b.t0 > view.x1) return;
      var color = fcolor[b.n], title = b.n + ': ' + b.m0.toFixed(1) + ' \\u2192 ' + b.m1.toFixed(1) + ' MiB, ' + (b.t1 - b.t0).toFixed(4) + ' s';
      if (D.flame) {
        var r = el('rect', { x: X(b.t0), y: M.t + PH + 42 + b.d * 16, width: Math.max(1, X(b.t1) - X(b.t0)), height: 14, fill: color, 'fill-opacity': 0.7 }, plot);
        el('title', {}, r, title);
      } else {
        var gb = el('g', { stroke: color, fill: 'none', 'stroke-width': 1.5 }, plot);
        el('title', {}, gb, title);
        el('path', { d: 'M' + (X(b.t0) + 4) + ',' + (Y(b.m0) - 6) + ' h-4 v12 h4' }, gb);
        el('path', { d: 'M' + (X(b.t1) - 4) + ',' + (Y(b.m1) - 6) + ' h4 v12 h-4' }, gb);
        el('rect', { x: X(b.t0), y: M.t, width: Math.max(1, X(b.t1) - X(b.t0)), height: PH, fill: color, 'fill-opacity': 0.06, stroke: 'none' }, gb);
      }
    });
    D.functions.forEach(function (n) { legend.push([n, fcolor[n]]); });
    el('rect', { x: M.l, y: M.t, width: PW, height: PH, fill: 'none', stroke: '#333' });
    legend.slice(0, 30).forEach(function (item, i) {
      var ly = M.t + 10 + i * 18;
      el('line', { x1: M.l + PW + 14, x2: M.l + PW + 36, y1: ly, y2: ly, stroke: item[1], 'stroke-width': 2 });
      el('text', { x: M.l + PW + 42, y: ly + 4, 'font-size': 12 }, svg, item[0]);
    });
    cursor = el('line', { y1: M.t, y2: M.t + PH, stroke: '#888', visibility: 'hidden' });
    band = el('rect', { y: M.t, height: PH, fill: '#3388ff', 'fill-opacity': 0.15, visibility: 'hidden' });
    document.getElementById('status').textContent = 'showing ' + view.x0.toFixed(3) + ' s to ' + view.x1.toFixed(3) + ' s';
  }
  var cursor, band, dragFrom = null;
  function tAt(evt) { var r = svg.getBoundingClientRect(); return view.x0 + (evt.clientX - r.left - M.l) / PW * (view.x1 - view.x0); }
  function nearest(c, t) { var lo = 0, hi = c.t.length - 1; while (lo < hi) { var mid = (lo + hi) >> 1; if (c.t[mid] < t) lo = mid + 1; else hi = mid; } if (lo > 0 && Math.abs(c.t[lo - 1] - t) < Math.abs(c.t[lo] - t)) lo--; return lo; }
  svg.addEventListener('mousemove', function (evt) {
    var t = tAt(evt);
    if (t < view.x0 || t > view.x1) { tip.style.display = 'none'; cursor.setAttribute('visibility', 'hidden'); return; }
    cursor.setAttribute('x1', X(t)); cursor.setAttribute('x2', X(t)); cursor.setAttribute('visibility', 'visible');
    var lines = ['t = ' + t.toFixed(4) + ' s'];
    D.curves.forEach(function (c) { if (!c.t.length) return; var k = nearest(c, t); lines.push(c.label + ': ' + c.m[k].toFixed(3) + ' MiB'); });
    D.brackets.forEach(function (b) { if (b.t0 <= t && t <= b.t1) lines.push(b.n + ' (depth ' + b.d + ')'); });
    tip.textContent = lines.join('\\n'); tip.style.display = 'block';
    tip.style.left = (evt.clientX + 14) + 'px'; tip.style.top = (evt.clientY + 14) + 'px';
    if (dragFrom !== null) { band.setAttribute('x', Math.min(X(dragFrom), X(t))); band.setAttribute('width', Math.abs(X(t) - X(dragFrom))); band.setAttribute('visibility', 'visible'); }
  });
  svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  svg.addEventListener('mousedown', function (evt) { dragFrom = tAt(evt); });
  svg.addEventListener('mouseup', function (evt) {
    var t = tAt(evt), from = dragFrom; dragFrom = null;
    if (from === null || Math.abs(X(t) - X(from)) < 4) { band.setAttribute('visibility', 'hidden'); return; }
    view.x0 = Math.max(D.x[0], Math.min(from, t)); view.x1 = Math.min(D.x[1], Math.max(from, t)); draw();
  });
  svg.addEventListener('dblclick', function () { view.x0 = D.x[0]; view.x1 = D.x[1]; draw(); });
  svg.addEventListener('wheel', function (evt) {
    evt.preventDefault();
    var t = tAt(evt), f = evt.deltaY > 0 ? 1.25 : 0.8;
    var x0 = t - (t - view.x0) * f, x1 = t + (view.x1 - t) * f;
    view.x0 = Math.max(D.x[0], x0); view.x1 = Math.min(D.x[1], x1); if (view.x1 - view.x0 < 1e-4) view.x1 = view.x0 + 1e-4; draw();
  }, { passive: false });
  window.addEventListener('resize', draw);
  draw();
})();
</script>
</body></html>
`;
}
