import type { PlotModel } from './model';

// The memory curve drawn in braille characters (2×4 dots a cell), for `memprof plot` on a
// terminal without -o. Each dot column spans a time range and is filled from the lowest to
// the highest sample in it, joined to its neighbour, so spikes show however narrow.

const BRAILLE_BASE = 0x2800;
// Dot bits by [row within the cell 0..3][column 0..1].
const DOT = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];

export function renderTerminal(model: PlotModel, columns = 80, rows = 16): string {
  const labelW = Math.max(...[model.yMax, model.yMin].map((v) => v.toFixed(1).length)) + 1;
  const cellsW = Math.max(10, columns - labelW - 2);
  const dotsW = cellsW * 2;
  const dotsH = rows * 4;
  const grid = new Uint8Array(cellsW * rows);
  const xOf = (t: number) => Math.min(dotsW - 1, Math.max(0, Math.floor(((t - model.xMin) / (model.xMax - model.xMin)) * dotsW)));
  const yOf = (m: number) => Math.min(dotsH - 1, Math.max(0, Math.round(((model.yMax - m) / (model.yMax - model.yMin)) * (dotsH - 1))));
  const set = (dx: number, dy: number) => {
    grid[Math.floor(dy / 4) * cellsW + Math.floor(dx / 2)] |= DOT[dy % 4][dx % 2];
  };
  for (const curve of model.curves) {
    if (curve.kind !== 'mem') continue;
    let px = -1;
    let py = -1;
    for (let i = 0; i < curve.t.length; i++) {
      if (curve.t[i] < model.xMin || curve.t[i] > model.xMax) continue;
      const dx = xOf(curve.t[i]);
      const dy = yOf(curve.mib[i]);
      if (px < 0) [px, py] = [dx, dy];
      // Join to the previous sample: step through the dot columns between them.
      for (let x = px; x <= dx; x++) {
        const y0 = dx === px ? py : Math.round(py + ((dy - py) * (x - px)) / (dx - px));
        const y1 = dx === px ? dy : Math.round(py + ((dy - py) * Math.min(dx - px, x - px + 1)) / (dx - px));
        for (let r = Math.min(y0, y1); r <= Math.max(y0, y1); r++) set(x, r);
      }
      [px, py] = [dx, dy];
    }
  }
  const lines: string[] = [model.title.length > columns ? `${model.title.slice(0, columns - 1)}…` : model.title];
  for (let r = 0; r < rows; r++) {
    const value = r === 0 ? model.yMax : r === rows - 1 ? model.yMin : r === Math.floor(rows / 2) ? (model.yMax + model.yMin) / 2 : null;
    const label = value === null ? '' : value.toFixed(1);
    let row = '';
    for (let c = 0; c < cellsW; c++) row += String.fromCharCode(BRAILLE_BASE + grid[r * cellsW + c]);
    lines.push(`${label.padStart(labelW)} ┤${row}`);
  }
  const left = `${model.xMin.toFixed(1)} s`;
  const right = `${model.xMax.toFixed(1)} s`;
  lines.push(`${' '.repeat(labelW)} └${'─'.repeat(cellsW)}`);
  lines.push(`${' '.repeat(labelW + 2)}${left}${right.padStart(cellsW - left.length)}`);
  for (const p of model.peaks) {
    lines.push(`peak ${p.mib.toFixed(1)} MiB at ${p.t.toFixed(2)} s${model.peaks.length > 1 ? ` (${p.label})` : ''}  (MiB over time; write a picture with -o plot.svg|.html|.png)`);
  }
  if (model.functionNames.length) lines.push(`functions: ${model.functionNames.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
