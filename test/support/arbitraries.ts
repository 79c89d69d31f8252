/**
 * fast-check arbitraries for any generated message at any version, built from the schema the
 * codec generator emits next to each codec. Fields missing from the version get their defaults,
 * which is what a decoder returns for them, so decode(encode(x)) must deep-equal x.
 */
import fc from 'fast-check';
import type { FieldSchema, MessageSchema, StructSchema, TypeSchema } from '../../src/protocol/primitives/schema.js';
import { inVersions } from '../../src/protocol/primitives/schema.js';
import { ZERO_UUID } from '../../src/protocol/primitives/types.js';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString('base64url'));

function primitive(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'bool': return fc.boolean();
    case 'int8': return fc.integer({ min: -128, max: 127 });
    case 'int16': return fc.integer({ min: -32768, max: 32767 });
    case 'uint16': return fc.integer({ min: 0, max: 65535 });
    case 'int32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32': return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64': return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64': return fc.double();
    case 'string': return text;
    case 'uuid': return uuid;
    case 'bytes':
    case 'records': return bytes;
    default: throw new Error(`unknown primitive ${name}`);
  }
}

/** The value a decoder produces for a field that its version does not have. */
export function defaultOf(f: FieldSchema, flexible: boolean): unknown {
  if (f.defaultValue !== undefined) return f.defaultValue;
  const t = f.type;
  if (typeof t === 'string') {
    if (t === 'uuid') return ZERO_UUID;
    if (t === 'bytes' || t === 'records') return Buffer.alloc(0);
    throw new Error(`no default for ${f.name}`);
  }
  if ('array' in t) return [];
  return defaultStruct(t.struct, flexible);
}

function defaultStruct(s: StructSchema, flexible: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of s.fields) out[f.name] = defaultOf(f, flexible);
  return out;
}

function typeArb(t: TypeSchema, v: number, flexible: boolean): fc.Arbitrary<unknown> {
  if (typeof t === 'string') return primitive(t);
  if ('array' in t) return fc.array(typeArb(t.array, v, flexible), { maxLength: 3 });
  return structArb(t.struct, v, flexible);
}

/** Unknown tagged fields: tags this struct does not use, ascending, as a real writer sends them. */
function unknownTagsArb(s: StructSchema): fc.Arbitrary<{ tag: number; data: Buffer }[]> {
  const used = new Set(s.fields.filter((f) => f.tag !== null).map((f) => f.tag));
  return fc
    .uniqueArray(fc.integer({ min: 0, max: 300 }).filter((t) => !used.has(t)), { maxLength: 2 })
    .chain((tags) => fc.tuple(...tags.sort((a, b) => a - b).map((tag) => bytes.map((data) => ({ tag, data })))));
}

export function structArb(s: StructSchema, v: number, flexible: boolean): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of s.fields) {
    if (!inVersions(f.versions, v)) {
      fields[f.name] = fc.constant(defaultOf(f, flexible));
      continue;
    }
    const arb = typeArb(f.type, v, flexible);
    fields[f.name] = inVersions(f.nullableVersions, v) ? fc.option(arb, { nil: null, freq: 4 }) : arb;
  }
  const base = fc.record(fields, { noNullPrototype: true });
  if (!flexible) return base;
  return fc.tuple(base, fc.option(unknownTagsArb(s), { freq: 3, nil: null })).map(([m, unknown]) => {
    if (unknown !== null && unknown.length > 0) (m as Record<string, unknown>)['_unknownTaggedFields'] = unknown;
    return m;
  });
}

export function messageArb(schema: MessageSchema, v: number): fc.Arbitrary<Record<string, unknown>> {
  return structArb(schema.root, v, inVersions(schema.flexibleVersions, v));
}
