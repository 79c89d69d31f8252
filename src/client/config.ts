/**
 * The client config keys Tributary's client supports: Kafka's names (`linger.ms`), Kafka 4.0's
 * defaults, and a camelCase TypeScript name with its unit last (`lingerMs`). Either form may be
 * given; values may be typed (`10`, `true`, `['a:1', 'b:2']`) or Kafka's text (`'10'`, `'true'`,
 * `'a:1,b:2'`), as read from a .properties file. Unknown keys are an error naming them (Kafka's
 * Java client only logs them; we refuse, so a typo never goes unnoticed).
 *
 * Deliberate differences from Kafka's Java client, documented here once:
 * - `enable.idempotence` defaults to false: the idempotent producer is a later issue, so `true`
 *   is refused until it exists.
 * - `client.id` defaults to "tributary-producer-N" / "-consumer-N" / "-admin-N" (Kafka:
 *   "producer-N", ...).
 * - Only PLAINTEXT (`security.protocol`); TLS and SASL come with a later issue.
 * - Consumer groups use the classic protocol: `group.protocol=consumer` (KIP-848) is refused, and
 *   `partition.assignment.strategy` knows range, roundrobin and cooperative-sticky (not the eager
 *   StickyAssignor or custom classes).
 */
import { ConfigError } from '../common/config/errors.js';
import { assignorByName } from './group/assignors.js';

export type ClientKind = 'common' | 'producer' | 'consumer' | 'admin';

/** One supported key: Kafka's key, its parser (raw or typed value → typed value) and default. */
export interface ClientConfigDef<T, K extends string = string> {
  readonly key: K;
  readonly default: T;
  readonly doc: string;
  /** Kafka's "Valid Values" text, for error messages and docs. */
  readonly allowed: string;
  parse(value: unknown): T;
}

type AnyDef = ClientConfigDef<any, string>;
type DefTable = Record<string, AnyDef>;

/** What a user may pass for one key: the typed value, or Kafka's text for it. */
type RawValue<T> = T extends readonly string[] ? T | string : T extends number ? number | string : T extends boolean ? boolean | string : T | string;

/** Resolved (typed, camelCase) values of a table. */
export type ResolvedOf<D extends DefTable> = { readonly [N in keyof D]: D[N] extends ClientConfigDef<infer T, string> ? T : never };

/** Accepted input for a table: camelCase names and Kafka keys, both optional. */
export type InputOf<D extends DefTable> = {
  [N in keyof D]?: D[N] extends ClientConfigDef<infer T, string> ? RawValue<T> | undefined : never;
} & {
  [N in keyof D as D[N]['key']]?: D[N] extends ClientConfigDef<infer T, string> ? RawValue<T> | undefined : never;
};

const INT_MAX = 2 ** 31 - 1;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

function fail(key: string, value: unknown, reason: string, allowed: string): never {
  throw ConfigError.invalidValue(key, typeof value === 'string' ? value : JSON.stringify(value), reason, allowed);
}

function parseNumber(key: string, value: unknown, min: number, max: number, allowed: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) n = Number(value.trim());
  else fail(key, value, 'not an integer', allowed);
  if (!Number.isSafeInteger(n)) fail(key, value, 'not an integer', allowed);
  if (n < min || n > max) fail(key, value, min === max ? `must be ${min}` : `must be between ${min} and ${max}`, allowed);
  return n;
}

function range(min: number, max: number): string {
  return max >= LONG_MAX || max === INT_MAX ? `[${min},...]` : `[${min},...,${max}]`;
}

function int<const K extends string>(key: K, def: number, min: number, doc: string, max = INT_MAX): ClientConfigDef<number, K> {
  const allowed = range(min, max);
  return { key, default: def, doc, allowed, parse: (v) => parseNumber(key, v, min, max, allowed) };
}

function long<const K extends string>(key: K, def: number, min: number, doc: string): ClientConfigDef<number, K> {
  return int(key, def, min, doc, LONG_MAX);
}

function bool<const K extends string>(key: K, def: boolean, doc: string): ClientConfigDef<boolean, K> {
  return {
    key, default: def, doc, allowed: 'true, false',
    parse: (v) => {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
      return fail(key, v, 'not a boolean', 'true, false');
    },
  };
}

function str<const K extends string>(key: K, def: string, doc: string): ClientConfigDef<string, K> {
  return {
    key, default: def, doc, allowed: 'any string',
    parse: (v) => (typeof v === 'string' ? v : fail(key, v, 'not a string', 'any string')),
  };
}

