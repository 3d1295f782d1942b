import { PALETTE, niceTicks, type PlotModel } from './model';

// A static SVG of the plot model, in the layout of `mprof plot`: memory curve(s) per file,
// child curves, function brackets (or a flame band under the chart), the peak marked with
// dashed lines, an optional trend line, and a legend on the right.

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const W = 1000;
const CHART_H = 460;
const MARGIN = { left: 70, right: 230, top: 40, bottom: 50 };
const FLAME_ROW = 16;

// The title is centred over the chart: about this many characters of 15 px text fit
// between the image's left edge and the mirror of it (long command lines were cut off at
// both sides in the PNG).
const TITLE_CHARS = 88;

function fitTitle(title: string): string {
  return title.length > TITLE_CHARS ? `${title.slice(0, TITLE_CHARS - 1)}…` : title;
}

function fmt(n: number): string {
  return Number(n.toFixed(2)).toString();
}

export function renderSvg(model: PlotModel): string {
  const rows = model.flame && model.brackets.length ? Math.max(...model.brackets.map((b) => b.depth)) + 1 : 0;
  const flameH = rows > 0 ? rows * FLAME_ROW + 20 : 0;
  const H = CHART_H + flameH;
  const plotW = W - MARGIN.left - MARGIN.right;
  const plotH = CHART_H - MARGIN.top - MARGIN.bottom;
  const x = (t: number) => MARGIN.left + ((t - model.xMin) / (model.xMax - model.xMin)) * plotW;
  const y = (m: number) => MARGIN.top + plotH - ((m - model.yMin) / (model.yMax - model.yMin)) * plotH;
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(fitTitle(model.title))}</text>`);

  // Grid and axes.
  out.push('<g stroke="#dddddd" stroke-width="1">');
  const xTicks = niceTicks(model.xMin, model.xMax, 8);
  const yTicks = niceTicks(model.yMin, model.yMax, 6);
  for (const t of xTicks) out.push(`<line x1="${fmt(x(t))}" y1="${MARGIN.top}" x2="${fmt(x(t))}" y2="${MARGIN.top + plotH}"/>`);
  for (const m of yTicks) out.push(`<line x1="${MARGIN.left}" y1="${fmt(y(m))}" x2="${MARGIN.left + plotW}" y2="${fmt(y(m))}"/>`);
  out.push('</g>');
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`);
  out.push('<g fill="#333333">');
  for (const t of xTicks) out.push(`<text x="${fmt(x(t))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${fmt(t)}</text>`);
  for (const m of yTicks) out.push(`<text x="${MARGIN.left - 6}" y="${fmt(y(m) + 4)}" text-anchor="end">${fmt(m)}</text>`);
  out.push('</g>');
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH + 38}" text-anchor="middle">time (in seconds)</text>`);
  out.push(`<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">memory used (in MiB)</text>`);

  // Everything data-driven is clipped to the plot area (a --window cuts curves at its edges).
  out.push(`<defs><clipPath id="plot"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`);
  out.push('<g clip-path="url(#plot)">');
  const legend: { label: string; color: string; dash?: string }[] = [];
  model.curves.forEach((c, i) => {
    if (c.t.length === 0) return;
    const color = c.kind === 'mem' ? PALETTE[c.file % PALETTE.length] : PALETTE[(i + 3) % PALETTE.length];
    const dash = c.kind === 'child' ? ' stroke-dasharray="4 2"' : '';
    const points = c.t.map((t, k) => `${fmt(x(t))},${fmt(y(c.mib[k]))}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="${c.kind === 'mem' ? 1.6 : 1.2}"${dash} points="${points}"/>`);
    if (c.t.length === 1) out.push(`<circle cx="${fmt(x(c.t[0]))}" cy="${fmt(y(c.mib[0]))}" r="2.5" fill="${color}"/>`);
    legend.push({ label: c.label, color, dash: c.kind === 'child' ? '4 2' : undefined });
  });
  for (const p of model.peaks) {
    const color = PALETTE[p.file % PALETTE.length];
    out.push(`<line x1="${MARGIN.left}" y1="${fmt(y(p.mib))}" x2="${MARGIN.left + plotW}" y2="${fmt(y(p.mib))}" stroke="${color}" stroke-dasharray="6 4" stroke-width="1"/>`);
    out.push(`<line x1="${fmt(x(p.t))}" y1="${MARGIN.top}" x2="${fmt(x(p.t))}" y2="${MARGIN.top + plotH}" stroke="${color}" stroke-dasharray="6 4" stroke-width="1"/>`);
  }
  if (model.slope) {
    const s = model.slope;
    out.push(`<line x1="${fmt(x(model.xMin))}" y1="${fmt(y(s.intercept + s.perSecond * model.xMin))}" x2="${fmt(x(model.xMax))}" y2="${fmt(y(s.intercept + s.perSecond * model.xMax))}" stroke="#000000" stroke-dasharray="2 3" stroke-width="1.2"/>`);
    legend.push({ label: `slope ${s.perSecond.toFixed(3)} MiB/s`, color: '#000000', dash: '2 3' });
  }
  const funcColor = new Map(model.functionNames.map((n, i) => [n, PALETTE[(i + 1) % PALETTE.length]]));
  if (!model.flame) {
    for (const b of model.brackets) {
      const color = funcColor.get(b.name) as string;
      const x0 = x(b.t0), x1 = x(b.t1), y0 = y(b.memStart), y1 = y(b.memEnd);
      out.push(`<g stroke="${color}" fill="none" stroke-width="1.5"><title>${escapeXml(`${b.name}: ${b.memStart.toFixed(1)} → ${b.memEnd.toFixed(1)} MiB, ${(b.end - b.start).toFixed(4)} s`)}</title>` +
        `<path d="M${fmt(x0 + 4)},${fmt(y0 - 6)} h-4 v12 h4"/><path d="M${fmt(x1 - 4)},${fmt(y1 - 6)} h4 v12 h-4"/></g>`);
    }
  }
  out.push('</g>');
  for (const p of model.peaks) {
    out.push(`<text x="${fmt(Math.min(x(p.t) + 4, MARGIN.left + plotW - 120))}" y="${fmt(Math.max(y(p.mib) - 4, MARGIN.top + 12))}" fill="${PALETTE[p.file % PALETTE.length]}">peak ${p.mib.toFixed(1)} MiB</text>`);
  }
  if (model.flame && flameH > 0) {
    const top = CHART_H;
    out.push(`<text x="${MARGIN.left - 6}" y="${top + 12}" text-anchor="end" fill="#333333">calls</text>`);
    out.push(`<defs><clipPath id="flame"><rect x="${MARGIN.left}" y="${top}" width="${plotW}" height="${flameH}"/></clipPath></defs><g clip-path="url(#flame)">`);
    for (const b of model.brackets) {
      const x0 = Math.max(x(b.t0), MARGIN.left - 1);
      const w = Math.max(1, Math.min(x(b.t1), MARGIN.left + plotW + 1) - x0);
      const ry = top + b.depth * FLAME_ROW;
      const color = funcColor.get(b.name) as string;
      out.push(`<g><title>${escapeXml(`${b.name}: ${(b.end - b.start).toFixed(4)} s, ${b.memStart.toFixed(1)} → ${b.memEnd.toFixed(1)} MiB`)}</title>` +
        `<rect x="${fmt(x0)}" y="${ry}" width="${fmt(w)}" height="${FLAME_ROW - 2}" fill="${color}" fill-opacity="0.7" stroke="#ffffff" stroke-width="0.5"/>` +
        (w > 50 ? `<text x="${fmt(x0 + 3)}" y="${ry + 11}" font-size="10" fill="#000000">${escapeXml(b.name.slice(0, Math.floor(w / 6)))}</text>` : '') + '</g>');
    }
    out.push('</g>');
  }
  for (const name of model.functionNames) legend.push({ label: name, color: funcColor.get(name) as string });

  // Legend.
  const lx = MARGIN.left + plotW + 16;
  legend.slice(0, 24).forEach((item, i) => {
    const ly = MARGIN.top + 10 + i * 18;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${item.color}" stroke-width="2"${item.dash ? ` stroke-dasharray="${item.dash}"` : ''}/>`);
    out.push(`<text x="${lx + 28}" y="${ly + 4}">${escapeXml(item.label.length > 28 ? `${item.label.slice(0, 27)}…` : item.label)}</text>`);
  });
  if (legend.length > 24) out.push(`<text x="${lx}" y="${MARGIN.top + 10 + 24 * 18}">… ${legend.length - 24} more</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
