/** parseProperties: the java.util.Properties.load rules Kafka reads server.properties with. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProperties } from '../../src/common/config/properties.js';
import { ConfigError } from '../../src/common/config/errors.js';

test('separators: =, :, blanks, and a key alone', () => {
  const props = parseProperties([
    'a=1', 'b:2', 'c 3', 'd = 4', 'e\t:\t5', 'f', 'g=', 'h = = x', 'i==y', 'j :z',
  ].join('\n'));
  assert.deepEqual(props, { a: '1', b: '2', c: '3', d: '4', e: '5', f: '', g: '', h: '= x', i: '=y', j: 'z' });
});

test('leading blanks are skipped, trailing blanks of the value are kept', () => {
  assert.deepEqual(parseProperties('   \t\fkey = value  \n'), { key: 'value  ' });
});

test('comments (# and !, also indented) and blank lines are ignored; a comment never continues', () => {
  const text = '# comment\n! also a comment\n   # indented\n\n  \t\nk=v\n# ends with a backslash \\\nnext=1\n';
  assert.deepEqual(parseProperties(text), { k: 'v', next: '1' });
});

test('a # or ! after the start of a line is content', () => {
  assert.deepEqual(parseProperties('k=v # not a comment\nx=!y'), { k: 'v # not a comment', x: '!y' });
});

test('line continuations join lines and drop the next line\'s leading blanks', () => {
  assert.deepEqual(parseProperties('listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\n'), {
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
  });
  assert.deepEqual(parseProperties('k=a\\\n  b\\\n  c'), { k: 'abc' });
  // A continued line may start with # : it is content there.
  assert.deepEqual(parseProperties('k=a\\\n#b'), { k: 'a#b' });
  // A key can be continued too.
  assert.deepEqual(parseProperties('lo\\\n  ng=1'), { long: '1' });
});

test('an even number of trailing backslashes does not continue the line', () => {
  assert.deepEqual(parseProperties('a=x\\\\\nb=y'), { a: 'x\\', b: 'y' });
  assert.deepEqual(parseProperties('a=x\\\\\\\nb=y'), { a: 'x\\b=y' });
});

test('a continuation followed by an empty line ends there; one at end of input is dropped', () => {
  assert.deepEqual(parseProperties('a=x\\\n\nb=y'), { a: 'x', b: 'y' });
  assert.deepEqual(parseProperties('a=x\\'), { a: 'x' });
});

test('CRLF and lone CR end lines too', () => {
  assert.deepEqual(parseProperties('a=1\r\nb=2\rc=3\r\n'), { a: '1', b: '2', c: '3' });
  assert.deepEqual(parseProperties('a=1\\\r\n   2'), { a: '12' });
});

test('escapes: \\t \\n \\r \\f, \\uXXXX, and any other escaped char stands for itself', () => {
  assert.deepEqual(parseProperties('k=a\\tb\\nc\\rd\\fe'), { k: 'a\tb\nc\rd\fe' });
  assert.deepEqual(parseProperties('k=\\u0041\\u00e9\\u20AC'), { k: 'Aé€' });
  assert.deepEqual(parseProperties('k=\\q\\\\\\#'), { k: 'q\\#' });
});

test('escaped separators and blanks belong to the key', () => {
  assert.deepEqual(parseProperties('a\\=b=c\nd\\:e:f\ng\\ h i\n'), { 'a=b': 'c', 'd:e': 'f', 'g h': 'i' });
});

test('a malformed \\u escape is an error', () => {
  assert.throws(() => parseProperties('k=\\u12G4'), (e: unknown) => e instanceof ConfigError && /Malformed \\uxxxx/.test(e.message));
  assert.throws(() => parseProperties('k=\\u12'), ConfigError);
});

test('a later duplicate replaces the earlier value', () => {
  assert.deepEqual(parseProperties('a=1\nb=2\na=3'), { a: '3', b: '2' });
});

test('__proto__ is an ordinary key', () => {
  const props = parseProperties('__proto__=x\n');
  assert.equal(Object.getPrototypeOf(props), Object.prototype);
  assert.equal(Object.hasOwn(props, '__proto__'), true);
  assert.deepEqual(Object.entries(props), [['__proto__', 'x']]);
});

test('empty and comment-only input give no entries', () => {
  assert.deepEqual(parseProperties(''), {});
  assert.deepEqual(parseProperties('# only\n\n'), {});
});

test('a Kafka-style server.properties', () => {
  const text = [
    '############################# Server Basics #############################',
    'process.roles=broker,controller',
    'node.id=1',
    'controller.quorum.bootstrap.servers=localhost:9093',
    'listeners=PLAINTEXT://:9092,CONTROLLER://:9093',
    '#advertised.listeners=PLAINTEXT://localhost:9092',
    'log.dirs=/tmp/kraft-combined-logs',
    'log.retention.hours=168',
  ].join('\n');
  assert.deepEqual(parseProperties(text), {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.bootstrap.servers': 'localhost:9093',
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    'log.dirs': '/tmp/kraft-combined-logs',
    'log.retention.hours': '168',
  });
});
