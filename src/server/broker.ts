/**
 * One Tributary node (broker and controller), in process: `startBroker()` resolves the config,
 * opens and recovers the log dirs, replays __cluster_metadata into the metadata image, registers
 * itself, opens the partitions the image gives it, starts the periodic log work and listens.
 * `close()` stops accepting, answers requests in flight, flushes, and marks a clean shutdown.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { resolveBrokerConfig, logDirs as configuredLogDirs, resolveTopicConfig, type ResolvedBrokerConfig } from '../common/config/index.js';
import type { ResolvedTopicConfig } from '../common/config/resolve-topic.js';
import { ConfigError } from '../common/config/errors.js';
import { LogManager } from '../storage/log-manager.js';
import { NodeFileSystem } from '../storage/real-fs.js';
import { LogScheduler } from '../storage/log-scheduler.js';
import { MetadataLog } from '../controller/metadata-log.js';
import { MetadataRecordType } from '../controller/metadata-records.js';
import { ConfigResourceType } from '../controller/metadata-image.js';
import { brokerConfigFromImage } from '../controller/config-admin.js';
import { ReplicaManager } from '../replica/replica-manager.js';
import { FetchPurgatory } from '../replica/fetch-purgatory.js';
import { SocketServer } from '../network/socket-server.js';
import { createDispatcher } from '../handlers/dispatcher.js';
import { HANDLERS } from '../handlers/index.js';
import type { AdvertisedListener, BrokerServices, Logger } from '../handlers/types.js';
import { parseListeners } from './listeners.js';
import { GroupCoordinator } from '../coordinator/group/group-coordinator.js';
import { OffsetsTopic } from './offsets-topic.js';

export interface StartBrokerOptions {
  /** Kafka config keys (server.properties entries and --override values). */
  config?: Record<string, string>;
  /** Shortcut for listeners=PLAINTEXT://host:port (0 picks a free port). */
  port?: number;
  host?: string;
  /** Shortcut for log.dirs. */
  logDir?: string;
  logger?: Logger;
}

export interface RunningBroker {
  host: string;
  port: number;
  /** host:port, for bootstrap.servers. */
  address: string;
  nodeId: number;
  clusterId: string;
  close(): Promise<void>;
}

/** The embedded defaults: one node that is broker and controller, like `npm start`. */
export const EMBEDDED_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  'node.id': '1',
  'process.roles': 'broker,controller',
  listeners: 'PLAINTEXT://localhost:9092',
  'log.dirs': './data',
  // As Kafka's config/server.properties for a single node.
  'offsets.topic.replication.factor': '1',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'group.initial.rebalance.delay.ms': '0',
});

const consoleLogger: Logger = {
  info: (m) => console.log(`[tributary] INFO ${m}`),
  warn: (m) => console.warn(`[tributary] WARN ${m}`),
  error: (m) => console.error(`[tributary] ERROR ${m}`),
};

