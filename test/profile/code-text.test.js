'use strict';
// The one lexer that tells code from comments, strings, template text and regular expressions
// (find-by-name, liveedit-cost, esm-syntax): checked case by case, and against acorn's
// tokenizer on real files.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const acorn = require('acorn');
const { nonCodeRanges, CodeText } = require('../../dist/trace/code-text');

/** The text of each range of `nonCodeRanges`. */
const pieces = (source) => {
  const r = nonCodeRanges(source);
  const out = [];
  for (let i = 0; i < r.length; i += 2) out.push(source.slice(r[i], r[i + 1]));
  return out;
};

test('strings, comments and escapes', () => {
  assert.deepStrictEqual(pieces(String.raw`a = 'it\'s' + "say \"hi\"" + 'back\\'; b = 1;`), [String.raw`'it\'s'`, String.raw`"say \"hi\""`, String.raw`'back\\'`]);
  assert.deepStrictEqual(pieces('x(); // line\ny(); /* block\n */ z();'), ['// line', '/* block\n */']);
  assert.deepStrictEqual(pieces("s = 'one \\\r\ntwo'; t = 1;"), ["'one \\\r\ntwo'"], 'a backslash continues a string over a CRLF line end');
  assert.deepStrictEqual(pieces('a = "/* no comment */"; b = \'// nor this\';'), ['"/* no comment */"', "'// nor this'"]);
  assert.deepStrictEqual(pieces('x(); // ends at CR\ry();'), ['// ends at CR']);
});

test('templates: text and `${}` (nested, with braces and templates of their own)', () => {
  assert.deepStrictEqual(pieces('t = `a ${ {k: 1}.k } b ${ `in ${x} ner` } c`; d = 2;'), ['`a ${', '} b ${', '`in ${', '} ner`', '} c`']);
  assert.deepStrictEqual(pieces('t = `\\` not the end ${ f({}) }`;'), ['`\\` not the end ${', '}`']);
  assert.deepStrictEqual(pieces('t = `${ "}" }`;'), ['`${', '"}"', '}`'], 'a brace in a string does not close the substitution');
});

test('a regular expression or a division, by the token before the slash', () => {
  assert.deepStrictEqual(pieces('x = a / b / c;'), []);
  assert.deepStrictEqual(pieces('x = (a) / 2 / (b);'), [], 'after )');
  assert.deepStrictEqual(pieces('x = a[0] / 2 / b[1];'), [], 'after ]');
  assert.deepStrictEqual(pieces("r = /'/; s = /\"/; t = 1;"), ["/'/", '/"/'], 'a quote in a regular expression opens no string');
  assert.deepStrictEqual(pieces("a = b / 2; c = '/';"), ["'/'"], 'a division opens no regular expression');
  assert.deepStrictEqual(pieces('x = /a\\/b[/]c/gi.test(s);'), ['/a\\/b[/]c/gi'], 'an escaped slash and one in a class; flags');
  assert.deepStrictEqual(pieces('function f() { return /x/.test(s) }'), ['/x/']);
  assert.deepStrictEqual(pieces('if (typeof /x/ === "object") {}'), ['/x/', '"object"']);
  assert.deepStrictEqual(pieces('x = returned / 2 / y;'), [], 'a word that only starts like return');
  assert.deepStrictEqual(pieces('x = this.#in / 2 / y;'), [], 'a private name');
  assert.deepStrictEqual(pieces("x = 'a' / 2 / y; z = `t` / 3 / w;"), ["'a'", '`t`'], 'after a string or a template: a division');
  assert.deepStrictEqual(pieces('x = a / /re/.source.length;'), ['/re/'], 'after a division: a regular expression');
  assert.deepStrictEqual(pieces('x = /* c */ /re/; y = b /* c */ / 2 / d;'), ['/* c */', '/re/', '/* c */'], 'a comment before the slash is passed over');
  assert.deepStrictEqual(pieces('t = `${/}/.source}`;'), ['`${', '/}/', '}`'], 'at the start of a substitution');
});

test('a #! line is a comment; unterminated tokens end at their line or the file', () => {
  assert.deepStrictEqual(pieces('#!/usr/bin/env node\nx = a / b / c;'), ['#!/usr/bin/env node']);
  assert.deepStrictEqual(pieces("s = 'open\nx = 1;"), ["'open"]);
  assert.deepStrictEqual(pieces('r = /open\nx = 1;'), ['/open']);
  assert.deepStrictEqual(pieces('x(); /* open'), ['/* open']);
  assert.deepStrictEqual(pieces('t = `open ${ a'), ['`open ${']);
  assert.deepStrictEqual(pieces('t = `open'), ['`open']);
});

test('kindAt: code, text that may be evaluated, or neither; lexed only as far as asked', () => {
  const source = "a(); 'str'; `t${b}u`; // c\n/re/.x; z();";
  const kinds = (word) => new CodeText(source).kindAt(source.indexOf(word));
  assert.deepStrictEqual(['a(', 'str', 't$', 'b}', 'u`', '// c', 're', 'x;', 'z('].map(kinds), ['code', 'string', 'string', 'code', 'string', 'comment-or-regexp', 'comment-or-regexp', 'code', 'code']);
  const text = new CodeText(`x(); ${"'s'; ".repeat(1000)}`);
  assert.strictEqual(text.kindAt(0), 'code');
  assert.ok(text.ranges.length <= 2, `ranges lexed to answer for the first character: ${text.ranges.length / 2}`);
});

/** acorn's comments, strings, regular expressions and template text as [start, end) pairs, touching ones joined. */
function acornRanges(source) {
  const pairs = [];
  const onComment = (block, text, start, end) => pairs.push([start, end]);
  const tokens = [...acorn.tokenizer(source, { ecmaVersion: 'latest', allowHashBang: true, onComment })];
  tokens.forEach((t, i) => {
    const label = t.type.label;
    const closesSubstitution = label === '}' && tokens[i + 1]?.type.label === 'template' && tokens[i + 1].start === t.end;
    if (['string', 'regexp', 'template', '`', '${'].includes(label) || closesSubstitution) pairs.push([t.start, t.end]);
  });
  return joined(pairs.sort((a, b) => a[0] - b[0]).flat());
}

function joined(ranges) {
  const out = [];
  for (let i = 0; i < ranges.length; i += 2) {
    if (out.length > 0 && out[out.length - 1] === ranges[i]) out[out.length - 1] = ranges[i + 1];
    else if (ranges[i + 1] > ranges[i]) out.push(ranges[i], ranges[i + 1]);
  }
  return out;
}

test("the ranges are acorn's tokens and comments, on acorn.js and commander", () => {
  const root = path.join(__dirname, '..', '..');
  const files = [require.resolve('acorn', { paths: [root] }).replace(/acorn\.mjs$/, 'acorn.js'), path.join(require.resolve('commander', { paths: [root] }), '..', 'lib', 'command.js')];
  for (const file of files) {
    const source = fs.readFileSync(file, 'utf8');
    const expected = acornRanges(source);
    assert.ok(expected.length > 200, `${file}: ${expected.length / 2} ranges from acorn`);
    assert.deepStrictEqual(joined(nonCodeRanges(source)), expected, file);
  }
});
