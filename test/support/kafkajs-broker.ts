/**
 * For the group interop tests whose own admin and producer are KafkaJS's (the clients under test
 * being kcat, the Python clients or KafkaJS's consumer): a test broker with a connected KafkaJS
 * admin and a producer that never creates topics (the tests create theirs with the admin).
 */
import kafkajs, { type Admin, type Producer, type RetryOptions } from 'kafkajs';
import { startTestBroker, type TestBroker } from './interop.js';

const { Kafka, logLevel } = kafkajs;
type Kafka = InstanceType<typeof Kafka>;

export interface KafkajsBroker {
  tb: TestBroker;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  /** Disconnects the admin and the producer (whatever state they are in), then stops the broker. */
  stop(): Promise<void>;
}

export interface KafkajsBrokerOptions {
  clientId: string;
  /** The broker's config (server.properties keys). */
  config?: Record<string, string>;
  /** KafkaJS's retry options; its defaults when absent. */
  retry?: RetryOptions;
}

/** Starts a test broker named `name` and connects a KafkaJS admin and producer to it; on failure stops what it started. */
export async function startKafkajsBroker(name: string, options: KafkajsBrokerOptions): Promise<KafkajsBroker> {
  const tb = await startTestBroker(name, options.config);
  const kafka = new Kafka({ clientId: options.clientId, brokers: [tb.address], logLevel: logLevel.NOTHING, ...(options.retry ? { retry: options.retry } : {}) });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const stop = async (): Promise<void> => {
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
    await tb.stop();
  };
  try {
    await Promise.all([admin.connect(), producer.connect()]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { tb, kafka, admin, producer, stop };
}
