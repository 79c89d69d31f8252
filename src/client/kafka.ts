/**
 * The entry point: `new Kafka(config)` holds the settings every client shares (Kafka's keys or
 * camelCase names, see config.ts); `producer()`, `consumer()` and `admin()` make clients with
 * their own settings on top. Each client has its own connections.
 */
import { resolveClientConfig, type AdminConfigInput, type CommonConfigInput, type ConsumerConfigInput, type ProducerConfigInput } from './config.js';
import { Admin } from './admin/admin.js';
import { Consumer } from './consumer/consumer.js';
import { Producer } from './producer/producer.js';
import type { ClientLogger } from './types.js';

export interface KafkaOptions {
  /** Where the clients report connection problems and retries (default: nowhere). */
  logger?: ClientLogger;
}

const SILENT: ClientLogger = { info() {}, warn() {}, error() {} };

let clientCounter = 0;

export class Kafka {
  private readonly common: Readonly<Record<string, unknown>>;
  private readonly logger: ClientLogger;

  /** Throws ConfigError for unknown keys (naming them) and invalid values. */
  constructor(config: CommonConfigInput, options: KafkaOptions = {}) {
    resolveClientConfig('common', config);
    this.common = { ...config };
    this.logger = options.logger ?? SILENT;
  }

  producer(config: ProducerConfigInput = {}): Producer {
    const c = resolveClientConfig('producer', this.common, config);
    return new Producer(c, c.clientId !== '' ? c.clientId : `tributary-producer-${++clientCounter}`, this.logger);
  }

  consumer(config: ConsumerConfigInput = {}): Consumer {
    const c = resolveClientConfig('consumer', this.common, config);
    return new Consumer(c, c.clientId !== '' ? c.clientId : `tributary-consumer-${++clientCounter}`, this.logger);
  }

  admin(config: AdminConfigInput = {}): Admin {
    const c = resolveClientConfig('admin', this.common, config);
    return new Admin(c, c.clientId !== '' ? c.clientId : `tributary-admin-${++clientCounter}`, this.logger);
  }
}
