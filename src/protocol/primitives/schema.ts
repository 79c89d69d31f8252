/**
 * The runtime description of a generated message, emitted next to its codec. Tests use it to
 * build random messages for every version; tools can use it to describe messages.
 */

/** Inclusive [min, max]; max is 32767 for open ranges. */
export type Versions = readonly [number, number];

export type PrimitiveType =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64'
  | 'string' | 'uuid' | 'bytes' | 'records';

export type TypeSchema = PrimitiveType | { readonly array: TypeSchema } | { readonly struct: StructSchema };

export interface FieldSchema {
  /** The TypeScript property name. */
  readonly name: string;
  readonly type: TypeSchema;
  readonly versions: Versions;
  readonly nullableVersions: Versions | null;
  readonly taggedVersions: Versions | null;
  readonly tag: number | null;
  /** Field-level flexible versions, when they differ from the message's. */
  readonly flexibleVersions: Versions | null;
  /** The default; undefined means the type's empty value ([], empty bytes, zero UUID, default struct). */
  readonly defaultValue: string | number | bigint | boolean | null | undefined;
  readonly ignorable: boolean;
}

export interface StructSchema {
  readonly name: string;
  readonly fields: readonly FieldSchema[];
}

export interface MessageSchema {
  readonly name: string;
  /** The spec folder: messages, metadata, group-coordinator, ... */
  readonly group: string;
  /** request, response, header, data, metadata. */
  readonly type: string;
  readonly apiKey: number | null;
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions | null;
  readonly root: StructSchema;
}

export function inVersions(r: Versions | null, v: number): boolean {
  return r !== null && r[0] <= v && v <= r[1];
}
