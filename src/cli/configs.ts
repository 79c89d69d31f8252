/**
 * kafka-configs.sh (topics and brokers): --describe prints a resource's dynamic configs (all
 * of them with --all) as Kafka does, `  name=value sensitive=false synonyms={SOURCE:name=value,
 * ...}`; --alter applies --add-config / --delete-config with IncrementalAlterConfigs and prints
 * `Completed updating config for topic x.`. Users, clients, IPs, groups and client metrics are
 * refused with a message until the broker has them.
 */
import { readFileSync } from 'node:fs';
import type { ConfigEntry, ConfigResourceTypeName } from '../client/types.js';
import { rejectCombination, type ParsedArgs, type ToolSpec } from './args.js';
import { ToolError, UsageError } from './errors.js';
import { openAdmin, type CliAdmin } from './lazy.js';
import { isMain, main, type Tool, type ToolIO } from './run.js';
import { parseProperties } from '../common/config/properties.js';

export const spec: ToolSpec = {
  name: 'kafka-configs.sh',
  description: 'This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, client-metrics or group',
  options: [
    { name: 'bootstrap-server', kind: 'string', metavar: 'server to connect to', description: 'The Kafka servers to connect to.' },
    { name: 'bootstrap-controller', kind: 'string', metavar: 'controller to connect to', description: 'The Kafka controllers to connect to.' },
    { name: 'command-config', kind: 'string', metavar: 'command config property file', description: 'Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs.' },
    { name: 'alter', kind: 'flag', description: 'Alter the configuration for the entity.' },
    { name: 'describe', kind: 'flag', description: 'List configs for the given entity.' },
    { name: 'all', kind: 'flag', description: 'List all configs for the given entity, including static configs if available.' },
    { name: 'entity-type', kind: 'string', metavar: 'entity-type', repeatable: true, description: 'Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics/groups)' },
    { name: 'entity-name', kind: 'string', metavar: 'entity-name', repeatable: true, description: 'Name of entity (topic name/client id/user principal name/broker id/ip/client metrics/group id)' },
    { name: 'entity-default', kind: 'flag', description: 'Default entity name for clients/users/brokers/ips (applies to corresponding entity type)' },
    { name: 'add-config', kind: 'string', metavar: 'add-config', description: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'." },
    { name: 'add-config-file', kind: 'string', metavar: 'add-config-file', description: 'Path to a properties file with configs to add. See add-config for a list of valid configurations.' },
    { name: 'delete-config', kind: 'string', metavar: 'delete-config', description: 'config keys to remove in the following form: k1,k2' },
    { name: 'topic', kind: 'string', metavar: 'topic', description: "The topic's name." },
    { name: 'broker', kind: 'string', metavar: 'broker-id', description: "The broker's ID." },
    { name: 'broker-defaults', kind: 'flag', description: 'The config defaults for all brokers.' },
    { name: 'broker-logger', kind: 'string', metavar: 'broker-id', description: "The broker's ID for its logger config." },
    { name: 'client', kind: 'string', metavar: 'client-id', description: "The client's ID." },
    { name: 'client-defaults', kind: 'flag', description: 'The config defaults for all clients.' },
    { name: 'user', kind: 'string', metavar: 'user-principal', description: "The user's principal name." },
    { name: 'user-defaults', kind: 'flag', description: 'The config defaults for all users.' },
    { name: 'ip', kind: 'string', metavar: 'ip', description: 'The IP address.' },
    { name: 'ip-defaults', kind: 'flag', description: 'The config defaults for all IPs.' },
    { name: 'group', kind: 'string', metavar: 'group', description: "The group's ID." },
    { name: 'client-metrics', kind: 'string', metavar: 'client-metrics', description: "The client metrics config resource name." },
  ],
};

const ENTITY_TYPES = ['topics', 'clients', 'users', 'brokers', 'broker-loggers', 'ips', 'client-metrics', 'groups'] as const;
type EntityType = (typeof ENTITY_TYPES)[number];

/** The entity the command is about: `--entity-type t --entity-name n` or a shorthand (--topic n). */
export function entity(args: ParsedArgs): { type: EntityType; name: string | null; isDefault: boolean } {
  const typed: { type: string; name?: string; isDefault?: boolean }[] = [];
  const shorthand: [string, EntityType][] = [
    ['topic', 'topics'],
    ['broker', 'brokers'],
    ['broker-logger', 'broker-loggers'],
    ['client', 'clients'],
    ['user', 'users'],
    ['ip', 'ips'],
    ['group', 'groups'],
    ['client-metrics', 'client-metrics'],
  ];
  for (const [opt, type] of shorthand) if (args.has(opt)) typed.push({ type, name: args.string(opt)! });
  for (const [opt, type] of [
    ['broker-defaults', 'brokers'],
    ['client-defaults', 'clients'],
    ['user-defaults', 'users'],
    ['ip-defaults', 'ips'],
  ] as const) {
    if (args.has(opt)) typed.push({ type, isDefault: true });
  }
  const types = args.strings('entity-type');
  if (types.length > 0 && typed.length > 0) throw new UsageError('--entity-{type,name} should not be used in conjunction with specific entity flags (--topic, --broker, ...)');
  if (typed.length > 1) throw new UsageError('Only one entity can be given (several are for users with clients, which are not supported yet)');
  if (typed.length === 1) {
    const t = typed[0]!;
    return { type: t.type as EntityType, name: t.name ?? null, isDefault: t.isDefault === true };
  }
  if (types.length === 0) throw new UsageError('Must specify --entity-type or a specific entity flag (--topic, --broker, ...)');
  if (types.length > 1) throw new UsageError('Only one --entity-type can be given (several are for users with clients, which are not supported yet)');
  const type = types[0]!;
  if (!(ENTITY_TYPES as readonly string[]).includes(type)) throw new UsageError(`Invalid entity type ${type}, the entity type must be one of ${ENTITY_TYPES.join(', ')}`);
  const names = args.strings('entity-name');
  if (names.length > 1) throw new UsageError('Only one --entity-name can be given');
  if (names.length === 1 && args.has('entity-default')) throw new UsageError('--entity-name and --entity-default cannot be used together');
  return { type: type as EntityType, name: names[0] ?? null, isDefault: args.has('entity-default') };
}

/** `k1=v1,k2=[a,b],k3=v3` → pairs; brackets keep commas inside a value. */
export function parseAddConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '[') depth++;
    if (c === ']') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  for (const p of parts) {
    if (p.trim() === '') continue;
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid entity config: all configs to be added must be in the format "key=val" (got '${p}')`, false);
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
    out.set(p.slice(0, eq).trim(), v);
  }
  return out;
}

function resourceType(type: EntityType): ConfigResourceTypeName {
  switch (type) {
    case 'topics':
      return 'topic';
    case 'brokers':
      return 'broker';
    default:
      throw new ToolError(`Entity type '${type}' is not supported yet (topics and brokers are)`);
  }
}

const DYNAMIC_SOURCE: Record<string, string> = {
  topic: 'DYNAMIC_TOPIC_CONFIG',
  broker: 'DYNAMIC_BROKER_CONFIG',
  brokerDefault: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
};

export function configLine(e: ConfigEntry): string {
  const synonyms = e.synonyms.map((s) => `${s.source}:${s.name}=${s.value ?? 'null'}`).join(', ');
  return `  ${e.name}=${e.value ?? 'null'} sensitive=${e.isSensitive} synonyms={${synonyms}}`;
}

async function describeOne(admin: CliAdmin, type: ConfigResourceTypeName, name: string, all: boolean): Promise<ConfigEntry[]> {
  const [res] = await admin.describeConfigs([{ type, name }], true);
  const source = type === 'topic' ? DYNAMIC_SOURCE['topic'] : name === '' ? DYNAMIC_SOURCE['brokerDefault'] : DYNAMIC_SOURCE['broker'];
  return (res?.configs ?? []).filter((e) => all || e.source === source).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function describe(admin: CliAdmin, args: ParsedArgs, io: ToolIO): Promise<void> {
  const ent = entity(args);
  const type = resourceType(ent.type);
  const all = args.has('all');
  let names: string[];
  if (ent.isDefault) names = [''];
  else if (ent.name !== null) {
    if (type === 'topic') {
      if (!all && !(await admin.listTopics(true)).includes(ent.name)) {
        io.stdout.write(`The topic '${ent.name}' doesn't exist and doesn't have dynamic config.\n`);
        return;
      }
    } else if (!/^\d+$/.test(ent.name)) {
      throw new ToolError(`The entity name for brokers must be a valid integer broker id, found: ${ent.name}`);
    } else if (!all && !(await admin.describeCluster()).brokers.some((b) => String(b.nodeId) === ent.name)) {
      io.stdout.write(`The broker '${ent.name}' doesn't exist and doesn't have dynamic config.\n`);
      return;
    }
    names = [ent.name];
  } else if (type === 'topic') {
    names = (await admin.listTopics(true)).sort();
  } else {
    names = [...(await admin.describeCluster()).brokers.map((b) => String(b.nodeId)), ''];
  }
  for (const name of names) {
    const entries = await describeOne(admin, type, name, all);
    const singular = ent.type.slice(0, -1);
    io.stdout.write(name === '' ? `Default configs for ${ent.type} in the cluster are:\n` : `${all ? 'All' : 'Dynamic'} configs for ${singular} ${name} are:\n`);
    if (entries.length > 0) io.stdout.write(`${entries.map(configLine).join('\n')}\n`);
  }
}

async function alter(admin: CliAdmin, args: ParsedArgs, io: ToolIO): Promise<void> {
  const ent = entity(args);
  const type = resourceType(ent.type);
  if (ent.name === null && !ent.isDefault) throw new UsageError('An entity name must be specified with --alter of ' + ent.type);
  if (type === 'topic' && ent.isDefault) throw new UsageError('--entity-default is not allowed for topics');
  const name = ent.isDefault ? '' : ent.name!;
  if (type === 'broker' && name !== '' && !/^\d+$/.test(name)) throw new ToolError(`The entity name for brokers must be a valid integer broker id, found: ${name}`);
  if (!args.has('add-config') && !args.has('add-config-file') && !args.has('delete-config')) {
    throw new UsageError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter');
  }
  const toAdd = new Map<string, string>();
  const file = args.string('add-config-file');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ToolError(`Cannot read --add-config-file ${file}: ${(e as Error).message}`);
    }
    for (const [k, v] of Object.entries(parseProperties(text))) toAdd.set(k, v);
  }
  const add = args.string('add-config');
  if (add !== undefined) for (const [k, v] of parseAddConfig(add)) toAdd.set(k, v);
  const toDelete = (args.string('delete-config') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const both = toDelete.filter((k) => toAdd.has(k));
  if (both.length > 0) throw new UsageError(`Invalid config(s): ${both.join(',')}: a config cannot be both added and deleted`, false);
  if (toDelete.length > 0) {
    const current = new Set((await describeOne(admin, type, name, false)).map((e) => e.name));
    const invalid = toDelete.filter((k) => !current.has(k));
    if (invalid.length > 0) throw new ToolError(`Invalid config(s): ${invalid.join(',')}`);
  }
  await admin.incrementalAlterConfigs([
    {
      type,
      name,
      ops: [...toDelete.map((k) => ({ name: k, op: 'delete' as const })), ...[...toAdd].map(([k, v]) => ({ name: k, op: 'set' as const, value: v }))],
    },
  ]);
  io.stdout.write(name === '' ? `Completed updating default config for ${ent.type} in the cluster.\n` : `Completed updating config for ${ent.type.slice(0, -1)} ${name}.\n`);
}

export const tool: Tool = {
  spec,
  async run(args, io) {
    const actions = ['alter', 'describe'].filter((a) => args.has(a));
    if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --describe, --alter');
    if (args.has('bootstrap-server') && args.has('bootstrap-controller')) throw new UsageError('Only one of --bootstrap-server or --bootstrap-controller can be specified');
    if (!args.has('bootstrap-server') && !args.has('bootstrap-controller')) throw new UsageError('One of the required --bootstrap-server or --bootstrap-controller arguments must be specified');
    rejectCombination(args, 'all', ['alter']);
    for (const o of ['add-config', 'add-config-file', 'delete-config']) rejectCombination(args, o, ['describe']);
    entity(args); // usage errors before connecting
    const admin = await openAdmin(args, io, args.has('bootstrap-server') ? 'bootstrap-server' : 'bootstrap-controller');
    try {
      if (args.has('describe')) await describe(admin, args, io);
      else await alter(admin, args, io);
    } catch (e) {
      throw admin.wrapError(e, 'Error while executing config command');
    } finally {
      await admin.close();
    }
  },
};

if (isMain(import.meta.url)) await main(tool);
