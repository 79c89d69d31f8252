/** The Markdown config reference generated from the tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BROKER_CONFIG_BY_KEY, BROKER_CONFIG_KEYS, TOPIC_CONFIG_BY_KEY, TOPIC_CONFIG_KEYS, defaultText, renderConfigDocs, renderConfigTable,
} from '../../src/common/config/index.js';

test('one row per key, broker table then topic table', () => {
  const md = renderConfigDocs();
  const rows = md.split('\n').filter((line) => line.startsWith('| `'));
  assert.equal(rows.length, BROKER_CONFIG_KEYS.length + TOPIC_CONFIG_KEYS.length);
  assert.ok(md.indexOf('## Broker configs') < md.indexOf('## Topic configs'));
});

test('a broker row shows key, type, default, valid values, importance, update mode and doc', () => {
  const md = renderConfigTable(BROKER_CONFIG_KEYS);
  const row = md.split('\n').find((line) => line.startsWith('| `log.segment.bytes` '));
  assert.ok(row);
  assert.equal(row,
    '| `log.segment.bytes` | int | `1073741824 (1 gibibyte)` | `[1048576,...]` | high | cluster-wide | ' +
    `${BROKER_CONFIG_BY_KEY.get('log.segment.bytes')!.doc} |`);
  assert.match(md, /^\| Key \| Type \| Default \| Valid values \| Importance \| Update mode \| Description \|$/m);
});

test('a topic row names the broker keys it falls back to', () => {
  const md = renderConfigTable(TOPIC_CONFIG_KEYS);
  const row = md.split('\n').find((line) => line.startsWith('| `retention.ms` '));
  assert.ok(row);
  assert.match(row, /\| long \| `604800000 \(7 days\)` \| `\[-1,\.\.\.\]` \| `log\.retention\.ms`, `log\.retention\.minutes`, `log\.retention\.hours` \| medium \| per-topic \|/);
});

test('default cells read like Kafka\'s docs', () => {
  const broker = (key: string) => defaultText(BROKER_CONFIG_BY_KEY.get(key)!);
  const topic = (key: string) => defaultText(TOPIC_CONFIG_BY_KEY.get(key)!);
  assert.equal(broker('node.id'), '(required)');
  assert.equal(broker('log.retention.ms'), 'null');
  assert.equal(broker('controller.quorum.voters'), '""');
  assert.equal(broker('log.flush.interval.messages'), '9223372036854775807');
  assert.equal(broker('offsets.commit.timeout.ms'), '5000 (5 seconds)');
  assert.equal(broker('replica.fetch.wait.max.ms'), '500');
  assert.equal(broker('message.max.bytes'), '1048588');
  assert.equal(broker('log.cleaner.io.max.bytes.per.second'), '1.7976931348623157E308');
  assert.equal(topic('delete.retention.ms'), '86400000 (1 day)');
  assert.equal(topic('segment.index.bytes'), '10485760 (10 mebibytes)');
  assert.equal(topic('message.timestamp.after.max.ms'), '3600000 (1 hour)');
});

test('cells escape pipes', () => {
  const md = renderConfigTable([{ ...BROKER_CONFIG_KEYS[0], doc: 'a | b' }]);
  assert.match(md, /a \\\| b \|$/m);
});
