'use strict';
// The HTML report in a real headless Chromium: it renders (the DOM after its script ran
// holds the tables, the timeline and the icicle graph; a screenshot is kept as an artifact)
// and no request leaves the page (Chromium goes through a recording proxy; a control page
// that does make a request shows the proxy would see it).
const assert = require('node:assert');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { top } = require('./helpers');

const ARTIFACTS = path.join(process.env.MEMPROF_TEST_ARTIFACTS || path.join(os.tmpdir(), 'memprof-test-artifacts'), 'top');

function findChromium() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
    } catch {
      // not this one
    }
  }
  return null;
}

const chromium = findChromium();

/** A proxy that answers 204 to everything and records what was asked. */
async function recordingProxy() {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(204).end();
  });
  server.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { requests, port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * Chromium's own background traffic, which its flags do not all stop (measured: the clock
 * check, the component updater, the account service); never a page's request.
 */
function isBrowserOwn(request) {
  return /^GET http:\/\/clients2\.google\.com\/time\/1\/current\?/.test(request) ||
    /^(POST|CONNECT) (http:\/\/)?update\.googleapis\.com(:443|\/service\/update2\/)/.test(request) ||
    request === 'CONNECT accounts.google.com:443';
}

/** Runs Chromium with a fresh profile, through the proxy; resolves with its status and output. */
function runChromium(proxyPort, extra) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${profile}`,
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
    '--proxy-bypass-list=<-loopback>',
    '--window-size=1200,1800',
    ...extra,
  ];
  return new Promise((resolve) => {
    const child = spawn(chromium, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => (stderr += err.message));
    child.on('close', (status) => {
      fs.rmSync(profile, { recursive: true, force: true });
      resolve({ status, stdout, stderr });
    });
  });
}

test('the HTML report renders in headless Chromium and makes no request', { skip: chromium ? false : 'chromium is not installed (apt-get install chromium; .ci/run installs it)' }, async (t) => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const report = path.join(ARTIFACTS, 'hot-spot.html');
  const r = top(['--second-pass', '-o', report, 'hot-spot-sync.js']);
  assert.strictEqual(r.code, 3, `the program's exit code: ${r.stderr}`);
  const html = fs.readFileSync(report, 'utf8');
  assert.ok(!/<(script|img|link|iframe)[^>]+(src|href)=/i.test(html), 'the page names no external script, image, style or frame');

  const proxy = await recordingProxy();
  const run = (extra) => runChromium(proxy.port, extra);
  try {
    const url = `file://${report}`;
    const dom = await run(['--dump-dom', url]);
    assert.strictEqual(dom.status, 0, `chromium --dump-dom ran: ${dom.stderr.slice(-500)}`);
    assert.match(dom.stdout, /<table class="top" id="functions">[\s\S]*?<td>hot\s+allocators\.js:4<\/td>/, 'the functions table names hot first');
    assert.match(dom.stdout, /<div id="timeline"><svg[\s\S]*?<polyline/, 'the timeline is drawn');
    const flame = /<div id="flame"[^>]*>([\s\S]*?)<\/div>\s*<script/.exec(dom.stdout);
    assert.ok(flame && /<div[^>]*>hot allocators\.js:4<\/div>/.test(flame[1]), `the icicle graph was drawn by its script and shows hot: ${flame?.[1].slice(0, 400)}`);
    assert.match(dom.stdout, /<table class="lines"><caption>hot — [^<]*allocators\.js:4/, "hot's line table");

    const shot = path.join(ARTIFACTS, 'hot-spot.png');
    fs.rmSync(shot, { force: true });
    const png = await run([`--screenshot=${shot}`, url]);
    assert.ok(fs.existsSync(shot) && fs.statSync(shot).size > 10000, `a screenshot was taken: ${png.stderr.slice(-300)}`);
    t.diagnostic(`screenshot: ${shot}`);
    assert.deepStrictEqual(proxy.requests.filter((q) => !isBrowserOwn(q)), [], 'no request left the report page');
    assert.match(dom.stdout, /Content-Security-Policy" content="default-src 'none'/, 'the page forbids requests itself');

    // Control: a page that does make a request is seen by the proxy.
    const control = path.join(ARTIFACTS, 'control.html');
    fs.writeFileSync(control, '<!DOCTYPE html><img src="http://memprof-control.invalid/x.png">');
    await run(['--dump-dom', `file://${control}`]);
    assert.ok(proxy.requests.some((q) => q.includes('memprof-control.invalid')), `the proxy sees a page's request: ${JSON.stringify(proxy.requests)}`);
  } finally {
    await proxy.close();
  }
});

test("a long source line scrolls inside the line tables, not the whole page", { skip: chromium ? false : 'chromium is not installed (apt-get install chromium; .ci/run installs it)' }, async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const report = path.join(ARTIFACTS, 'long-line.html');
  const r = top(['--second-pass', '-o', report, 'long-line.js']);
  assert.strictEqual(r.code, 0, `the program's exit code: ${r.stderr}`);
  const html = fs.readFileSync(report, 'utf8');
  assert.match(html, /<table class="lines">[\s\S]*warehouse/, "build's table holds the long line");
  // The page measures itself once laid out (the report's CSP allows inline scripts).
  const measured = path.join(ARTIFACTS, 'long-line-measured.html');
  const probe = '<script>document.body.setAttribute("data-page-width", document.documentElement.scrollWidth + "/" + window.innerWidth);</script>';
  fs.writeFileSync(measured, html.replace('</body>', `${probe}</body>`));
  const proxy = await recordingProxy();
  try {
    const dom = await runChromium(proxy.port, ['--dump-dom', `file://${measured}`]);
    const width = /data-page-width="(\d+)\/(\d+)"/.exec(dom.stdout);
    assert.ok(width, `the page measured itself: ${dom.stderr.slice(-300)}`);
    assert.ok(Number(width[1]) <= Number(width[2]), `page scroll width ${width[1]} px within the ${width[2]} px window`);
  } finally {
    await proxy.close();
  }
});
