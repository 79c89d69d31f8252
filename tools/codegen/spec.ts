/**
 * Loads Kafka's JSON message specs (JSON with // comments) and normalizes them into a model
 * the emitter walks: version ranges parsed, struct types resolved (inline and commonStructs),
 * defaults parsed per type.
 */
import { readFileSync } from 'node:fs';
import { isEmpty, MAX_VERSION, NO_VERSIONS, parseVersions, type VersionRange } from './versions.js';

export const PRIMITIVES = [
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records',
] as const;
export type PrimitiveName = (typeof PRIMITIVES)[number];

export type FieldType =
  | { kind: 'primitive'; name: PrimitiveName }
  | { kind: 'array'; element: FieldType }
  | { kind: 'struct'; struct: StructSpec };

/** A field's default, already typed: null, a boolean, a number, a bigint (int64), a string. */
export type DefaultValue = null | boolean | number | bigint | string | 'EMPTY';

export interface FieldSpec {
  name: string;
  /** The TypeScript property name (camelCase). */
  prop: string;
  type: FieldType;
  versions: VersionRange;
  nullableVersions: VersionRange;
  taggedVersions: VersionRange;
  tag: number | undefined;
  /** Field-level override of the message's flexible versions (RequestHeader.ClientId). */
  flexibleVersions: VersionRange | undefined;
  /** The default for primitives and for null-default fields; 'EMPTY' for arrays/bytes/structs. */
  defaultValue: DefaultValue;
  ignorable: boolean;
  about: string | undefined;
}

export interface StructSpec {
  /** Kafka's struct name (e.g. TopicProduceData). */
  name: string;
  /** The TypeScript type name (message name + struct name for nested structs). */
  tsName: string;
  fields: FieldSpec[];
}

export interface MessageSpec {
  /** Spec folder relative to the spec root (messages, metadata, ...). */
  group: string;
  name: string;
  type: string;
  apiKey: number | undefined;
  validVersions: VersionRange;
  flexibleVersions: VersionRange;
  deprecatedVersions: VersionRange;
  latestVersionUnstable: boolean;
  listeners: string[];
  root: StructSpec;
  /** Every struct of the message, nested ones first, the root last. */
  structs: StructSpec[];
}

/** Removes // comments outside string literals. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  default?: string | number | boolean;
  ignorable?: boolean;
  about?: string;
  fields?: RawField[];
}

interface RawMessage {
  name: string;
  type: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function loadMessage(path: string, group: string): MessageSpec {
  const raw = JSON.parse(stripComments(readFileSync(path, 'utf8'))) as RawMessage;
  const where = `${group}/${raw.name}`;
  const structs: StructSpec[] = [];
  const byName = new Map<string, StructSpec>();
  const commonRaw = new Map((raw.commonStructs ?? []).map((s) => [s.name, s] as const));

  function structFor(name: string, fields: RawField[] | undefined, at: string): StructSpec {
    const existing = byName.get(name);
    if (existing) {
      if (fields !== undefined && fields.length > 0 && !commonRaw.has(name)) {
        throw new Error(`${at}: struct ${name} is defined twice`);
      }
      return existing;
    }
    let defs = fields;
    if (defs === undefined || defs.length === 0) {
      const common = commonRaw.get(name);
      if (!common) throw new Error(`${at}: unknown type ${name}`);
      defs = common.fields;
    }
    // Nested type names get the message name in front, unless they already start with it.
    const tsName = name.startsWith(raw.name) ? name : raw.name + name;
    const spec: StructSpec = { name, tsName, fields: [] };
    byName.set(name, spec);
    spec.fields = defs.map((f) => fieldFor(f, `${at}.${f.name}`));
    structs.push(spec);
    return spec;
  }

  function typeFor(type: string, f: RawField, at: string): FieldType {
    if (type.startsWith('[]')) return { kind: 'array', element: typeFor(type.slice(2), { ...f, fields: f.fields }, at) };
    if ((PRIMITIVES as readonly string[]).includes(type)) return { kind: 'primitive', name: type as PrimitiveName };
    if (!/^[A-Z]/.test(type)) throw new Error(`${at}: unknown type ${type}`);
    return { kind: 'struct', struct: structFor(type, f.fields, at) };
  }

  function fieldFor(f: RawField, at: string): FieldSpec {
    const type = typeFor(f.type, f, at);
    const taggedVersions = parseVersions(f.taggedVersions, at);
    let versions = parseVersions(f.versions, at);
    if (f.versions === undefined && !isEmpty(taggedVersions)) versions = taggedVersions;
    if (!isEmpty(taggedVersions) && f.tag === undefined) throw new Error(`${at}: taggedVersions without tag`);
    const nullableVersions = parseVersions(f.nullableVersions, at);
    return {
      name: f.name,
      prop: camelCase(f.name),
      type,
      versions,
      nullableVersions,
      taggedVersions,
      tag: isEmpty(taggedVersions) ? undefined : f.tag,
      flexibleVersions: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions, at),
      defaultValue: parseDefault(f.default, type, nullableVersions, at),
      ignorable: f.ignorable === true,
      about: f.about,
    };
  }

  const rootFields = raw.fields.map((f) => fieldFor(f, `${where}.${f.name}`));
  const root: StructSpec = { name: raw.name, tsName: raw.name, fields: rootFields };
  structs.push(root);
  const validVersions = parseVersions(raw.validVersions, where);
  if (validVersions.max === MAX_VERSION) throw new Error(`${where}: validVersions must be closed`);
  return {
    group,
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey,
    validVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions, where),
    deprecatedVersions: raw.deprecatedVersions === undefined ? NO_VERSIONS : parseVersions(raw.deprecatedVersions, where),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    root,
    structs,
  };
}

function parseDefault(
  value: string | number | boolean | undefined,
  type: FieldType,
  nullable: VersionRange,
  at: string,
): DefaultValue {
  const text = value === undefined ? undefined : String(value).trim();
  if (text === 'null') {
    if (isEmpty(nullable)) throw new Error(`${at}: default null on a non-nullable field`);
    return null;
  }
  if (type.kind !== 'primitive') {
    if (text !== undefined && text !== '') throw new Error(`${at}: custom default on a ${type.kind}`);
    return 'EMPTY';
  }
  switch (type.name) {
    case 'bool':
      if (text === undefined) return false;
      if (text !== 'true' && text !== 'false') throw new Error(`${at}: bad bool default ${text}`);
      return text === 'true';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64': {
      if (text === undefined) return 0;
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error(`${at}: bad numeric default ${text}`);
      return n;
    }
    case 'int64':
      return text === undefined ? 0n : BigInt(text);
    case 'string':
      return text ?? '';
    case 'uuid':
    case 'bytes':
      if (text !== undefined && text !== '') throw new Error(`${at}: custom default on ${type.name}`);
      return 'EMPTY';
    case 'records':
      // Kafka's records fields default to null.
      return isEmpty(nullable) ? 'EMPTY' : null;
  }
}
