/**
 * Command-line parsing the way Kafka's tools parse (joptsimple and argparse4j): long options only,
 * `--name value` or `--name=value`, an unambiguous prefix of a name is that option (`--bootstrap`
 * is `--bootstrap-server`), an option that takes a value takes the next argument even when it
 * starts with a dash (`--time -1`), an optional value only when it does not, repeatable options
 * collect every value, `nargs +` options (`--producer-props a=1 b=2`) take arguments up to the
 * next `--option`. Unknown options, missing values and values of the wrong type are UsageErrors
 * naming the option; the tool prints them with its usage text.
 */
import { UsageError } from './errors.js';

export type OptionKind = 'flag' | 'string' | 'int' | 'long' | 'double';

export interface OptionSpec {
  /** Without the leading dashes. */
  readonly name: string;
  readonly kind: OptionKind;
  readonly description: string;
  /** What the value is, for the usage text (joptsimple's describedAs). */
  readonly metavar?: string;
  /** The option may be given several times; every value is kept. */
  readonly repeatable?: boolean;
  /** The value may be left out (`--compression-codec` alone). */
  readonly optionalValue?: boolean;
  /** argparse's nargs '+': one or more values, up to the next `--option`. */
  readonly multiValue?: boolean;
  /** Shown in the usage text; the tool applies it. */
  readonly defaultValue?: string;
  /** Marked REQUIRED in the usage text; checked with `requireOptions`. */
  readonly required?: boolean;
}

export interface ToolSpec {
  /** The name the user typed, e.g. `kafka-topics.sh`. */
  readonly name: string;
  /** One line saying what the tool does (Kafka's help header). */
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** Usage text for positional arguments, e.g. `describe --status`; none allowed when absent. */
  readonly positionals?: string;
}

/** The standard options every Kafka tool has (CommandDefaultOptions). */
export const HELP_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', kind: 'flag', description: 'Print usage information.' },
  { name: 'version', kind: 'flag', description: 'Display Kafka version.' },
];

export class ParsedArgs {
  constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    readonly positionals: readonly string[],
    private readonly specs: ReadonlyMap<string, OptionSpec>,
  ) {}

  has(name: string): boolean {
    this.spec(name);
    return this.values.has(name);
  }

  /** The last value given (Kafka's valueOf), or undefined. */
  string(name: string): string | undefined {
    const v = this.values.get(name);
    this.spec(name);
    return v === undefined ? undefined : v[v.length - 1];
  }

  /** Every value given, in order (repeatable and nargs '+' options). */
  strings(name: string): string[] {
    this.spec(name);
    return [...(this.values.get(name) ?? [])];
  }

  int(name: string): number | undefined {
    const s = this.string(name);
    return s === undefined ? undefined : Number(s);
  }

  number(name: string): number | undefined {
    return this.int(name);
  }

  private spec(name: string): OptionSpec {
    const s = this.specs.get(name);
    if (s === undefined) throw new Error(`internal: option --${name} is not declared`);
    return s;
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function checkValue(spec: OptionSpec, value: string): void {
  const bad = (what: string): UsageError => new UsageError(`Cannot parse argument '${value}' of option --${spec.name}: ${what}`);
  switch (spec.kind) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(value.trim())) throw bad('expected an integer');
      const n = Number(value);
      if (n < INT32_MIN || n > INT32_MAX) throw bad(`expected an integer between ${INT32_MIN} and ${INT32_MAX}`);
      return;
    }
    case 'long': {
      if (!/^[+-]?\d+$/.test(value.trim())) throw bad('expected an integer');
      if (!Number.isSafeInteger(Number(value))) throw bad('the number is too large');
      return;
    }
    case 'double':
      if (value.trim() === '' || !Number.isFinite(Number(value))) throw bad('expected a number');
      return;
    default:
      return;
  }
}

function lookup(spec: ToolSpec, name: string): OptionSpec {
  const exact = spec.options.find((o) => o.name === name);
  if (exact !== undefined) return exact;
  const prefixed = spec.options.filter((o) => o.name.startsWith(name));
  if (prefixed.length === 1 && name.length > 0) return prefixed[0]!;
  if (prefixed.length > 1) {
    throw new UsageError(`Option --${name} is ambiguous: it could be ${prefixed.map((o) => `--${o.name}`).join(', ')}`);
  }
  throw new UsageError(`--${name} is not a recognized option`);
}

