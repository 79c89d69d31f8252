/**
 * Validators for parsed config values, with the "Valid Values" text Kafka's docs print for each
 * kind: `[1,...]` (at least), `[0,...,1]` (between), `[a, b]` (one of / list of), and custom
 * ones (throttled-replica lists, quorum voter lists, listener maps).
 *
 * `check` returns null when the value is fine, else a short reason that ConfigError puts after
 * the key and value. Null values are never checked (they mean "unset").
 */
import type { ConfigValue } from './types.js';

export interface Validator {
  /** null when valid, else why not (e.g. "must be at least 1"). */
  check(value: ConfigValue): string | null;
  /** Kafka-style "Valid Values" text. */
  readonly text: string;
}

function num(value: ConfigValue): number {
  return typeof value === 'number' ? value : Number.NaN;
}

/** value >= min. */
export function atLeast(min: number): Validator {
  return {
    text: `[${min},...]`,
    check: (v) => (v === null || num(v) >= min ? null : `must be at least ${min}`),
  };
}

/** min <= value <= max. */
export function between(min: number, max: number): Validator {
  return {
    text: `[${min},...,${max}]`,
    check: (v) => (v === null || (num(v) >= min && num(v) <= max) ? null : `must be between ${min} and ${max} inclusive`),
  };
}

/** min <= value <= max, or exactly `extra` (gzip's -1 = codec default). */
export function betweenOr(min: number, max: number, extra: number): Validator {
  return {
    text: `[${min},...,${max}] or ${extra}`,
    check: (v) => (v === null || num(v) === extra || (num(v) >= min && num(v) <= max)
      ? null : `must be between ${min} and ${max} inclusive, or ${extra}`),
  };
}

/** A string that is exactly one of `allowed` (case-sensitive, as Kafka's ValidString). */
export function oneOf(allowed: readonly string[]): Validator {
  return {
    text: `[${allowed.join(', ')}]`,
    check: (v) => (v === null || (typeof v === 'string' && allowed.includes(v)) ? null : `must be one of ${allowed.join(', ')}`),
  };
}

/** A list whose every entry is one of `allowed` (Kafka's ValidList.in); optionally non-empty and without repeats. */
export function listOf(allowed: readonly string[], opts: { nonEmpty?: boolean; unique?: boolean } = {}): Validator {
  return {
    text: `[${allowed.join(', ')}]`,
    check: (v) => {
      if (v === null) return null;
      if (!Array.isArray(v)) return 'must be a list';
      if (opts.nonEmpty === true && v.length === 0) return `must name at least one of ${allowed.join(', ')}`;
      for (const item of v as readonly string[]) {
        if (!allowed.includes(item)) return `entry ${JSON.stringify(item)} is not one of ${allowed.join(', ')}`;
      }
      if (opts.unique === true && new Set(v).size !== v.length) return 'must not repeat an entry';
      return null;
    },
  };
}

/** Any rule that is easier to say in code; `text` is what the docs print. */
export function custom(text: string, check: (value: ConfigValue) => string | null): Validator {
  return { text, check: (v) => (v === null ? null : check(v)) };
}

const PARTITION_BROKER = /^[0-9]+:[0-9]+$/;

/** leader/follower.replication.throttled.replicas: `*` alone, or partitionId:brokerId entries. */
export const throttledReplicas: Validator = custom('[partitionId]:[brokerId],[partitionId]:[brokerId],...', (v) => {
  const list = v as readonly string[];
  if (list.length === 1 && list[0] === '*') return null;
  for (const entry of list) {
    if (entry !== '' && !PARTITION_BROKER.test(entry)) {
      return `entry ${JSON.stringify(entry)} is not of the form partitionId:brokerId (or use * alone for all replicas)`;
    }
  }
  return null;
});

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s@:[\]]+):([0-9]{1,5})$/;

function portOk(port: string): boolean {
  const p = Number(port);
  return p >= 0 && p <= 65535;
}

/** controller.quorum.voters: entries of {id}@{host}:{port}. */
export const quorumVoters: Validator = custom('comma-separated {id}@{host}:{port} entries', (v) => {
  for (const entry of v as readonly string[]) {
    const at = entry.indexOf('@');
    const id = entry.slice(0, at);
    const m = HOST_PORT.exec(entry.slice(at + 1));
    if (at <= 0 || !/^[0-9]+$/.test(id) || m === null || !portOk(m[2]!)) {
      return `entry ${JSON.stringify(entry)} is not of the form {id}@{host}:{port}`;
    }
  }
  return null;
});

/** controller.quorum.bootstrap.servers: entries of {host}:{port}. */
export const hostPortList: Validator = custom('comma-separated {host}:{port} entries', (v) => {
  for (const entry of v as readonly string[]) {
    const m = HOST_PORT.exec(entry);
    if (m === null || !portOk(m[2]!)) return `entry ${JSON.stringify(entry)} is not of the form {host}:{port}`;
  }
  return null;
});

/** Kafka's security protocols. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

/** listener.security.protocol.map: NAME:PROTOCOL pairs, each listener name once. */
export const listenerProtocolMap: Validator = custom(`comma-separated NAME:PROTOCOL pairs, PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`, (v) => {
  const text = (v as string).trim();
  if (text === '') return null;
  const seen = new Set<string>();
  for (const pair of text.split(/\s*,\s*/)) {
    const colon = pair.indexOf(':');
    const name = pair.slice(0, colon).trim();
    const protocol = pair.slice(colon + 1).trim();
    if (colon <= 0 || name === '') return `entry ${JSON.stringify(pair)} is not of the form NAME:PROTOCOL`;
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol.toUpperCase())) {
      return `entry ${JSON.stringify(pair)} names unknown security protocol ${JSON.stringify(protocol)}`;
    }
    const key = name.toUpperCase();
    if (seen.has(key)) return `listener name ${JSON.stringify(name)} appears more than once`;
    seen.add(key);
  }
  return null;
});