function nullableStr<const K extends string>(key: K, doc: string): ClientConfigDef<string | null, K> {
  return {
    key, default: null, doc, allowed: 'any string',
    parse: (v) => (v === null || typeof v === 'string' ? v : fail(key, v, 'not a string', 'any string')),
  };
}

function oneOf<const K extends string, const V extends string>(key: K, def: V, values: readonly V[], doc: string): ClientConfigDef<V, K> {
  const allowed = `[${values.join(', ')}]`;
  return {
    key, default: def, doc, allowed,
    parse: (v) => {
      const s = typeof v === 'string' ? v.trim().toLowerCase() : v;
      return values.includes(s as V) ? (s as V) : fail(key, v, 'not one of the allowed values', allowed);
    },
  };
}

function list<const K extends string>(key: K, def: readonly string[], doc: string, nonEmpty: boolean): ClientConfigDef<readonly string[], K> {
  const allowed = nonEmpty ? 'a non-empty list of host:port' : 'a list';
  return {
    key, default: def, doc, allowed,
    parse: (v) => {
      let items: string[];
      if (typeof v === 'string') items = v.split(',');
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) items = [...(v as string[])];
      else return fail(key, v, 'not a list', allowed);
      items = items.map((s) => s.trim()).filter((s) => s !== '');
      if (nonEmpty && items.length === 0) fail(key, v, 'must not be empty', allowed);
      return Object.freeze(items);
    },
  };
}

/** acks: 'all' and '-1' are the same (Kafka stores -1); 0 and 1 as numbers. */
function acksDef(): ClientConfigDef<-1 | 0 | 1, 'acks'> {
  const allowed = '[all, -1, 0, 1]';
  return {
    key: 'acks', default: -1, allowed,
    doc: 'Acknowledgements the leader must have before answering a produce: 0 none, 1 the leader, all (-1) the in-sync replicas.',
    parse: (v) => {
      const s = String(v).trim().toLowerCase();
      if (s === 'all' || s === '-1') return -1;
      if (s === '0') return 0;
      if (s === '1') return 1;
      return fail('acks', v, 'not one of the allowed values', allowed);
    },
  };
}

/** bootstrap.servers: host:port entries, validated. */
function bootstrapDef(): ClientConfigDef<readonly string[], 'bootstrap.servers'> {
  const base = list('bootstrap.servers', [], 'host:port pairs to reach the cluster through first; the rest is learnt from metadata.', true);
  return {
    ...base,
    parse: (v) => {
      const items = base.parse(v);
      for (const item of items) {
        const m = /^(.+):(\d+)$/.exec(item);
        if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) fail('bootstrap.servers', v, `"${item}" is not host:port`, 'host:port[,host:port...]');
      }
      return items;
    },
  };
}

/** group.instance.id: Kafka's rules for the id (non-empty, at most 249 of [a-zA-Z0-9._-], not "." or ".."). */
function instanceIdDef(): ClientConfigDef<string | null, 'group.instance.id'> {
  const base = nullableStr('group.instance.id', 'Static membership: a stable id for this member; a restart within session.timeout.ms gets its partitions back without a rebalance.');
  const allowed = 'null, or 1-249 of [a-zA-Z0-9._-]';
  return {
    ...base,
    allowed,
    parse: (v) => {
      const id = base.parse(v);
      if (id === null) return null;
      if (id === '' || id === '.' || id === '..' || id.length > 249 || !/^[a-zA-Z0-9._-]+$/.test(id)) fail('group.instance.id', v, 'not a valid group instance id', allowed);
      return id;
    },
  };
}

