/**
 * Records as text lines, the console tools' two formats:
 * - LineParser: kafka-console-producer's line reader (`--property parse.key=true`,
 *   `key.separator`, `parse.headers`, `headers.delimiter`, `headers.separator`,
 *   `headers.key.separator`, `null.marker`, `ignore.error`), one record per line, headers first,
 *   then the key, then the value.
 * - RecordFormatter: kafka-console-consumer's default formatter (`print.timestamp`,
 *   `print.partition`, `print.offset`, `print.headers`, `print.key`, `print.value`,
 *   `key.separator`, `line.separator`, `headers.separator`, `null.literal`), fields in Kafka's
 *   order: timestamp, partition, offset, headers, key, value.
 */
import { UsageError, ToolError } from './errors.js';

export interface TextHeader {
  key: string;
  value: Buffer | null;
}

export interface TextRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: TextHeader[];
}

function bool(props: ReadonlyMap<string, string>, key: string, def: boolean): boolean {
  const v = props.get(key);
  return v === undefined ? def : v.trim().toLowerCase() === 'true';
}

// ------------------------------------------------------------------ producer side

export class LineParser {
  readonly parseKey: boolean;
  readonly keySeparator: string;
  readonly parseHeaders: boolean;
  readonly headersDelimiter: string;
  readonly headersSeparator: string;
  readonly headersKeySeparator: string;
  readonly ignoreError: boolean;
  readonly nullMarker: string | undefined;
  private lineNumber = 0;

  /** Reader properties (`--property k=v`); conflicting separators are a UsageError as in Kafka. */
  constructor(props: ReadonlyMap<string, string>) {
    this.parseKey = bool(props, 'parse.key', false);
    this.keySeparator = props.get('key.separator') ?? '\t';
    this.parseHeaders = bool(props, 'parse.headers', false);
    this.headersDelimiter = props.get('headers.delimiter') ?? '\t';
    this.headersSeparator = props.get('headers.separator') ?? ',';
    this.headersKeySeparator = props.get('headers.key.separator') ?? ':';
    this.ignoreError = bool(props, 'ignore.error', false);
    this.nullMarker = props.get('null.marker');
    const distinct = (a: string, an: string, b: string | undefined, bn: string): void => {
      if (a === b) throw new UsageError(`${an} and ${bn} may not be equal`);
    };
    distinct(this.headersDelimiter, 'headers.delimiter', this.headersSeparator, 'headers.separator');
    distinct(this.headersDelimiter, 'headers.delimiter', this.headersKeySeparator, 'headers.key.separator');
    distinct(this.headersSeparator, 'headers.separator', this.headersKeySeparator, 'headers.key.separator');
    if (this.nullMarker !== undefined) {
      distinct(this.keySeparator, 'null.marker', this.nullMarker, 'key.separator');
      distinct(this.headersSeparator, 'null.marker', this.nullMarker, 'headers.separator');
      distinct(this.headersDelimiter, 'null.marker', this.nullMarker, 'headers.delimiter');
      distinct(this.headersKeySeparator, 'null.marker', this.nullMarker, 'headers.key.separator');
    }
    if (this.parseKey && this.keySeparator === '') throw new UsageError('key.separator may not be empty');
    if (this.parseHeaders && (this.headersDelimiter === '' || this.headersSeparator === '' || this.headersKeySeparator === '')) {
      throw new UsageError('headers.delimiter, headers.separator and headers.key.separator may not be empty');
    }
  }

  private field(enabled: boolean, line: string, start: number, sep: string, what: string): string | null {
    if (!enabled) return null;
    const i = line.indexOf(sep, start);
    if (i < 0) {
      if (this.ignoreError) return null;
      throw new ToolError(`No ${what} found on line number ${this.lineNumber}: '${line}'`);
    }
    return line.slice(start, i);
  }

  private bytes(s: string | null): Buffer | null {
    return s === null || s === this.nullMarker ? null : Buffer.from(s, 'utf8');
  }

