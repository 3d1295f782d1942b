import { formatFunctionHtml } from '../../report/html';
import type { Recording, Series } from '../../timeline/dat';
import { buildPlotModel, renderSvg } from '../../timeline/plot';
import { escapeXml } from '../../timeline/plot/svg';
import { formatSize, MiB } from '../../units/size';
import type { MemoryTimeline, StackNode, TopReport } from '../model';
import { displayPath } from '../../util/display-path';
import { describe, retainedNote, topTitle } from './text';

// `-o report.html`: one self-contained page (no request leaves it: a Content-Security-Policy
// forbids any): the top functions, RSS/heap/external over time (the timeline's SVG plot),
// an allocation icicle graph by stack (click to zoom, as memray's flame graph), and the
// line tables.

/** Frames under this share of all bytes are left out of the graph (the page stays small). */
const MIN_SHARE = 0.001;

interface FlameNode {
  n: string;
  f: string;
  s: number;
  t: number;
  c: FlameNode[];
}

function flameData(node: StackNode, total: number, depth = 0): FlameNode {
  const kids = depth >= 128 ? [] : node.children.filter((c) => c.total >= total * MIN_SHARE).map((c) => flameData(c, total, depth + 1));
  return { n: node.name, f: node.file ? `${displayPath(node.file)}${node.line > 0 ? `:${node.line}` : ''}` : '', s: node.self, t: node.total, c: kids };
}

function series(t: number[], bytes: number[]): Series {
  return { times: t.map((ms) => ms / 1000), mib: bytes.map((b) => b / MiB) };
}

/** The timeline as the plot layer draws it: RSS as the memory curve, heap and external beside it. */
function timelineSvg(timeline: MemoryTimeline, title: string): string {
  const recording: Recording = {
    file: 'memprof-top',
    cmdline: title,
    mem: series(timeline.rss.t, timeline.rss.bytes),
    children: new Map([
      ['heap', series(timeline.heap.t, timeline.heap.bytes)],
      ['external', series(timeline.external.t, timeline.external.bytes)],
    ]),
    funcs: [],
  };
  const model = buildPlotModel([recording], { title });
  for (const curve of model.curves) curve.label = curve.kind === 'mem' ? 'RSS' : curve.label.replace(/^child /, '');
  return renderSvg(model).replace(/^<\?xml[^>]*>\s*/, '');
}

const STYLE = `
body{font:14px system-ui,sans-serif;margin:20px;color:#222;max-width:1200px}
h1{font-size:20px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.top tr:nth-child(even),table.lines tr:nth-child(even){background:#f4f4f4}
table.lines{margin:12px 0 24px;font-size:13px}table.lines caption{text-align:left;font-weight:600;padding:4px 0}
table.lines td.src{white-space:pre}tr.grew td.num:nth-child(3){color:#b00}
#flame{position:relative;width:100%;font:12px monospace;overflow:hidden}
#flame div{position:absolute;height:17px;line-height:17px;overflow:hidden;white-space:nowrap;box-sizing:border-box;border:1px solid #fff;padding:0 3px;cursor:pointer}
.note{color:#666}
/* long source lines scroll inside the tables, not the whole page */#tables{overflow-x:auto}
`;

