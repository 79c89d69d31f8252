/**
 * Text ⇄ value for config keys, with Kafka's ConfigDef rules: the text is trimmed (Java's
 * String.trim: every char <= U+0020 at either end); numbers must be plain integers in the type's
 * range (short 16, int 32, long 64 bits; a leading + or - is fine, nothing else); booleans are
 * true/false in any case; lists split on commas with the whitespace around them, an empty text
 * is an empty list and trailing empty entries are dropped (Java's String.split). Values print
 * back the way Kafka prints them (Long.MAX_VALUE as 9223372036854775807, doubles as Java's
 * Double.toString: 1.0, 0.5, 1.7976931348623157E308).
 */
import { ConfigError } from './errors.js';
import { LONG_MAX, LONG_MIN, type ConfigKeyBase, type ConfigType, type ConfigValue } from './types.js';

/** Java's String.trim(). */
export function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

const INTEGER = /^[+-]?[0-9]+$/;
const DOUBLE = /^[+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?)$/;

const BITS: Partial<Record<ConfigType, bigint>> = { short: 16n, int: 32n, long: 64n };

/** Parses one value's text as `type` would in Kafka; returns a reason string when it cannot. */
function parseTyped(type: ConfigType, text: string): ConfigValue | { error: string } {
  const trimmed = javaTrim(text);
  switch (type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      return { error: 'expected true or false' };
    }
    case 'short':
    case 'int':
    case 'long': {
      if (!INTEGER.test(trimmed)) return { error: `not a number of type ${type}` };
      const big = BigInt(trimmed);
      const half = 1n << (BITS[type]! - 1n);
      if (big < -half || big >= half) return { error: `not a number of type ${type} (out of range)` };
      return Number(big);
    }
    case 'double': {
      if (!DOUBLE.test(trimmed)) return { error: 'not a number of type double' };
      return Number(trimmed.replace(/[fFdD]$/, ''));
    }
    case 'list':
      return Object.freeze(splitList(trimmed));
    case 'string':
    case 'class':
    case 'password':
      return trimmed;
  }
}

/** Kafka's list parsing of an already trimmed text. */
export function splitList(trimmed: string): string[] {
  if (trimmed === '') return [];
  const parts = trimmed.split(/\s*,\s*/);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * Parses and validates `text` for `def`. Throws a ConfigError naming the key, the text and what
 * is allowed.
 */
export function parseValue(def: ConfigKeyBase, text: string): ConfigValue {
  const parsed = parseTyped(def.type, text);
  const allowed = def.validator?.text;
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    throw ConfigError.invalidValue(def.key, text, (parsed as { error: string }).error, allowed);
  }
  const value = parsed as ConfigValue;
  const reason = def.validator?.check(value) ?? null;
  if (reason !== null) throw ConfigError.invalidValue(def.key, text, reason, allowed);
  return value;
}

/** Java's Double.toString for finite and special values. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(value);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.replace('+', '')}`;
}

function formatLong(value: number): string {
  if (value >= LONG_MAX) return '9223372036854775807';
  if (value <= LONG_MIN) return '-9223372036854775808';
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

/** Kafka's text for a value (ConfigDef.convertToString); null stays null. */
export function formatValue(type: ConfigType, value: ConfigValue): string | null {
  if (value === null) return null;
  switch (type) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'long':
      return formatLong(value as number);
    case 'double':
      return formatDouble(value as number);
    case 'list':
      return (value as readonly string[]).join(',');
    default:
      return String(value);
  }
}
