'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { tempDir, memprof, MPROF, MPROF_SKIP, hasMatplotlib } = require('./helpers.js');
const { downsample, buildPlotModel } = require('../../dist/timeline/plot/index.js');
const { parseDat } = require('../../dist/timeline/dat.js');

/** A recording: a ramp with one narrow spike, a child curve and nested FUNC brackets. */
function writeRecording(file, samples = 400, spikeAt = 250) {
  const t0 = 1700000000;
  let text = `CMDLINE node <app> & "quotes".js\n`;
  for (let i = 0; i < samples; i++) {
    const mib = i === spikeAt ? 500 : 20 + (i / samples) * 100;
    text += `MEM ${mib.toFixed(6)} ${(t0 + i * 0.01).toFixed(4)}\n`;
    if (i % 10 === 0) text += `CHLD 99 ${(5 + i / 50).toFixed(6)} ${(t0 + i * 0.01).toFixed(4)}\n`;
  }
  text += `FUNC app.outer 21.0000 ${t0 + 0.5} 90.0000 ${t0 + 3.0} 0\n`;
  text += `FUNC app.inner 30.0000 ${t0 + 1.0} 60.0000 ${t0 + 2.0} 1\n`;
  fs.writeFileSync(file, text);
}

/** Plots the standard recording to out.<ext>: the output's path and the CLI's result. */
function plotRecording(ext, extra = []) {
  const dir = tempDir();
  const dat = path.join(dir, 'r.dat');
  writeRecording(dat);
  const out = path.join(dir, `out.${ext}`);
  return { dir, dat, out, r: memprof(['plot', dat, '-o', out, ...extra]) };
}

/** Parses XML with python's expat: a real XML parser, not a pattern. */
function assertValidXml(file) {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])', file], { encoding: 'utf8' });
  if (r.error && r.error.code === 'ENOENT') return; // no python: the other checks still apply
  assert.equal(r.status, 0, `not valid XML: ${r.stderr}`);
}

test('downsampling keeps each bucket\'s min and max, so a one-sample spike survives', () => {
  const n = 100000;
  const times = Array.from({ length: n }, (_, i) => i * 0.01);
  const values = Array.from({ length: n }, (_, i) => (i === 77777 ? 900 : i === 33333 ? -5 : Math.sin(i / 1000)));
  const ds = downsample(times, values, 1000);
  assert.ok(ds.times.length <= 1000, `${ds.times.length} points`);
  assert.ok(ds.mib.includes(900), 'the spike is kept');
  assert.ok(ds.mib.includes(-5), 'the trough is kept');
  for (let i = 1; i < ds.times.length; i++) assert.ok(ds.times[i] > ds.times[i - 1], 'time order kept');
  assert.deepEqual(downsample([1, 2], [3, 4], 10), { times: [1, 2], mib: [3, 4] });
});

test('plot -o out.svg: valid XML with curve, child, brackets, peak and escaped title', () => {
  const { out: svg, r } = plotRecording('svg');
  assert.equal(r.code, 0, r.stderr);
  const text = fs.readFileSync(svg, 'utf8');
  assertValidXml(svg);
  assert.match(text, /node &lt;app&gt; &amp; &quot;quotes&quot;\.js/);
  assert.match(text, /peak 500\.0 MiB/);
  assert.match(text, /child 99/);
  assert.match(text, /app\.outer/);
  assert.match(text, /app\.inner/);
  assert.equal((text.match(/<polyline/g) || []).length, 2, 'memory and child curves');
});

