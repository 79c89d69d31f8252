/**
 * parseProperties: the Java .properties format, read the way java.util.Properties.load reads it
 * (Kafka reads server.properties with it).
 *
 * - Lines end with \n, \r or \r\n. Leading spaces, tabs and form feeds are skipped.
 * - A line whose first non-blank char is # or ! is a comment; comments never continue.
 * - A line ending in an odd number of backslashes continues on the next line; the backslash,
 *   the line break and the next line's leading blanks are dropped.
 * - The key runs to the first unescaped =, : or blank; blanks around one = or : are skipped;
 *   the value is the rest, trailing blanks kept (typed parsing trims them later, as Kafka does).
 *   `a b`, `a=b`, `a:b`, `a = b` all give a → b; `a` alone gives a → "".
 * - Escapes: \t \n \r \f, \uXXXX (exactly four hex digits, else an error), and \c → c for any
 *   other char (so \=, \:, \# and \  put those chars in keys).
 * - A later duplicate key replaces the earlier value.
 *
 * Input is an already decoded string (Java decodes the file as ISO-8859-1; we take what the
 * caller decoded, normally UTF-8). The result is a plain object built with Object.fromEntries,
 * so a key like __proto__ is an ordinary own property.
 */
import { ConfigError } from './errors.js';

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\f';
}

interface LogicalLine {
  text: string;
  lineNumber: number;
}

/** Splits into logical lines (comments and blank lines removed, continuations joined). */
function logicalLines(input: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let buf = '';
  let lineNumber = 1;
  let startLine = 1;
  let skipBlank = true;
  let isNewLine = true;
  let isComment = false;
  let continued = false;
  let precedingBackslash = false;
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    i++;
    const eol = c === '\n' || c === '\r';
    if (eol) {
      if (c === '\r' && input[i] === '\n') i++;
    }
    if (skipBlank) {
      if (isBlank(c)) continue;
      if (!continued && eol) {
        lineNumber++;
        continue;
      }
      skipBlank = false;
      continued = false;
    }
    if (isNewLine) {
      isNewLine = false;
      startLine = lineNumber;
      if (c === '#' || c === '!') isComment = true;
    }
    if (!eol) {
      if (isComment) continue;
      buf += c;
      precedingBackslash = c === '\\' ? !precedingBackslash : false;
      continue;
    }
    lineNumber++;
    if (isComment || buf.length === 0) {
      isComment = false;
      isNewLine = true;
      skipBlank = true;
      buf = '';
      continue;
    }
    if (precedingBackslash) {
      buf = buf.slice(0, -1);
      skipBlank = true;
      continued = true;
      precedingBackslash = false;
      continue;
    }
    out.push({ text: buf, lineNumber: startLine });
    buf = '';
    isNewLine = true;
    skipBlank = true;
  }
  if (buf.length > 0 && !isComment) {
    out.push({ text: precedingBackslash ? buf.slice(0, -1) : buf, lineNumber: startLine });
  }
  return out;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

/** Resolves backslash escapes in a key or value. */
function unescape(text: string, lineNumber: number): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= text.length) break;
    const e = text[i]!;
    if (e === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new ConfigError(`Malformed \\uxxxx escape on line ${lineNumber}: "\\u${hex}"`, '', 'malformed-file', text);
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[e] ?? e;
    }
  }
  return out;
}

/** Splits one logical line into its raw (still escaped) key and value. */
function splitKeyValue(line: string): [string, string] {
  let keyEnd = 0;
  let valueStart = line.length;
  let hasSeparator = false;
  let precedingBackslash = false;
  while (keyEnd < line.length) {
    const c = line[keyEnd]!;
    if ((c === '=' || c === ':') && !precedingBackslash) {
      valueStart = keyEnd + 1;
      hasSeparator = true;
      break;
    }
    if (isBlank(c) && !precedingBackslash) {
      valueStart = keyEnd + 1;
      break;
    }
    precedingBackslash = c === '\\' ? !precedingBackslash : false;
    keyEnd++;
  }
  while (valueStart < line.length) {
    const c = line[valueStart]!;
    if (!isBlank(c)) {
      if (!hasSeparator && (c === '=' || c === ':')) hasSeparator = true;
      else break;
    }
    valueStart++;
  }
  return [line.slice(0, keyEnd), line.slice(valueStart)];
}

/** Parses .properties text into key → value (see the module comment for the exact rules). */
export function parseProperties(text: string): Record<string, string> {
  const entries = new Map<string, string>();
  for (const { text: line, lineNumber } of logicalLines(text)) {
    const [rawKey, rawValue] = splitKeyValue(line);
    entries.set(unescape(rawKey, lineNumber), unescape(rawValue, lineNumber));
  }
  return Object.fromEntries(entries);
}