const FLAME_SCRIPT = `
(function () {
  var root = JSON.parse(document.getElementById('memprof-flame').textContent);
  var box = document.getElementById('flame'), info = document.getElementById('flame-info');
  function size(b) { var u = ['B','KiB','MiB','GiB'], i = 0; while (b >= 1024 && i < 3) { b /= 1024; i++; } return (i ? b.toFixed(1) : b) + ' ' + u[i]; }
  function color(name) { var h = 0; for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) % 360; return 'hsl(' + (10 + h % 50) + ',80%,' + (60 + h % 20) + '%)'; }
  function depth(n) { var d = 0; n.c.forEach(function (c) { d = Math.max(d, depth(c)); }); return d + 1; }
  function draw(focus, path) {
    box.innerHTML = '';
    var W = box.clientWidth || 1000, rows = path.length + depth(focus);
    box.style.height = (rows * 18 + 4) + 'px';
    function add(n, x, w, d, inPath) {
      if (w < 1) return;
      var el = document.createElement('div');
      el.style.left = x + 'px'; el.style.top = (d * 18) + 'px'; el.style.width = w + 'px';
      el.style.background = inPath ? '#ddd' : color(n.n);
      el.textContent = n.n + (n.f ? ' ' + n.f : '');
      el.title = n.n + (n.f ? ' (' + n.f + ')' : '') + '\\n' + size(n.t) + ' allocated here and below (' + (100 * n.t / root.t).toFixed(1) + '%), ' + size(n.s) + ' here';
      el.onclick = function () { draw(n, inPath ? path.slice(0, d) : path.concat(pathTo(focus, n))); };
      box.appendChild(el);
    }
    path.forEach(function (p, i) { add(p, 0, W, i, true); });
    (function lay(n, x, w, d) {
      add(n, x, w, d, false);
      var cx = x;
      n.c.forEach(function (c) { var cw = w * c.t / (n.t || 1); lay(c, cx, cw, d + 1); cx += cw; });
    })(focus, 0, W, path.length);
    info.textContent = focus === root ? 'Click a frame to zoom in; click a grey frame above to zoom out.' : 'Showing ' + focus.n + ': ' + size(focus.t) + '.';
  }
  function pathTo(from, target) {
    var out = [];
    (function find(n, acc) { if (n === target) { out = acc; return true; } return n.c.some(function (c) { return find(c, acc.concat([n])); }); })(from, []);
    return out;
  }
  draw(root, []);
  window.addEventListener('resize', function () { draw(root, []); });
})();
`;

export function formatTopHtml(report: TopReport): string {
  const p = report.profile;
  const title = topTitle(report);
  const rows = p.functions.slice(0, 30).map((fn) => {
    const share = p.allocated > 0 ? `${((100 * fn.allocated) / p.allocated).toFixed(1)}%` : '-';
    const retained = fn.retained === null ? '-' : formatSize(fn.retained);
    return `<tr><td class="num">${formatSize(fn.allocated)}</td><td class="num">${share}</td><td class="num">${retained}</td><td>${escapeXml(describe(fn))}</td></tr>`;
  });
  const tables = report.zoomed.filter((z) => z.table).map((z) => formatFunctionHtml({ ...z.table!, file: displayPath(z.table!.file) }));
  const missing = report.zoomed
    .filter((z) => !z.table)
    .map((z) => `<li>${escapeXml(z.name)} (${escapeXml(displayPath(z.file))}:${z.line}): ${escapeXml(z.reason ?? '')}</li>`);
  // "</" inside a script element would end it early.
  const flame = JSON.stringify(flameData(p.stacks, p.stacks.total || 1)).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>
<h1 id="title">${escapeXml(title)}</h1>
<p id="summary">${(report.durationMs / 1000).toFixed(1)} s, ended by ${escapeXml(report.ended)}; ${formatSize(p.allocated)} allocated${p.retained === null ? '' : `, ${formatSize(p.retained)} still alive at the end`}. Sampled by V8 every ${formatSize(report.samplingInterval, 0)} allocated on average. memprof ${escapeXml(report.version)}.</p>
<h2>Where the memory was allocated</h2>
<table class="top" id="functions"><thead><tr><th>Allocated</th><th>Share</th><th>Retained</th><th>Function</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${p.retained === null ? `<p class="note">${escapeXml(retainedNote(report))}</p>` : ''}
<h2>Memory over time</h2>
<div id="timeline">${timelineSvg(report.timeline, report.command)}</div>
<p class="note">RSS from the native sampler; heap (V8's used heap) and external (Buffers, ArrayBuffers) when the event loop turned.</p>
<h2>Allocations by stack</h2>
<p class="note" id="flame-info"></p>
<div id="flame"></div>
<script id="memprof-flame" type="application/json">${flame}</script>
<h2>Line tables</h2>
<div id="tables">
${tables.join('\n') || '<p class="note">No line table.</p>'}
${missing.length ? `<ul class="note">${missing.join('\n')}</ul>` : ''}
</div>
<script>${FLAME_SCRIPT}</script>
</body></html>
`;
}