function effectiveProps(options: StartBrokerOptions): Record<string, string> {
  const props: Record<string, string> = { ...EMBEDDED_DEFAULTS, ...options.config };
  if (options.port !== undefined || options.host !== undefined) {
    props['listeners'] = `PLAINTEXT://${options.host ?? '127.0.0.1'}:${options.port ?? 9092}`;
    if (options.config?.['advertised.listeners'] === undefined) delete props['advertised.listeners'];
  }
  if (options.logDir !== undefined) props['log.dirs'] = options.logDir;
  return props;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const log = options.logger ?? consoleLogger;
  const config: ResolvedBrokerConfig = resolveBrokerConfig(effectiveProps(options));
  const values = config.values;
  const listeners = parseListeners('listeners', values.listeners);
  const controllerNames = (values.controllerListenerNames ?? '').split(',').map((s) => s.trim());
  const plaintext = listeners.filter((l) => !controllerNames.includes(l.name));
  if (plaintext.length !== 1) {
    throw ConfigError.invalidValue('listeners', values.listeners, `exactly one client listener is supported for now, found ${plaintext.length}`, 'PLAINTEXT://host:port');
  }
  const listener = plaintext[0]!;
  const dirs = configuredLogDirs(config);
  const nowMs = (): number => Date.now();

  const logs = await LogManager.start({
    fs: new NodeFileSystem(),
    logDirs: dirs,
    nodeId: values.nodeId,
    clusterId: randomBytes(16).toString('base64url'),
    defaultSettings: resolveTopicConfig({}, config).logConfig,
    nowMs,
    cleaner: { dedupeBufferBytes: values.logCleanerDedupeBufferBytes, ioBufferBytes: values.logCleanerIoBufferBytes },
  });
  const metadata = await MetadataLog.open(logs, nowMs);

  // The config this node runs with: server.properties under the dynamic broker configs of the
  // image (KIP-226), recomputed whenever the metadata changes; topics inherit from it.
  const ignoredDynamic = (key: string, reason: string): void => log.warn(`dynamic broker config ${key} ignored: ${reason}`);
  let effectiveConfig = brokerConfigFromImage(metadata.image, config, values.nodeId, ignoredDynamic);
  const topicConfigs = new Map<string, ResolvedTopicConfig>();
  const topicConfig = (topic: string): ResolvedTopicConfig => {
    let resolved = topicConfigs.get(topic);
    if (!resolved) {
      resolved = resolveTopicConfig(Object.fromEntries(metadata.image.topicConfigs(topic)), effectiveConfig);
      topicConfigs.set(topic, resolved);
    }
    return resolved;
  };
  const replicas = new ReplicaManager(values.nodeId, logs, (topic) => topicConfig(topic).logConfig);
  const purgatory = new FetchPurgatory(10_000);
  const groups = new GroupCoordinator({
    config: () => OffsetsTopic.groupConfig(effectiveConfig),
    nowMs,
    newMemberId: (prefix) => `${prefix}-${randomUUID()}`,
    retentionCheckIntervalMs: values.offsetsRetentionCheckIntervalMs,
    onError: (m) => log.error(`group coordinator: ${m}`),
  });
  metadata.onChange(async (records, image) => {
    if (records.some((r) => r.type === MetadataRecordType.Config && (r.data as { resourceType: number }).resourceType === ConfigResourceType.BROKER)) {
      effectiveConfig = brokerConfigFromImage(image, config, values.nodeId, ignoredDynamic);
    }
    topicConfigs.clear();
    await replicas.sync(image);
    await OffsetsTopic.syncShards(groups, image, replicas);
    if (records.some((r) => r.type === MetadataRecordType.RemoveTopic)) OffsetsTopic.dropOffsetsOfDeletedTopics(groups, image);
  });

  const server = await SocketServer.listen(async (p, c) => dispatch(p, c), {
    host: listener.host === '' ? '0.0.0.0' : listener.host,
    port: listener.port,
    maxFrameBytes: values.socketRequestMaxBytes,
    maxInFlight: 16,
    idleTimeoutMs: values.connectionsMaxIdleMs,
    log: (level, m) => (level === 'warn' ? log.warn(m) : log.info(m)),
  });
  const boundPort = server.port;
  const advertisedSpecs = values.advertisedListeners ? parseListeners('advertised.listeners', values.advertisedListeners) : [listener];
  const advertised: AdvertisedListener[] = advertisedSpecs.map((a) => ({
    name: a.name,
    host: a.host === '' || a.host === '0.0.0.0' ? 'localhost' : a.host,
    port: a.port === 0 ? boundPort : a.port,
  }));

  const services: BrokerServices = {
    nodeId: values.nodeId,
    clusterId: logs.clusterId,
    get config() {
      return effectiveConfig;
    },
    advertised,
    listenerForPort: () => advertised.find((a) => a.name === listener.name) ?? advertised[0]!,
    metadata,
    replicas,
    logs,
    purgatory,
    groups,
    ensureOffsetsTopic: () => OffsetsTopic.ensure(services),
    topicConfig,
    newTopicId: () => randomBytes(16).toString('base64url'),
    nowMs,
    log,
  };
  const dispatch = createDispatcher(services, HANDLERS);

  // Register this node (its endpoints), then open every partition the image gives it.
  await metadata.run(() => ({
    records: [{
      type: MetadataRecordType.RegisterBroker,
      version: 0,
      data: {
        brokerId: values.nodeId,
        incarnationId: randomBytes(16).toString('base64url'),
        brokerEpoch: BigInt(metadata.image.lastOffset + 1),
        endPoints: advertised.map((a) => ({ name: a.name, host: a.host, port: a.port, securityProtocol: 0 })),
        features: [],
        rack: values.brokerRack ?? null,
        fenced: false,
      },
    }],
    response: undefined,
  }));
  await replicas.sync(metadata.image);
  await OffsetsTopic.syncShards(groups, metadata.image, replicas);
  OffsetsTopic.dropOffsetsOfDeletedTopics(groups, metadata.image);
  groups.start();

  const scheduler = new LogScheduler(logs, {
    retentionCheckIntervalMs: values.logRetentionCheckIntervalMs,
    flushSchedulerIntervalMs: Math.min(values.logFlushSchedulerIntervalMs, 1000),
    checkpointIntervalMs: values.logFlushOffsetCheckpointIntervalMs,
    extraTasks: values.logCleanerEnable
      ? [{
          name: 'cleaner',
          intervalMs: values.logCleanerBackoffMs,
          // One log per call, dirtiest first; keep going while logs are due (bounded per round).
          run: async () => {
            const highWatermark = (log: { topic: string; partition: number; logEndOffset: number }): number =>
              replicas.get(log.topic, log.partition)?.highWatermark ?? log.logEndOffset;
            for (let i = 0; i < 16 && (await logs.runCleaner({ highWatermark })) !== null; i++);
          },
        }]
      : [],
    onError: (task, e) => log.error(`periodic ${task} failed: ${e instanceof Error ? e.message : String(e)}`),
  });
  scheduler.start();
  const host = advertised[0]!.host;
  log.info(`node ${values.nodeId} of cluster ${logs.clusterId} listening on ${listener.host || '0.0.0.0'}:${boundPort}, advertised as ${host}:${advertised[0]!.port}, log dirs ${dirs.join(',')}`);

  let closing: Promise<void> | null = null;
  return {
    host,
    port: advertised[0]!.port,
    address: `${host}:${advertised[0]!.port}`,
    nodeId: values.nodeId,
    clusterId: logs.clusterId,
    close: () =>
      (closing ??= (async () => {
        groups.close();
        purgatory.close();
        await server.close();
        await scheduler.stop();
        await logs.shutdown();
        log.info(`node ${values.nodeId} stopped cleanly`);
      })()),
  };
}
