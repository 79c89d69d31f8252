# kafka-python scenario driver for the golden-bytes capture (run with Debian's /usr/bin/python3).
#   python3 kafka_python.py <bootstrap> <scenario> <facts-json>
# Admin scenarios hit APIs the mock lacks; the capture proxy records the request and closes the
# connection, so an error there is expected and not a failure of the scenario.
import json
import logging
import signal
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

bootstrap, scenario, facts_json = sys.argv[1:4]
facts = json.loads(facts_json)
logging.basicConfig(level=logging.WARNING)
signal.alarm(30)  # watchdog


def produce():
    codec = facts['compression']
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks='all',
        compression_type=None if codec == 'none' else codec,
        linger_ms=20,
        request_timeout_ms=5000,
    )
    headers = [(k, v.encode()) for k, v in facts['headers']]
    for r in facts['records']:
        producer.send(facts['topic'], key=r['key'].encode(), value=r['value'].encode(), headers=headers)
    producer.flush(10)
    producer.close(5)


def consume_assigned():
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset='earliest',
        fetch_max_wait_ms=100,
        consumer_timeout_ms=3000,
    )
    tp = TopicPartition(facts['topic'], facts['partition'])
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    n = sum(1 for _ in consumer)
    print('consumed', n)
    consumer.close()


def consume_group():
    consumer = KafkaConsumer(
        facts['topic'],
        bootstrap_servers=bootstrap,
        group_id=facts['groupId'],
        auto_offset_reset='earliest',
        enable_auto_commit=True,
        auto_commit_interval_ms=500,
        heartbeat_interval_ms=500,
        session_timeout_ms=6000,
        fetch_max_wait_ms=100,
    )
    n = 0
    deadline = time.time() + 6
    while time.time() < deadline:
        for records in consumer.poll(timeout_ms=200).values():
            n += len(records)
    print('consumed', n)
    consumer.close()  # commits, then LeaveGroup


def admin(fn):
    client = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        print(fn(client))
    except Exception as e:  # noqa: BLE001 - the mock lacks these APIs
        print('expected error from a broker without this API: %s: %s' % (type(e).__name__, e))
    finally:
        try:
            client.close()
        except Exception:  # noqa: BLE001
            pass


def main():
    if scenario == 'metadata':
        consumer = KafkaConsumer(bootstrap_servers=bootstrap)
        print(consumer.partitions_for_topic(facts['topic']))
        consumer.close()
    elif scenario.startswith('produce-'):
        produce()
    elif scenario == 'consume':
        consume_assigned()
    elif scenario == 'consume-group':
        consume_group()
    elif scenario == 'admin-create-topics':
        t = facts['createTopic']
        admin(lambda a: a.create_topics(
            [NewTopic(t['name'], t['partitions'], t['replicationFactor'], topic_configs=t['configs'])], timeout_ms=3000))
    elif scenario == 'admin-create-partitions':
        admin(lambda a: a.create_partitions({facts['topic']: NewPartitions(facts['totalCount'])}, timeout_ms=3000))
    elif scenario == 'admin-delete-topics':
        admin(lambda a: a.delete_topics(facts['deleteTopics'], timeout_ms=3000))
    elif scenario == 'admin-describe-configs':
        admin(lambda a: a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, facts['resourceName'])]))
    elif scenario == 'admin-alter-configs':
        admin(lambda a: a.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, facts['resourceName'], configs=facts['configs'])]))
    elif scenario == 'admin-list-groups':
        admin(lambda a: a.list_consumer_groups())
    elif scenario == 'admin-describe-groups':
        admin(lambda a: a.describe_consumer_groups(facts['groupIds']))
    elif scenario == 'admin-list-group-offsets':
        admin(lambda a: a.list_consumer_group_offsets(facts['groupId']))
    elif scenario == 'admin-delete-groups':
        admin(lambda a: a.delete_consumer_groups(facts['groupIds']))
    else:
        raise SystemExit('unknown scenario ' + scenario)


main()
