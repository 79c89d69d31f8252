#!/usr/bin/python3
"""confluent-kafka-python (1.7, Debian's python3-confluent-kafka, librdkafka inside) against a
broker, for the interop tests.

Usage: confluent_kafka_client.py HOST:PORT < spec.json

The spec is {"steps": [{"id": ..., "op": ..., ...}, ...]}; the steps run in order and the
script prints one JSON object {"client": ..., "results": {id: {"ok": true, "result": ...} |
{"ok": false, "error": ...}}}. Bytes travel as hex strings (null for None). A failing step does
not stop the others.
"""
import json
import sys
import time
import traceback

import confluent_kafka
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

CLIENT_ID = 'interop-confluent-kafka'
TIMEOUT_S = 15


def unhex(s):
    return None if s is None else bytes.fromhex(s)


def tohex(b):
    return None if b is None else bytes(b).hex()


def error_of(e):
    """A KafkaException from a future as {code, name, message}."""
    if isinstance(e, KafkaException) and e.args:
        err = e.args[0]
        return {'code': err.code(), 'name': err.name(), 'message': err.str()}
    return {'code': None, 'name': type(e).__name__, 'message': str(e)}


def settle(futures):
    """{key: {'ok': True, 'value': ...} | {'ok': False, 'error': ...}} for a dict of futures."""
    out = {}
    for key, f in futures.items():
        try:
            out[str(key)] = {'ok': True, 'value': f.result(timeout=TIMEOUT_S)}
        except Exception as e:
            out[str(key)] = {'ok': False, 'error': error_of(e)}
    return out


