# confluent-kafka-python scenario driver for the golden-bytes capture (run with Debian's
# /usr/bin/python3; confluent-kafka 1.7.0 over the system librdkafka).
#   python3 confluent_kafka_driver.py <bootstrap> <scenario> <facts-json>
# Admin scenarios hit APIs the mock lacks; the capture proxy records the request and closes the
# connection, so an error there is expected and not a failure of the scenario.
import json
import signal
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

bootstrap, scenario, facts_json = sys.argv[1:4]
facts = json.loads(facts_json)
signal.alarm(30)  # watchdog

BASE = {'bootstrap.servers': bootstrap, 'socket.timeout.ms': 5000}


def send_records(producer):
    headers = [(k, v.encode()) for k, v in facts['headers']]
    for r in facts['records']:
        producer.produce(facts['topic'], key=r['key'].encode(), value=r['value'].encode(), headers=headers)


def produce(extra):
    producer = Producer({**BASE, 'acks': 'all', 'linger.ms': 200, 'compression.type': facts['compression'], **extra})
    send_records(producer)
    left = producer.flush(10)
    if left:
        raise SystemExit('%d records not delivered' % left)


def produce_transactional():
    producer = Producer({**BASE, 'transactional.id': facts['transactionalId'], 'linger.ms': 200})
    producer.init_transactions(10)
    producer.begin_transaction()
    send_records(producer)
    so = facts.get('sendOffsets')
    if so:
        helper = Consumer({**BASE, 'group.id': so['groupId'], 'enable.auto.commit': False})
        producer.send_offsets_to_transaction(
            [TopicPartition(facts['topic'], so['partition'], so['offset'])], helper.consumer_group_metadata(), 10)
        helper.close()
    producer.commit_transaction(10)


def consume_assigned():
    consumer = Consumer({
        **BASE,
        'group.id': 'golden-assign-confluent-kafka-python',
        'enable.auto.commit': False,
        'enable.partition.eof': True,
        'fetch.wait.max.ms': 100,
    })
    consumer.assign([TopicPartition(facts['topic'], facts['partition'], OFFSET_BEGINNING)])
    n = 0
    deadline = time.time() + 8
    while time.time() < deadline:
        m = consumer.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                break
            continue
        n += 1
    print('consumed', n)
    consumer.close()


def consume_group():
    consumer = Consumer({
        **BASE,
        'group.id': facts['groupId'],
        'auto.offset.reset': 'earliest',
        'heartbeat.interval.ms': 1000,
        'session.timeout.ms': 6000,
        'auto.commit.interval.ms': 1000,
        'fetch.wait.max.ms': 100,
    })
    consumer.subscribe([facts['topic']])
    n = 0
    deadline = time.time() + 8
    while time.time() < deadline:
        m = consumer.poll(0.2)
        if m is not None and not m.error():
            n += 1
    print('consumed', n)
    consumer.close()  # commits, then LeaveGroup


def admin(fn):
    client = AdminClient(BASE)
    try:
        result = fn(client)
        if isinstance(result, dict):
            for k, f in result.items():
                try:
                    print(k, f.result(timeout=10))
                except Exception as e:  # noqa: BLE001 - the mock lacks these APIs
                    print('expected error from a broker without this API: %s: %s' % (k, e))
        else:
            print(result)
    except Exception as e:  # noqa: BLE001
        print('expected error from a broker without this API: %s: %s' % (type(e).__name__, e))


def main():
    if scenario == 'metadata':
        md = AdminClient(BASE).list_topics(topic=facts['topic'], timeout=5)
        print(md.topics)
    elif scenario == 'produce-idempotent':
        produce({'enable.idempotence': True})
    elif scenario == 'produce-transactional':
        produce_transactional()
    elif scenario.startswith('produce-'):
        produce({})
    elif scenario == 'consume':
        consume_assigned()
    elif scenario == 'consume-group':
        consume_group()
    elif scenario == 'admin-create-topics':
        t = facts['createTopic']
        admin(lambda a: a.create_topics(
            [NewTopic(t['name'], num_partitions=t['partitions'], replication_factor=t['replicationFactor'], config=t['configs'])],
            operation_timeout=3, request_timeout=5))
    elif scenario == 'admin-create-partitions':
        admin(lambda a: a.create_partitions([NewPartitions(facts['topic'], facts['totalCount'])], request_timeout=5))
    elif scenario == 'admin-delete-topics':
        admin(lambda a: a.delete_topics(facts['deleteTopics'], operation_timeout=3, request_timeout=5))
    elif scenario == 'admin-describe-configs':
        admin(lambda a: a.describe_configs([ConfigResource('topic', facts['resourceName'])], request_timeout=5))
    elif scenario == 'admin-alter-configs':
        admin(lambda a: a.alter_configs(
            [ConfigResource('topic', facts['resourceName'], set_config=facts['configs'])], request_timeout=5))
    elif scenario == 'admin-list-groups':
        admin(lambda a: a.list_groups(timeout=5))
    elif scenario == 'admin-describe-groups':
        admin(lambda a: a.list_groups(group=facts['groupIds'][0], timeout=5))
    else:
        raise SystemExit('unknown scenario ' + scenario)


main()
