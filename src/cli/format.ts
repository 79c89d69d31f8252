/**
 * Output formatting shared by the tools: Java's printf number forms (the perf tools' report lines
 * are compared by scripts, so `%.2f` and `%f` must print what Java prints), SimpleDateFormat
 * patterns for kafka-consumer-perf-test's --date-format, and small table/list helpers.
 */
import { UsageError } from './errors.js';

/** Java's `%.Nf`: fixed decimals; NaN and infinities spelled as Java spells them. */
export function fixed(x: number, decimals: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x.toFixed(decimals);
}

/** Java's `%f` (six decimals). */
export function javaF(x: number): string {
  return fixed(x, 6);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * java.text.SimpleDateFormat for the letters the perf tools use (y M d H h m s S a E Z z and
 * quoted literals), in local time. Unsupported letters are printed as they are.
 */
export function formatDate(ms: number, pattern: string): string {
  const d = new Date(ms);
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        out += "'";
        i += 2;
        continue;
      }
      const stop = end < 0 ? pattern.length : end;
      out += pattern.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'y':
        out += n === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), n);
        break;
      case 'M':
        out += n >= 3 ? d.toLocaleString('en-US', { month: n === 3 ? 'short' : 'long' }) : pad(d.getMonth() + 1, n);
        break;
      case 'd':
        out += pad(d.getDate(), n);
        break;
      case 'H':
        out += pad(d.getHours(), n);
        break;
      case 'h':
        out += pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12, n);
        break;
      case 'm':
        out += pad(d.getMinutes(), n);
        break;
      case 's':
        out += pad(d.getSeconds(), n);
        break;
      case 'S':
        out += pad(d.getMilliseconds(), n);
        break;
      case 'a':
        out += d.getHours() < 12 ? 'AM' : 'PM';
        break;
      case 'E':
        out += d.toLocaleString('en-US', { weekday: n >= 4 ? 'long' : 'short' });
        break;
      case 'Z': {
        const off = -d.getTimezoneOffset();
        const sign = off >= 0 ? '+' : '-';
        out += `${sign}${pad(Math.floor(Math.abs(off) / 60), 2)}${pad(Math.abs(off) % 60, 2)}`;
        break;
      }
      case 'z':
        out += Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
        break;
      default:
        out += c.repeat(n);
    }
  }
  return out;
}

/** Rows of cells as a left-aligned table with two spaces between columns (Kafka's prettyPrintTable). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

/** Splits `host:port,host:port` (Kafka's bootstrap list) and checks each entry. */
export function parseBootstrap(list: string, optionName: string): Array<{ host: string; port: number }> {
  const out: Array<{ host: string; port: number }> = [];
  for (const raw of list.split(',')) {
    const s = raw.trim();
    if (s === '') continue;
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(s);
    if (m === null) throw new UsageError(`Invalid url in --${optionName}: ${s} (expected host:port)`);
    const port = Number(m[3]);
    if (port < 0 || port > 65535) throw new UsageError(`Invalid port in --${optionName}: ${s}`);
    out.push({ host: (m[1] ?? m[2])!, port });
  }
  if (out.length === 0) throw new UsageError(`No resolvable bootstrap urls given in --${optionName}`);
  return out;
}