/** partition.assignment.strategy: assignor class names or protocol names we have. */
function assignorsDef(): ClientConfigDef<readonly string[], 'partition.assignment.strategy'> {
  const allowed = `a non-empty list of ${['range', 'roundrobin', 'cooperative-sticky'].join(', ')} (or Kafka's class names)`;
  const base = list('partition.assignment.strategy', ['org.apache.kafka.clients.consumer.RangeAssignor', 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor'], 'Assignors in preference order; the group uses the first one every member supports.', false);
  return {
    ...base,
    allowed,
    parse: (v) => {
      const items = base.parse(v);
      if (items.length === 0) fail('partition.assignment.strategy', v, 'must not be empty', allowed);
      const unknown = items.find((n) => assignorByName(n) === undefined);
      if (unknown !== undefined) fail('partition.assignment.strategy', v, `unknown assignor "${unknown}"`, allowed);
      return items;
    },
  };
}

/** Keys every client (producer, consumer, admin) accepts; also what `new Kafka(...)` accepts. */
export const COMMON_CONFIG = {
  bootstrapServers: bootstrapDef(),
  clientId: str('client.id', '', 'A name for this client, sent with every request (broker logs, quotas). Default: tributary-<kind>-<n>.'),
  requestTimeoutMs: int('request.timeout.ms', 30_000, 0, 'How long to wait for the answer to one request before failing it (and closing its connection).'),
  retryBackoffMs: long('retry.backoff.ms', 100, 0, 'Wait before the first retry of a failed request; doubles per attempt (with 20% jitter) up to retry.backoff.max.ms.'),
  retryBackoffMaxMs: long('retry.backoff.max.ms', 1_000, 0, 'Upper bound of the exponential retry backoff.'),
  reconnectBackoffMs: long('reconnect.backoff.ms', 50, 0, 'Wait before reconnecting to a broker; doubles per failed attempt up to reconnect.backoff.max.ms.'),
  reconnectBackoffMaxMs: long('reconnect.backoff.max.ms', 1_000, 0, 'Upper bound of the reconnect backoff.'),
  socketConnectionSetupTimeoutMs: long('socket.connection.setup.timeout.ms', 10_000, 0, 'How long one connection attempt (TCP connect and ApiVersions) may take.'),
  socketConnectionSetupTimeoutMaxMs: long('socket.connection.setup.timeout.max.ms', 30_000, 0, 'Upper bound of the connection setup timeout as it grows per failed attempt.'),
  metadataMaxAgeMs: long('metadata.max.age.ms', 300_000, 0, 'Refresh metadata at least this often, even without errors, to see new partitions and leaders.'),
  connectionsMaxIdleMs: long('connections.max.idle.ms', 540_000, -1, 'Close connections idle for this long (-1: never).'),
  securityProtocol: oneOf('security.protocol', 'plaintext', ['plaintext'], 'Protocol used to talk to brokers. Only PLAINTEXT so far.'),
  clientDnsLookup: oneOf('client.dns.lookup', 'use_all_dns_ips', ['use_all_dns_ips', 'resolve_canonical_bootstrap_servers_only'], 'How host names are resolved (Node resolves each host on connect).'),
} as const;

export const PRODUCER_CONFIG = {
  ...COMMON_CONFIG,
  acks: acksDef(),
  batchSize: int('batch.size', 16_384, 0, 'Target size in bytes of one partition batch; a full batch is sent without waiting for linger.ms. 0 disables batching.'),
  lingerMs: long('linger.ms', 5, 0, 'How long a batch waits for more records before it is sent.'),
  bufferMemory: long('buffer.memory', 33_554_432, 0, 'Bytes of records the producer may hold waiting to be sent; send() waits (max.block.ms) when they are used up.'),
  maxBlockMs: long('max.block.ms', 60_000, 0, 'How long send() may wait for metadata or buffer memory before it fails.'),
  deliveryTimeoutMs: int('delivery.timeout.ms', 120_000, 0, 'Upper bound on the time from send() to success or failure, retries included. Must be >= linger.ms + request.timeout.ms.'),
  retries: int('retries', INT_MAX, 0, 'How many times a failed batch is retried on retriable errors (delivery.timeout.ms bounds it too).'),
  maxRequestSize: int('max.request.size', 1_048_576, 0, 'Largest produce request, and so largest record, in bytes.'),
  maxInFlightRequestsPerConnection: int('max.in.flight.requests.per.connection', 5, 1, 'Requests sent on one connection without waiting for their answers. 1 keeps order through retries.'),
  compressionType: oneOf('compression.type', 'none', ['none', 'gzip', 'snappy', 'lz4', 'zstd'], 'Codec for record batches.'),
  compressionGzipLevel: int('compression.gzip.level', -1, -1, 'gzip level (1-9; -1: the codec default).', 9),
  compressionLz4Level: int('compression.lz4.level', 9, 1, 'lz4 level (1-17).', 17),
  compressionZstdLevel: int('compression.zstd.level', 3, -131_072, 'zstd level (-131072..22).', 22),
  enableIdempotence: bool('enable.idempotence', false, 'Idempotent producer (not yet supported: only false is accepted).'),
  partitionerIgnoreKeys: bool('partitioner.ignore.keys', false, 'Ignore keys when choosing partitions (every record is partitioned like a null key).'),
  metadataMaxIdleMs: long('metadata.max.idle.ms', 300_000, 5_000, 'Forget the metadata of a topic not produced to for this long.'),
  transactionalId: nullableStr('transactional.id', 'Transactional producer id (not yet supported: transactions are a later issue).'),
} as const;

export const CONSUMER_CONFIG = {
  ...COMMON_CONFIG,
  groupId: nullableStr('group.id', 'Consumer group to join with subscribe() (and to commit offsets with). Without one, only assign() works.'),
  groupInstanceId: instanceIdDef(),
  allowAutoCreateTopics: bool('allow.auto.create.topics', true, 'Let metadata requests for assigned or subscribed topics auto-create them (when the broker allows it: auto.create.topics.enable).'),
  autoOffsetReset: oneOf('auto.offset.reset', 'latest', ['latest', 'earliest', 'none'], 'Where to start when there is no committed offset or position, or it is out of range: latest, earliest, or none (fail).'),
  enableAutoCommit: bool('enable.auto.commit', true, 'Commit positions every auto.commit.interval.ms (from poll), before partitions are revoked, and on close (needs group.id).'),
  autoCommitIntervalMs: int('auto.commit.interval.ms', 5_000, 0, 'Auto-commit period.'),
  sessionTimeoutMs: int('session.timeout.ms', 45_000, 0, 'The coordinator removes a member it has not heard from (heartbeats) for this long.'),
  heartbeatIntervalMs: int('heartbeat.interval.ms', 3_000, 0, 'Heartbeat period; must be lower than session.timeout.ms (typically a third of it).'),
  maxPollIntervalMs: int('max.poll.interval.ms', 300_000, 1, 'Longest gap between polls before the consumer leaves the group; also how long the coordinator waits for members to rejoin.'),
  fetchMinBytes: int('fetch.min.bytes', 1, 0, 'Bytes a fetch waits for (up to fetch.max.wait.ms) before the broker answers.'),
  fetchMaxBytes: int('fetch.max.bytes', 52_428_800, 0, 'Largest fetch answer the broker should send (at least one batch is always returned).'),
  fetchMaxWaitMs: int('fetch.max.wait.ms', 500, 0, 'How long the broker may wait for fetch.min.bytes.'),
  maxPartitionFetchBytes: int('max.partition.fetch.bytes', 1_048_576, 0, 'Largest answer per partition in one fetch (at least one batch is always returned).'),
  maxPollRecords: int('max.poll.records', 500, 1, 'Most records one poll() returns.'),
  isolationLevel: oneOf('isolation.level', 'read_uncommitted', ['read_uncommitted', 'read_committed'], 'read_committed reads up to the last stable offset and drops aborted transactional records.'),
  checkCrcs: bool('check.crcs', true, 'Verify the CRC32C of fetched batches.'),
  clientRack: str('client.rack', '', 'Rack of this consumer, sent with fetches.'),
  defaultApiTimeoutMs: int('default.api.timeout.ms', 60_000, 0, 'Timeout of consumer calls that take no explicit timeout (position, offsetsForTimes, ...).'),
  partitionAssignmentStrategy: assignorsDef(),
  groupProtocol: oneOf('group.protocol', 'classic', ['classic', 'consumer'], 'Group protocol: classic (JoinGroup/SyncGroup). The consumer protocol (KIP-848) is not supported yet.'),
} as const;

export const ADMIN_CONFIG = {
  ...COMMON_CONFIG,
  connectionsMaxIdleMs: long('connections.max.idle.ms', 300_000, -1, 'Close connections idle for this long (-1: never).'),
  defaultApiTimeoutMs: int('default.api.timeout.ms', 60_000, 0, 'Timeout of an admin call, retries included, unless the call gives its own timeoutMs.'),
  retries: int('retries', INT_MAX, 0, 'How many times an admin request is retried on retriable errors.'),
} as const;

export type CommonConfig = ResolvedOf<typeof COMMON_CONFIG>;
export type ProducerConfig = ResolvedOf<typeof PRODUCER_CONFIG>;
export type ConsumerConfig = ResolvedOf<typeof CONSUMER_CONFIG>;
export type AdminConfig = ResolvedOf<typeof ADMIN_CONFIG>;

export type CommonConfigInput = InputOf<typeof COMMON_CONFIG>;
export type ProducerConfigInput = InputOf<typeof PRODUCER_CONFIG>;
export type ConsumerConfigInput = InputOf<typeof CONSUMER_CONFIG>;
export type AdminConfigInput = InputOf<typeof ADMIN_CONFIG>;

const TABLES: Record<ClientKind, DefTable> = {
  common: COMMON_CONFIG,
  producer: PRODUCER_CONFIG,
  consumer: CONSUMER_CONFIG,
  admin: ADMIN_CONFIG,
};

/** Every Kafka key a table supports, for docs and tools (e.g. `--producer-property` checks). */
export function clientConfigKeys(kind: ClientKind): { key: string; name: string; default: unknown; allowed: string; doc: string }[] {
  return Object.entries(TABLES[kind]).map(([name, d]) => ({ key: d.key, name, default: d.default, allowed: d.allowed, doc: d.doc }));
}

/** Where an unknown key does belong, for the error message. */
function hintFor(key: string, kind: ClientKind): string | undefined {
  const owners = (['producer', 'consumer', 'admin'] as const).filter(
    (k) => k !== kind && Object.entries(TABLES[k]).some(([name, d]) => d.key === key || name === key),
  );
  if (owners.length > 0) return `it is a ${owners.join('/')} config, not a ${kind === 'common' ? 'Kafka()' : kind} config`;
  return undefined;
}

/**
 * Resolves `layers` (later layers win; each may use Kafka keys or camelCase names, not both for
 * the same key with different values) against the table of `kind`. Undefined values are
 * ignored. Throws ConfigError naming every unknown key, or the first invalid value.
 */
export function resolveClientConfig(kind: 'producer', ...layers: (object | undefined)[]): ProducerConfig;
export function resolveClientConfig(kind: 'consumer', ...layers: (object | undefined)[]): ConsumerConfig;
export function resolveClientConfig(kind: 'admin', ...layers: (object | undefined)[]): AdminConfig;
export function resolveClientConfig(kind: 'common', ...layers: (object | undefined)[]): CommonConfig;
export function resolveClientConfig(kind: ClientKind, ...layers: (object | undefined)[]): Record<string, unknown> {
  const table = TABLES[kind];
  const byKey = new Map<string, string>();
  for (const [name, d] of Object.entries(table)) {
    byKey.set(d.key, name);
    byKey.set(name, name);
  }
  const raw = new Map<string, { value: unknown; as: string }>();
  const unknown: string[] = [];
  for (const layer of layers) {
    if (layer === undefined) continue;
    const seen = new Map<string, { value: unknown; as: string }>();
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const name = byKey.get(k);
      if (name === undefined) {
        unknown.push(k);
        continue;
      }
      const prior = seen.get(name);
      if (prior !== undefined && String(prior.value) !== String(v)) {
        throw new ConfigError(`Configuration "${table[name]!.key}" is given twice with different values (as "${prior.as}" and "${k}")`, table[name]!.key, 'conflict');
      }
      seen.set(name, { value: v, as: k });
    }
    for (const [name, entry] of seen) raw.set(name, entry);
  }
  if (unknown.length > 0) {
    const hint = unknown.length === 1 ? hintFor(unknown[0]!, kind) : undefined;
    const what = kind === 'common' ? 'client' : kind;
    const message =
      unknown.length === 1
        ? `Unknown ${what} configuration "${unknown[0]}"${hint !== undefined ? ` (${hint})` : ''}`
        : `Unknown ${what} configurations: ${unknown.map((k) => `"${k}"`).join(', ')}`;
    throw new ConfigError(message, unknown[0]!, 'unknown-key');
  }
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(table)) {
    const given = raw.get(name);
    out[name] = given === undefined ? d.default : d.parse(given.value);
  }
  if (kind !== 'common' && (out['bootstrapServers'] as readonly string[]).length === 0) {
    throw ConfigError.missingRequired('bootstrap.servers');
  }
  return Object.freeze(out);
}

