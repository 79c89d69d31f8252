/**
 * Tributary's client: `import { Kafka } from 'tributary'`.
 *
 * ```ts
 * const kafka = new Kafka({ 'bootstrap.servers': 'localhost:9092' });
 * const producer = kafka.producer({ 'linger.ms': 10, 'compression.type': 'lz4' });
 * const { partition, offset } = await producer.send({ topic: 'events', key: 'k', value: 'hello' });
 * await producer.close();
 *
 * const consumer = kafka.consumer({ 'auto.offset.reset': 'earliest' });
 * consumer.assign([{ topic: 'events', partition: 0 }]);
 * for await (const record of consumer) { console.log(record.offset, record.value?.toString()); break; }
 * await consumer.close();
 *
 * const admin = kafka.admin();
 * await admin.createTopics([{ topic: 'orders', numPartitions: 3 }]);
 * await admin.close();
 * ```
 */
export { Kafka, type KafkaOptions } from './kafka.js';
export { Producer, type ProducerCloseOptions } from './producer/producer.js';
export type { SendCallback } from './producer/batch.js';
export { Consumer } from './consumer/consumer.js';
export { Admin, type AdminCallOptions, type ValidateOptions } from './admin/admin.js';
export {
  COMMON_CONFIG,
  PRODUCER_CONFIG,
  CONSUMER_CONFIG,
  ADMIN_CONFIG,
  clientConfigKeys,
  resolveClientConfig,
  type ClientKind,
  type CommonConfig,
  type ProducerConfig,
  type ConsumerConfig,
  type AdminConfig,
  type CommonConfigInput,
  type ProducerConfigInput,
  type ConsumerConfigInput,
  type AdminConfigInput,
} from './config.js';
export { KafkaError, isKafkaError, ErrorCode, ConfigError, ClientClosedError, NotSupportedYetError } from './errors.js';
export { murmur2, partitionForKey, toPositive } from './murmur2.js';
export type * from './types.js';
export type { RebalanceListener, OffsetCommitItem, OffsetAndMetadata, ConsumerGroupMetadata } from './group/types.js';
export type * from './admin/group-types.js';