test('--flame draws rectangles, -n drops brackets, --title and --window apply, --slope prints the trend', () => {
  const dir = tempDir();
  const dat = path.join(dir, 'r.dat');
  writeRecording(dat);
  const out = path.join(dir, 'f.svg');
  let r = memprof(['plot', dat, '-o', out, '--flame', '--title', 'My <run>']);
  assert.equal(r.code, 0, r.stderr);
  let text = fs.readFileSync(out, 'utf8');
  assertValidXml(out);
  assert.match(text, /My &lt;run&gt;/);
  assert.equal((text.match(/<rect[^>]*fill-opacity="0\.7"/g) || []).length, 2, 'one flame rectangle per call');
  r = memprof(['plot', dat, '-o', out, '-n']);
  text = fs.readFileSync(out, 'utf8');
  assert.doesNotMatch(text, /app\.outer/);
  // A window that excludes the spike: the peak shown is the ramp's, not 500.
  r = memprof(['plot', dat, '-o', out, '--window', '0,2']);
  text = fs.readFileSync(out, 'utf8');
  assert.doesNotMatch(text, /peak 500/);
  assert.match(text, /peak 70\.0 MiB/, "the ramp at 2 s");
  assert.doesNotMatch(r.stderr, /no samples/);
  // A window past the end: the empty frame, and a note saying why it is empty.
  r = memprof(['plot', dat, '-o', out, '--window', '100,200']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no samples between 100 s and 200 s/);
  r = memprof(['plot', dat, '-o', out, '--slope']);
  assert.match(r.stdout, /^slope: \d+\.\d+ MiB\/s$/m);
  const slope = Number(/slope: (\S+)/.exec(r.stdout)[1]);
  assert.ok(slope > 20 && slope < 30, `ramp of 100 MiB over 4 s (plus one spike): ${slope}`);
  for (const bad of [['--window', '5,1'], ['--window', 'a,b'], ['-o', path.join(dir, 'x.pdf')], ['-o', path.join(dir, 'no', 'x.svg')]]) {
    r = memprof(['plot', dat, ...bad]);
    assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('plot -o out.html: one self-contained file with the data and the interactive script', () => {
  const { out: html, r } = plotRecording('html');
  assert.equal(r.code, 0, r.stderr);
  const text = fs.readFileSync(html, 'utf8');
  assert.match(text, /^<!DOCTYPE html>/);
  assert.doesNotMatch(text, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'nothing loaded from elsewhere');
  const json = /<script id="memprof-data" type="application\/json">(.*?)<\/script>/s.exec(text)[1];
  const data = JSON.parse(json);
  assert.equal(data.curves[0].m.length, 400);
  assert.equal(Math.max(...data.curves[0].m), 500);
  assert.deepEqual(data.functions, ['app.outer', 'app.inner']);
  assert.match(text, /addEventListener\('wheel'/);
  assert.match(text, /addEventListener\('mousemove'/);
  // The inline script at least parses.
  const script = /<script>\n([\s\S]*?)<\/script>/.exec(text)[1];
  assert.doesNotThrow(() => new Function(script));
});

test('plot -o out.png renders a PNG', () => {
  const { out: png, r } = plotRecording('png');
  assert.equal(r.code, 0, r.stderr);
  const bytes = fs.readFileSync(png);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(bytes.readUInt32BE(16), 1500, 'width: 1000 px at 1.5x');
});

test('plot -o out.png without the optional @resvg/resvg-js: exit 2, says to install it or write .svg', () => {
  const { dir, dat } = plotRecording('svg');
  // The package as installed with --omit=optional: every dependency but the PNG renderer.
  const stage = path.join(dir, 'stage');
  const root = path.join(__dirname, '..', '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const entry of ['dist', 'bin', 'package.json']) fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
  for (const dependency of Object.keys(pkg.dependencies)) {
    fs.mkdirSync(path.dirname(path.join(stage, 'node_modules', dependency)), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules', dependency), path.join(stage, 'node_modules', dependency), 'dir');
  }
  const out = path.join(dir, 'no-renderer.png');
  const r = spawnSync(process.execPath, [path.join(stage, 'bin', 'memprof.js'), 'plot', dat, '-o', out], { encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, 'memprof: PNG output needs the optional dependency @resvg/resvg-js, which is not installed (npm install @resvg/resvg-js); or write .svg or .html instead\n');
  assert.ok(!fs.existsSync(out), 'no PNG file written');
});

test('plot without -o draws in the terminal', () => {
  const dir = tempDir();
  const dat = path.join(dir, 'r.dat');
  writeRecording(dat);
  const r = memprof(['plot', dat]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /[\u2801-\u28ff]/, 'braille dots');
  assert.match(r.stdout, /peak 500\.0 MiB at 2\.50 s/);
  assert.match(r.stdout, /functions: app\.outer, app\.inner/);
});

test('several files are overlaid, one curve each, without brackets (as mprof)', () => {
  const dir = tempDir();
  writeRecording(path.join(dir, 'a.dat'));
  writeRecording(path.join(dir, 'b.dat'), 200, 50);
  const out = path.join(dir, 'o.svg');
  const r = memprof(['plot', path.join(dir, 'a.dat'), path.join(dir, 'b.dat'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const text = fs.readFileSync(out, 'utf8');
  assert.match(text, />a\.dat</);
  assert.match(text, />b\.dat</);
  assert.doesNotMatch(text, /app\.outer/);
  assert.equal((text.match(/peak 500\.0 MiB/g) || []).length, 2);
});

test('an hour at 10 ms stays small and keeps its peak', () => {
  const dir = tempDir();
  const dat = path.join(dir, 'long.dat');
  const n = 360000;
  const parts = ['CMDLINE long\n'];
  for (let i = 0; i < n; i++) parts.push(`MEM ${(50 + 10 * Math.sin(i / 5000) + (i === 123457 ? 300 : 0)).toFixed(6)} ${(1700000000 + i * 0.01).toFixed(4)}\n`);
  fs.writeFileSync(dat, parts.join(''));
  const html = path.join(dir, 'long.html');
  const svg = path.join(dir, 'long.svg');
  assert.equal(memprof(['plot', dat, '-o', html]).code, 0);
  assert.equal(memprof(['plot', dat, '-o', svg]).code, 0);
  const htmlSize = fs.statSync(html).size;
  assert.ok(htmlSize < 400 * 1024, `HTML ${htmlSize} bytes`);
  assert.ok(fs.statSync(svg).size < 150 * 1024, `SVG ${fs.statSync(svg).size} bytes`);
  assert.match(fs.readFileSync(svg, 'utf8'), /peak 345\.7 MiB/);
  assert.match(fs.readFileSync(html, 'utf8'), /"mib":345\.72/);
  const model = buildPlotModel([parseDat(fs.readFileSync(dat, 'utf8'), dat)]);
  assert.equal(model.samples, n);
  assert.ok(model.curves[0].t.length <= 4000, `${model.curves[0].t.length} points kept`);
});

test('a file written by python3-mprof plots in every format', { skip: MPROF_SKIP }, () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'grow.py'), 'import time\na = []\nfor i in range(20):\n    a.append(" " * 3000000)\n    time.sleep(0.01)\n');
  const py = spawnSync(MPROF, ['run', '-T', '0.01', '-o', 'py.dat', '/usr/bin/python3', 'grow.py'], { cwd: dir, encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const dat = path.join(dir, 'py.dat');
  const rec = parseDat(fs.readFileSync(dat, 'utf8'), dat);
  assert.ok(rec.mem.mib.length > 5, 'python wrote samples');
  assert.ok(Math.max(...rec.mem.mib) > 50, 'and saw the 60 MB the script allocated');
  for (const ext of ['svg', 'html', 'png']) {
    const out = path.join(dir, `py.${ext}`);
    const r = memprof(['plot', dat, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.statSync(out).size > 1000, `${fs.statSync(out).size} bytes`);
  }
  assertValidXml(path.join(dir, 'py.svg'));
  const peak = memprof(['peak', dat]);
  const theirs = spawnSync(MPROF, ['peak', dat], { encoding: 'utf8' });
  assert.equal(peak.stdout, theirs.stdout);
});

test('python3-mprof plot reads a file we wrote (brackets and children included)', { skip: MPROF_SKIP || (!hasMatplotlib() && 'matplotlib is not installed') }, () => {
  const dir = tempDir();
  const dat = path.join(dir, 'r.dat');
  writeRecording(dat);
  for (const extra of [[], ['--flame']]) {
    const out = path.join(dir, `mp${extra.length}.png`);
    const r = spawnSync(MPROF, ['plot', dat, '-o', out, ...extra], { encoding: 'utf8', env: { ...process.env, MPLBACKEND: 'Agg' } });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.statSync(out).size > 1000, `${fs.statSync(out).size} bytes`);
  }
});

/** A minimal DOM: enough for the chart script to draw and handle events. */
function fakeDom(html) {
  const listeners = {};
  const elements = [];
  const make = (name) => {
    const el = {
      name, attrs: {}, children: [], style: {}, textContent: '', clientWidth: 1000, clientHeight: 520,
      setAttribute(k, v) { this.attrs[k] = String(v); },
      appendChild(c) { this.children.push(c); return c; },
      removeChild(c) { this.children.splice(this.children.indexOf(c), 1); },
      get firstChild() { return this.children[0] || null; },
      addEventListener(type, fn) { listeners[type] = fn; },
      getBoundingClientRect() { return { left: 0, top: 0 }; },
    };
    elements.push(el);
    return el;
  };
  const byId = { chart: make('svg'), tip: make('div'), title: make('h3'), status: make('span'), 'memprof-data': make('script') };
  byId['memprof-data'].textContent = /<script id="memprof-data" type="application\/json">(.*?)<\/script>/s.exec(html)[1];
  const document = { getElementById: (id) => byId[id], createElementNS: (_ns, name) => make(name) };
  const window = { addEventListener() {} };
  const script = /<script>\n([\s\S]*?)<\/script>/.exec(html)[1];
  new Function('document', 'window', script)(document, window);
  const count = (name) => {
    let n = 0;
    const walk = (el) => { if (el.name === name) n++; el.children.forEach(walk); };
    walk(byId.chart);
    return n;
  };
  return { listeners, byId, count };
}

test('the HTML chart draws, zooms on a drag, shows values on hover and resets on double-click', () => {
  const { out, r } = plotRecording('html');
  assert.equal(r.code, 0, r.stderr);
  const dom = fakeDom(fs.readFileSync(out, 'utf8'));
  assert.equal(dom.byId.title.textContent, 'node <app> & "quotes".js');
  assert.equal(dom.count('polyline'), 2, 'memory and child curves');
  assert.match(dom.byId.status.textContent, /^showing 0\.000 s to 3\.990 s$/);
  // Hover over t ≈ 2.5 s (x = 70 + 2.5/3.99 * 720): the spike sample's value.
  dom.listeners.mousemove({ clientX: 70 + (2.5 / 3.99) * 720, clientY: 100 });
  assert.match(dom.byId.tip.textContent, /t = 2\.50\d+ s\nmemory: 500\.000 MiB/);
  assert.match(dom.byId.tip.textContent, /app\.outer \(depth 0\)\napp\.inner|app\.outer \(depth 0\)/);
  // Drag from 1 s to 2 s: the view zooms to that range.
  dom.listeners.mousedown({ clientX: 70 + (1 / 3.99) * 720 });
  dom.listeners.mouseup({ clientX: 70 + (2 / 3.99) * 720 });
  assert.match(dom.byId.status.textContent, /^showing 1\.0\d\d s to 2\.0\d\d s$/);
  dom.listeners.wheel({ clientX: 430, deltaY: 100, preventDefault() {} });
  assert.match(dom.byId.status.textContent, /^showing 0\.\d+ s to 2\.\d+ s$/, 'wheel out widens the view');
  dom.listeners.dblclick();
  assert.match(dom.byId.status.textContent, /^showing 0\.000 s to 3\.990 s$/);
});

test('a long command line as the title is shortened to fit the image, not cut at both sides', () => {
  const dir = tempDir();
  const dat = path.join(dir, 'long.dat');
  const cmdline = `node -e '${'x'.repeat(200)}' --end-marker`;
  fs.writeFileSync(dat, `CMDLINE ${cmdline}\nMEM 10.0 1700000000.0\nMEM 20.0 1700000001.0\n`);
  const out = path.join(dir, 'long.svg');
  const r = memprof(['plot', dat, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const title = /<text[^>]*font-size="15">([^<]*)<\/text>/.exec(fs.readFileSync(out, 'utf8'))[1].replace(/&apos;/g, "'");
  // Centred 420 px from the left edge at 15 px: about 90 characters fit.
  assert.ok(title.length <= 90 && title.endsWith('…') && title.startsWith("node -e 'xxx"), title);
});