/** Cross-key checks Kafka makes, and refusals of what is not built yet. */
export function checkProducerConfig(c: ProducerConfig): void {
  if (c.deliveryTimeoutMs < c.lingerMs + c.requestTimeoutMs) {
    throw new ConfigError(
      `delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (${c.deliveryTimeoutMs} < ${c.lingerMs} + ${c.requestTimeoutMs})`,
      'delivery.timeout.ms', 'conflict',
    );
  }
  if (c.enableIdempotence) {
    throw ConfigError.invalidValue('enable.idempotence', 'true', 'the idempotent producer is not supported yet', 'false');
  }
  if (c.transactionalId !== null) {
    throw ConfigError.invalidValue('transactional.id', c.transactionalId, 'transactions are not supported yet', 'unset');
  }
}

/** Cross-key checks of a consumer config (Kafka's), and refusals of what is not built yet. */
export function checkConsumerConfig(c: ConsumerConfig): void {
  if (c.groupProtocol === 'consumer') {
    throw ConfigError.invalidValue('group.protocol', 'consumer', 'the consumer group protocol (KIP-848) is not supported yet', 'classic');
  }
  if (c.groupId !== null && c.heartbeatIntervalMs >= c.sessionTimeoutMs) {
    throw new ConfigError(`heartbeat.interval.ms (${c.heartbeatIntervalMs}) must be lower than session.timeout.ms (${c.sessionTimeoutMs})`, 'heartbeat.interval.ms', 'conflict');
  }
}
