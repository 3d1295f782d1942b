'use strict';
// A real sampling heap profile of this process, taken through the inspector, where one
// named function allocates nearly everything (kept alive so it is still in use).
const inspector = require('node:inspector');

function post(session, method, params) {
  return new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
}

const kept = [];
function allocateManyStrings() {
  for (let i = 0; i < 20000; i++) kept.push({ index: i, text: `entry number ${i} `.repeat(8) });
}

async function takeHeapProfile() {
  const session = new inspector.Session();
  session.connect();
  await post(session, 'HeapProfiler.enable');
  await post(session, 'HeapProfiler.startSampling', { samplingInterval: 1024 });
  allocateManyStrings();
  const { profile } = await post(session, 'HeapProfiler.stopSampling');
  session.disconnect();
  return profile;
}

module.exports = { takeHeapProfile, ALLOCATOR: 'allocateManyStrings', ALLOCATOR_LINE: 11 };
