#!/usr/bin/python3
"""kafka-python (2.0.2, Debian's python3-kafka) against a broker, for the interop tests.

Usage: kafka_python_client.py HOST:PORT < spec.json

The spec is {"steps": [{"id": ..., "op": ..., ...}, ...]}; the steps run in order and the
script prints one JSON object {"client": ..., "results": {id: {"ok": true, "result": ...} |
{"ok": false, "error": ...}}}. Bytes travel as hex strings (null for None), so keys, values and
header values can be compared byte for byte. A failing step does not stop the others.
"""
import json
import sys
import time
import traceback

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import KafkaError

CLIENT_ID = 'interop-kafka-python'


def unhex(s):
    return None if s is None else bytes.fromhex(s)


def tohex(b):
    return None if b is None else bytes(b).hex()


def jsonable(value):
    """Response structs (to_object()) hold bytes and tuples: make them JSON."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return tohex(value)
    return value


class Session:
    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self._admin = None

    def admin(self):
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=CLIENT_ID, request_timeout_ms=15000)
        return self._admin

    def close(self):
        if self._admin is not None:
            self._admin.close()

    # -------------------------------------------------------------- admin

    def op_api_version(self, step):
        return list(self.admin()._client.config['api_version'])

    def op_create_topics(self, step):
        topics = [NewTopic(t['name'], t.get('partitions', 1), t.get('replication', 1), topic_configs=t.get('configs', {})) for t in step['topics']]
        try:
            response = self.admin().create_topics(topics, timeout_ms=10000, validate_only=step.get('validate_only', False))
        except KafkaError as e:
            # kafka-python raises the first topic error; a step that expects one creates one topic.
            if len(topics) != 1 or getattr(e, 'errno', None) is None:
                raise
            return [{'topic': topics[0].name, 'error_code': e.errno, 'error_message': str(e)}]
        return [{'topic': e[0], 'error_code': e[1], 'error_message': e[2] if len(e) > 2 else None} for e in response.topic_errors]

    def op_list_topics(self, step):
        return sorted(self.admin().list_topics())

    def op_describe_topics(self, step):
        return jsonable(self.admin().describe_topics(step['topics']))

    def op_describe_cluster(self, step):
        return jsonable(self.admin().describe_cluster())

    def op_describe_configs(self, step):
        resources = [ConfigResource(ConfigResourceType.TOPIC, step['topic'], configs=step.get('names'))]
        responses = self.admin().describe_configs(resources, include_synonyms=step.get('synonyms', False))
        out = []
        for response in responses:
            for error_code, error_message, _type, name, entries in response.resources:
                configs = {}
                for entry in entries:
                    configs[entry[0]] = {'value': entry[1], 'read_only': entry[2], 'source_or_default': entry[3], 'sensitive': entry[4]}
                out.append({'name': name, 'error_code': error_code, 'error_message': error_message, 'configs': configs})
        return out

    def op_alter_configs(self, step):
        response = self.admin().alter_configs([ConfigResource(ConfigResourceType.TOPIC, step['topic'], configs=step['configs'])])
        return [{'error_code': r[0], 'error_message': r[1], 'name': r[3]} for r in response.resources]

    def op_create_partitions(self, step):
        response = self.admin().create_partitions({step['topic']: NewPartitions(step['total'])}, timeout_ms=10000)
        return [{'topic': r[0], 'error_code': r[1], 'error_message': r[2]} for r in response.topic_errors]

    def op_delete_topics(self, step):
        response = self.admin().delete_topics(step['topics'], timeout_ms=10000)
        return [{'topic': r[0], 'error_code': r[1]} for r in response.topic_error_codes]

    # -------------------------------------------------------------- produce

    def op_produce(self, step):
        codec = step.get('codec', 'none')
        acks = step.get('acks', 1)
        producer = KafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id=CLIENT_ID,
            acks='all' if acks == -1 else acks,
            compression_type=None if codec == 'none' else codec,
            linger_ms=step.get('linger_ms', 5),
            max_request_size=4 * 1024 * 1024,
            retries=0,
        )
        try:
            futures = []
            for r in step['records']:
                headers = [(k, unhex(v)) for k, v in r.get('headers', [])]
                futures.append(producer.send(step['topic'], key=unhex(r.get('key')), value=unhex(r.get('value')), headers=headers,
                                             partition=step.get('partition', 0), timestamp_ms=r.get('timestamp')))
            producer.flush(15)
            acked = []
            for f in futures:
                m = f.get(15)
                acked.append({'partition': m.partition, 'offset': m.offset, 'timestamp': m.timestamp})
            return acked
        finally:
            producer.close(5)

    # -------------------------------------------------------------- consume

    def consumer(self):
        return KafkaConsumer(bootstrap_servers=self.bootstrap, client_id=CLIENT_ID, group_id=None, enable_auto_commit=False,
                             auto_offset_reset='earliest', fetch_max_wait_ms=100, max_partition_fetch_bytes=4 * 1024 * 1024)

    def op_consume(self, step):
        """Each read: `count` records of a partition from a start: beginning, an offset, or a
        timestamp (looked up with offsets_for_times). One consumer serves all the reads."""
        consumer = self.consumer()
        try:
            return [self.read(consumer, step['topic'], read) for read in step['reads']]
        finally:
            consumer.close()

    def read(self, consumer, topic, read):
        tp = TopicPartition(topic, read['partition'])
        consumer.assign([tp])
        start = read['from']
        lookup = None
        if start == 'beginning':
            consumer.seek_to_beginning(tp)
        elif 'offset' in start:
            consumer.seek(tp, start['offset'])
        else:
            found = consumer.offsets_for_times({tp: start['timestamp']})[tp]
            if found is None:
                return {'lookup': None, 'records': []}
            lookup = {'offset': found.offset, 'timestamp': found.timestamp}
            consumer.seek(tp, found.offset)
        records = []
        deadline = time.time() + read.get('timeout_s', 15)
        while len(records) < read['count'] and time.time() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                for m in batch:
                    records.append({
                        'offset': m.offset, 'timestamp': m.timestamp, 'timestamp_type': m.timestamp_type,
                        'key': tohex(m.key), 'value': tohex(m.value),
                        'headers': [[k, tohex(v)] for k, v in (m.headers or [])],
                    })
        return {'lookup': lookup, 'records': records}

    def op_offsets(self, step):
        consumer = self.consumer()
        try:
            tps = [TopicPartition(step['topic'], p) for p in range(step['partitions'])]
            begin = consumer.beginning_offsets(tps)
            end = consumer.end_offsets(tps)
            return [{'partition': tp.partition, 'beginning': begin[tp], 'end': end[tp]} for tp in tps]
        finally:
            consumer.close()


def main():
    bootstrap = sys.argv[1]
    spec = json.load(sys.stdin)
    session = Session(bootstrap)
    results = {}
    try:
        for step in spec['steps']:
            started = time.time()
            try:
                result = getattr(session, 'op_' + step['op'])(step)
                results[step['id']] = {'ok': True, 'result': result, 'ms': round((time.time() - started) * 1000)}
            except Exception as e:  # reported, not fatal: the other steps still run
                results[step['id']] = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e), 'trace': traceback.format_exc(),
                                       'ms': round((time.time() - started) * 1000)}
    finally:
        session.close()
    json.dump({'client': 'kafka-python ' + kafka.__version__, 'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