  /** One line (without its line break) into a record. Throws ToolError on a malformed line. */
  parse(line: string): TextRecord {
    this.lineNumber++;
    const headers = this.field(this.parseHeaders, line, 0, this.headersDelimiter, 'headers delimiter');
    const headerEnd = headers === null ? 0 : headers.length + this.headersDelimiter.length;
    const key = this.field(this.parseKey, line, headerEnd, this.keySeparator, 'key separator');
    const keyEnd = key === null ? 0 : key.length + this.keySeparator.length;
    const value = line.slice(headerEnd + keyEnd);
    const out: TextRecord = { key: this.bytes(key), value: this.bytes(value), headers: [] };
    if (headers !== null && headers !== this.nullMarker) {
      for (const pair of headers.split(this.headersSeparator)) {
        const i = pair.indexOf(this.headersKeySeparator);
        if (i < 0) {
          if (this.ignoreError) {
            out.headers.push({ key: pair, value: null });
            continue;
          }
          throw new ToolError(`No header key separator found in pair '${pair}' on line number ${this.lineNumber}`);
        }
        const hk = pair.slice(0, i);
        if (hk === this.nullMarker) throw new ToolError(`Header keys should not be equal to the null marker '${this.nullMarker}' as they can't be null`);
        out.headers.push({ key: hk, value: this.bytes(pair.slice(i + this.headersKeySeparator.length)) });
      }
    }
    return out;
  }
}

// ------------------------------------------------------------------ consumer side

export interface FormattableRecord {
  partition: number;
  offset: bigint | number;
  timestamp: bigint | number;
  /** 0 CreateTime, 1 LogAppendTime, -1 none. */
  timestampType: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: readonly { key: string; value: Uint8Array | null }[];
}

export class RecordFormatter {
  readonly printTimestamp: boolean;
  readonly printKey: boolean;
  readonly printValue: boolean;
  readonly printPartition: boolean;
  readonly printOffset: boolean;
  readonly printHeaders: boolean;
  private readonly keySeparator: Buffer;
  private readonly lineSeparator: Buffer;
  private readonly headersSeparator: Buffer;
  private readonly nullLiteral: Buffer;

  constructor(props: ReadonlyMap<string, string>) {
    this.printTimestamp = bool(props, 'print.timestamp', false);
    this.printKey = bool(props, 'print.key', false);
    this.printValue = bool(props, 'print.value', true);
    this.printPartition = bool(props, 'print.partition', false);
    this.printOffset = bool(props, 'print.offset', false);
    this.printHeaders = bool(props, 'print.headers', false);
    this.keySeparator = Buffer.from(props.get('key.separator') ?? '\t', 'utf8');
    this.lineSeparator = Buffer.from(props.get('line.separator') ?? '\n', 'utf8');
    this.headersSeparator = Buffer.from(props.get('headers.separator') ?? ',', 'utf8');
    this.nullLiteral = Buffer.from(props.get('null.literal') ?? 'null', 'utf8');
  }

  /** The bytes Kafka's DefaultMessageFormatter writes for one record. */
  format(r: FormattableRecord): Buffer {
    const parts: Uint8Array[] = [];
    const text = (s: string): void => {
      parts.push(Buffer.from(s, 'utf8'));
    };
    // A column separator follows a field when any later field is printed, else the line ends.
    const sep = (more: boolean): void => {
      parts.push(more ? this.keySeparator : this.lineSeparator);
    };
    if (this.printTimestamp) {
      if (r.timestampType === 0) text(`CreateTime:${r.timestamp}`);
      else if (r.timestampType === 1) text(`LogAppendTime:${r.timestamp}`);
      else text('NO_TIMESTAMP');
      sep(this.printPartition || this.printOffset || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printPartition) {
      text(`Partition:${r.partition}`);
      sep(this.printOffset || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printOffset) {
      text(`Offset:${r.offset}`);
      sep(this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printHeaders) {
      if (r.headers.length === 0) text('NO_HEADERS');
      r.headers.forEach((h, i) => {
        text(`${h.key}:`);
        parts.push(h.value ?? this.nullLiteral);
        if (i < r.headers.length - 1) parts.push(this.headersSeparator);
      });
      sep(this.printKey || this.printValue);
    }
    if (this.printKey) {
      parts.push(r.key ?? this.nullLiteral);
      sep(this.printValue);
    }
    if (this.printValue) {
      parts.push(r.value ?? this.nullLiteral);
      parts.push(this.lineSeparator);
    }
    return Buffer.concat(parts);
  }
}
