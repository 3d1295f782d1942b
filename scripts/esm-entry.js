'use strict';
// Writes dist/index.mjs: an ES module entry that re-exports the CommonJS build's named
// exports, so `import { profile } from 'memprof'` works without a second compile, and its
// types, dist/index.d.mts (ES module types for an ES module: no "masquerading as CJS").
const fs = require('node:fs');
const path = require('node:path');
const { writeFileAtomic } = require('../dist/util/write-file.js');

const dist = path.join(__dirname, '..', 'dist');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== 'default');
const source =
  "import memprof from './index.js';\n" +
  `export const { ${names.join(', ')} } = memprof;\n` +
  'export default memprof;\n';
writeFileAtomic(path.join(dist, 'index.mjs'), source);
writeFileAtomic(
  path.join(dist, 'index.d.mts'),
  "import * as memprof from './index.js';\n" + "export * from './index.js';\n" + 'export default memprof;\n',
);