/** Parses argv against the tool's options. Throws UsageError naming the offending argument. */
export function parseArgs(spec: ToolSpec, argv: readonly string[]): ParsedArgs {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const add = (o: OptionSpec, v: string): void => {
    const list = values.get(o.name);
    if (list !== undefined && !o.repeatable && !o.multiValue && o.kind !== 'flag') {
      // Kafka keeps the last value of a repeated single-valued option (valueOf would throw in
      // joptsimple only when asked for a single value of a multi-valued option).
      list.length = 0;
    }
    if (list === undefined) values.set(o.name, [v]);
    else list.push(v);
  };
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (onlyPositionals || !a.startsWith('-') || a === '-') {
      if (spec.positionals === undefined) throw new UsageError(`Unexpected argument '${a}' (options start with --)`);
      positionals.push(a);
      continue;
    }
    if (a === '--') {
      onlyPositionals = true;
      continue;
    }
    if (!a.startsWith('--')) throw new UsageError(`${a} is not a recognized option (options start with --)`);
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const o = lookup(spec, name);
    if (o.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`Option --${o.name} does not take an argument`);
      add(o, '');
      continue;
    }
    if (eq >= 0) {
      const v = a.slice(eq + 1);
      checkValue(o, v);
      add(o, v);
      continue;
    }
    if (o.multiValue) {
      let n = 0;
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
        const v = argv[++i]!;
        checkValue(o, v);
        add(o, v);
        n++;
      }
      if (n === 0) throw new UsageError(`Option --${o.name} requires at least one argument`);
      continue;
    }
    const next = argv[i + 1];
    if (o.optionalValue) {
      if (next !== undefined && !next.startsWith('-')) {
        checkValue(o, next);
        add(o, next);
        i++;
      } else {
        add(o, '');
      }
      continue;
    }
    if (next === undefined) throw new UsageError(`Option --${o.name} requires an argument`);
    checkValue(o, next);
    add(o, next);
    i++;
  }
  return new ParsedArgs(values, positionals, new Map(spec.options.map((o) => [o.name, o])));
}

/** Kafka's checkRequiredArgs: the first missing option is named. */
export function requireOptions(args: ParsedArgs, ...names: string[]): void {
  for (const n of names) {
    if (!args.has(n)) throw new UsageError(`Missing required argument "[${n}]"`);
  }
}

/** Kafka's checkInvalidArgs: `option` cannot be combined with any of `others`. */
export function rejectCombination(args: ParsedArgs, option: string, others: readonly string[]): void {
  if (!args.has(option)) return;
  for (const other of others) {
    if (args.has(other)) throw new UsageError(`Option "[${option}]" can't be used with option "[${other}]"`);
  }
}

/** `key=value` arguments (--property, --producer-property, --config) into a map; the first = splits. */
export function parseKeyValues(list: readonly string[], optionName: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid --${optionName} '${kv}': expected key=value`);
    out.set(kv.slice(0, eq).trim(), kv.slice(eq + 1));
  }
  return out;
}

// ------------------------------------------------------------------ usage text

const OPTION_COLUMN = 41;
const LINE_WIDTH = 80;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/ +/)) {
      if (line.length > 0 && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line.length === 0 ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  return lines;
}

function kindName(kind: OptionKind): string {
  switch (kind) {
    case 'int':
      return 'Integer';
    case 'long':
      return 'Long';
    case 'double':
      return 'Double';
    default:
      return 'String';
  }
}

function optionLabel(o: OptionSpec): string {
  if (o.kind === 'flag') return `--${o.name}`;
  const inner = o.metavar === undefined ? kindName(o.kind) : `${kindName(o.kind)}: ${o.metavar}`;
  if (o.multiValue) return `--${o.name} <${inner}> [<${inner}> ...]`;
  return o.optionalValue ? `--${o.name} [${inner}]` : `--${o.name} <${inner}>`;
}

/** The usage text in joptsimple's two-column layout. */
export function formatUsage(spec: ToolSpec): string {
  const out: string[] = [spec.description];
  if (spec.positionals !== undefined) out.push(`Usage: ${spec.name} [options] ${spec.positionals}`);
  out.push(`${'Option'.padEnd(OPTION_COLUMN)}Description`);
  out.push(`${'------'.padEnd(OPTION_COLUMN)}-----------`);
  const sorted = [...spec.options].sort((a, b) => a.name.localeCompare(b.name));
  for (const o of sorted) {
    let desc = o.required === true && !o.description.startsWith('REQUIRED') ? `REQUIRED: ${o.description}` : o.description;
    if (o.defaultValue !== undefined) desc += ` (default: ${o.defaultValue})`;
    const left = wrap(optionLabel(o), OPTION_COLUMN - 2).map((l, i) => (i === 0 ? l : `  ${l}`));
    const right = wrap(desc, LINE_WIDTH - OPTION_COLUMN - 2).map((l, i) => (i === 0 ? l : `  ${l}`));
    const rows = Math.max(left.length, right.length);
    for (let r = 0; r < rows; r++) {
      const l = left[r] ?? '';
      const rt = right[r] ?? '';
      out.push(rt.length === 0 ? l : `${l.padEnd(OPTION_COLUMN)}${rt}`);
    }
  }
  return out.join('\n');
}