class Session:
    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self._admin = None

    def admin(self):
        if self._admin is None:
            self._admin = AdminClient({'bootstrap.servers': self.bootstrap, 'client.id': CLIENT_ID})
        return self._admin

    # -------------------------------------------------------------- admin

    def op_create_topics(self, step):
        topics = [NewTopic(t['name'], t.get('partitions', 1), t.get('replication', 1), config=t.get('configs', {})) for t in step['topics']]
        results = settle(self.admin().create_topics(topics, operation_timeout=10, request_timeout=TIMEOUT_S, validate_only=step.get('validate_only', False)))
        return {k: {'ok': v['ok'], 'error': v.get('error')} for k, v in results.items()}

    def op_metadata(self, step):
        md = self.admin().list_topics(topic=step.get('topic'), timeout=TIMEOUT_S)
        topics = {}
        for name, t in md.topics.items():
            topics[name] = {
                'error': None if t.error is None else t.error.name(),
                'partitions': {str(p.id): {'leader': p.leader, 'replicas': list(p.replicas), 'isrs': list(p.isrs),
                                           'error': None if p.error is None else p.error.name()} for p in t.partitions.values()},
            }
        return {'cluster_id': md.cluster_id, 'controller_id': md.controller_id, 'orig_broker_id': md.orig_broker_id,
                'brokers': {str(b.id): {'host': b.host, 'port': b.port} for b in md.brokers.values()}, 'topics': topics}

    def op_describe_configs(self, step):
        results = settle(self.admin().describe_configs([ConfigResource('topic', step['topic'])], request_timeout=TIMEOUT_S))
        out = {}
        for key, r in results.items():
            if not r['ok']:
                out[key] = r
                continue
            out[key] = {'ok': True, 'configs': {name: {
                'value': e.value, 'source': e.source, 'read_only': e.is_read_only, 'default': e.is_default,
                'sensitive': e.is_sensitive, 'synonyms': [s.name for s in e.synonyms.values()],
            } for name, e in r['value'].items()}}
        return out

    def op_alter_configs(self, step):
        results = settle(self.admin().alter_configs([ConfigResource('topic', step['topic'], set_config=step['configs'])], request_timeout=TIMEOUT_S))
        return {k: {'ok': v['ok'], 'error': v.get('error')} for k, v in results.items()}

    def op_create_partitions(self, step):
        results = settle(self.admin().create_partitions([NewPartitions(step['topic'], step['total'])], operation_timeout=10, request_timeout=TIMEOUT_S))
        return {k: {'ok': v['ok'], 'error': v.get('error')} for k, v in results.items()}

    def op_delete_topics(self, step):
        results = settle(self.admin().delete_topics(step['topics'], operation_timeout=10, request_timeout=TIMEOUT_S))
        return {k: {'ok': v['ok'], 'error': v.get('error')} for k, v in results.items()}

    # -------------------------------------------------------------- produce

    def op_produce(self, step):
        producer = Producer({
            'bootstrap.servers': self.bootstrap,
            'client.id': CLIENT_ID,
            'compression.type': step.get('codec', 'none'),
            'acks': str(step.get('acks', 1)),
            'linger.ms': step.get('linger_ms', 5),
            'enable.idempotence': False,
            'message.max.bytes': 4 * 1024 * 1024,
        })
        # Learn the topic's partitions first: a message produced before librdkafka knows them
        # waits for its once-a-second metadata refresh.
        producer.list_topics(step['topic'], timeout=TIMEOUT_S)
        reports = []

        def on_delivery(err, msg):
            reports.append({'error': None if err is None else err.name(), 'partition': msg.partition(), 'offset': msg.offset(),
                            'timestamp': list(msg.timestamp()), 'key': tohex(msg.key())})

        for r in step['records']:
            headers = [(k, unhex(v)) for k, v in r.get('headers', [])]
            kwargs = {'key': unhex(r.get('key')), 'value': unhex(r.get('value')), 'partition': step.get('partition', 0),
                      'headers': headers, 'on_delivery': on_delivery}
            if r.get('timestamp') is not None:
                kwargs['timestamp'] = r['timestamp']
            producer.produce(step['topic'], **kwargs)
        left = producer.flush(TIMEOUT_S)
        return {'undelivered': left, 'reports': reports}

    # -------------------------------------------------------------- consume

    def consumer(self):
        # group.id is required by the client, but assign() never joins a group; nothing is committed.
        return Consumer({'bootstrap.servers': self.bootstrap, 'client.id': CLIENT_ID, 'group.id': 'interop-unused',
                         'enable.auto.commit': False, 'enable.partition.eof': False, 'fetch.wait.max.ms': 100})

    def op_consume(self, step):
        """Each read: `count` records of a partition from a start: beginning, an offset, or a
        timestamp (looked up with offsets_for_times). One consumer serves all the reads."""
        consumer = self.consumer()
        try:
            return [self.read(consumer, step['topic'], read) for read in step['reads']]
        finally:
            consumer.close()

    def read(self, consumer, topic, read):
        partition = read['partition']
        start = read['from']
        lookup = None
        if start == 'beginning':
            offset = OFFSET_BEGINNING
        elif 'offset' in start:
            offset = start['offset']
        else:
            found = consumer.offsets_for_times([TopicPartition(topic, partition, start['timestamp'])], timeout=TIMEOUT_S)[0]
            if found.error is not None:
                raise KafkaException(found.error)
            lookup = {'offset': found.offset}
            if found.offset < 0:
                return {'lookup': lookup, 'records': []}
            offset = found.offset
        consumer.assign([TopicPartition(topic, partition, offset)])
        records = []
        deadline = time.time() + read.get('timeout_s', TIMEOUT_S)
        while len(records) < read['count'] and time.time() < deadline:
            m = consumer.poll(0.2)
            if m is None or m.partition() != partition:
                continue
            if m.error() is not None:
                records.append({'error': m.error().name()})
                continue
            ts_type, ts = m.timestamp()
            records.append({
                'offset': m.offset(), 'timestamp': ts, 'timestamp_type': ts_type,
                'key': tohex(m.key()), 'value': tohex(m.value()),
                'headers': [[k, tohex(v)] for k, v in (m.headers() or [])],
            })
        consumer.unassign()
        return {'lookup': lookup, 'records': records}

    def op_watermarks(self, step):
        consumer = self.consumer()
        try:
            out = []
            for p in range(step['partitions']):
                low, high = consumer.get_watermark_offsets(TopicPartition(step['topic'], p), timeout=TIMEOUT_S, cached=False)
                out.append({'partition': p, 'low': low, 'high': high})
            return out
        finally:
            consumer.close()


def main():
    bootstrap = sys.argv[1]
    spec = json.load(sys.stdin)
    session = Session(bootstrap)
    results = {}
    for step in spec['steps']:
        started = time.time()
        try:
            result = getattr(session, 'op_' + step['op'])(step)
            results[step['id']] = {'ok': True, 'result': result, 'ms': round((time.time() - started) * 1000)}
        except Exception as e:  # reported, not fatal: the other steps still run
            results[step['id']] = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e), 'trace': traceback.format_exc(),
                                   'ms': round((time.time() - started) * 1000)}
    version, _ = confluent_kafka.version()
    libversion, _ = confluent_kafka.libversion()
    json.dump({'client': 'confluent-kafka %s (librdkafka %s)' % (version, libversion), 'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
