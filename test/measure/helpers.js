'use strict';
// Shared by the measure tests.
const { Worker } = require('node:worker_threads');

const DIST = require('node:path').join(__dirname, '..', '..', 'dist');

/**
 * Runs `body` (the text of an async function body that gets `dist`, the compiled output
 * directory, and returns a structured-cloneable value) in a worker thread; resolves with
 * what it returned, rejects with what it threw.
 */
async function inWorker(body) {
  const source = `
    const { parentPort } = require('node:worker_threads');
    const dist = ${JSON.stringify(DIST)};
    (async () => { ${body} })().then(
      (value) => parentPort.postMessage({ value }),
      (err) => parentPort.postMessage({ error: String(err && err.stack || err) }),
    );
  `;
  const worker = new Worker(source, { eval: true });
  try {
    const message = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (message.error) throw new Error(`in the worker: ${message.error}`);
    return message.value;
  } finally {
    await worker.terminate();
  }
}

module.exports = { inWorker };
