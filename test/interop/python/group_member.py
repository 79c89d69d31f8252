#!/usr/bin/python3
"""One member of a consumer group, for the interop tests: confluent-kafka-python (1.7,
librdkafka inside) or kafka-python (2.0.2), run with /usr/bin/python3.

Usage: group_member.py HOST:PORT '<spec json>'

The spec: {"client": "confluent" | "kafka-python", "name": client id, "group": ..., "topics":
[...], "config": {client settings, in the client's own spelling}}. The member subscribes, then
polls until its stdin closes; then it closes the consumer (which leaves the group) and exits 0.
Every poll's records are committed synchronously before the next poll (and, in the revoke
callback, before partitions go), so a partition's next owner starts exactly where this member
stopped.

It reports what happens as JSON lines on stdout, each flushed at once:
  {"event": "assigned" | "revoked" | "lost", "partitions": [[topic, partition], ...]}
      the client's rebalance callbacks; with cooperative-sticky these are the increments
  {"event": "records", "records": [[topic, partition, offset, value as text], ...]}
  {"event": "committed", "offsets": [[topic, partition, offset], ...]}
  {"event": "error", "message": ...}
  {"event": "closed"}
"""
import json
import sys
import threading
import time
import traceback

POLL_S = 0.05


def emit(event, **fields):
    fields['event'] = event
    fields['ms'] = int(time.time() * 1000)
    sys.stdout.write(json.dumps(fields) + '\n')
    sys.stdout.flush()


def text(b):
    return None if b is None else bytes(b).decode('utf-8', 'replace')


def stdin_closed():
    """An event set when stdin reaches end of file: the test's way of saying "leave"."""
    closed = threading.Event()

    def wait():
        sys.stdin.read()
        closed.set()

    threading.Thread(target=wait, daemon=True).start()
    return closed


class ConfluentMember:
    def __init__(self, bootstrap, spec):
        from confluent_kafka import Consumer
        config = {'bootstrap.servers': bootstrap, 'group.id': spec['group'], 'client.id': spec['name'],
                  'enable.auto.commit': False, 'auto.offset.reset': 'earliest', 'fetch.wait.max.ms': 50}
        config.update(spec.get('config', {}))
        self.consumer = Consumer(config)
        self.consumer.subscribe(spec['topics'], on_assign=self.on_assign, on_revoke=self.on_revoke, on_lost=self.on_lost)

    # The client assigns (incrementally, under cooperative-sticky) after these return.
    def on_assign(self, consumer, partitions):
        emit('assigned', partitions=[[p.topic, p.partition] for p in partitions])

    def on_revoke(self, consumer, partitions):
        self.commit()
        emit('revoked', partitions=[[p.topic, p.partition] for p in partitions])

    def on_lost(self, consumer, partitions):
        emit('lost', partitions=[[p.topic, p.partition] for p in partitions])

    def poll(self):
        records = []
        for m in self.consumer.consume(num_messages=500, timeout=POLL_S):
            if m.error() is not None:
                emit('error', message=m.error().str())
                continue
            records.append([m.topic(), m.partition(), m.offset(), text(m.value())])
        if records:
            emit('records', records=records)
            self.commit()

    def commit(self):
        try:
            done = self.consumer.commit(asynchronous=False)
        except Exception as e:  # _NO_OFFSET: nothing consumed since the last commit
            if 'NO_OFFSET' not in str(e):
                emit('error', message='commit: %s' % e)
            return
        # Partitions with nothing consumed come back with an invalid offset (-1001): not committed.
        emit('committed', offsets=[[p.topic, p.partition, p.offset] for p in done or [] if p.offset >= 0])

    def close(self):
        self.consumer.close()


class KafkaPythonMember:
    def __init__(self, bootstrap, spec):
        from kafka import ConsumerRebalanceListener, KafkaConsumer
        member = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                member.commit()
                emit('revoked', partitions=[[p.topic, p.partition] for p in revoked])

            def on_partitions_assigned(self, assigned):
                emit('assigned', partitions=[[p.topic, p.partition] for p in assigned])

        config = {'bootstrap_servers': bootstrap, 'group_id': spec['group'], 'client_id': spec['name'],
                  'enable_auto_commit': False, 'auto_offset_reset': 'earliest', 'fetch_max_wait_ms': 50}
        config.update(spec.get('config', {}))
        self.consumer = KafkaConsumer(**config)
        self.consumer.subscribe(spec['topics'], listener=Listener())
        self.pending = {}

    def poll(self):
        batches = self.consumer.poll(timeout_ms=int(POLL_S * 1000))
        records = [[m.topic, m.partition, m.offset, text(m.value)] for ms in batches.values() for m in ms]
        if records:
            emit('records', records=records)
            for tp, ms in batches.items():
                self.pending[tp] = ms[-1].offset + 1
            self.commit()

    def commit(self):
        """Commits the next offset of every partition this member read from since its last commit."""
        if not self.pending:
            return
        from kafka import OffsetAndMetadata
        self.consumer.commit({tp: OffsetAndMetadata(o, '') for tp, o in self.pending.items()})
        emit('committed', offsets=[[tp.topic, tp.partition, o] for tp, o in self.pending.items()])
        self.pending = {}

    def close(self):
        self.consumer.close()


def main():
    bootstrap = sys.argv[1]
    spec = json.loads(sys.argv[2])
    closed = stdin_closed()
    member = (ConfluentMember if spec['client'] == 'confluent' else KafkaPythonMember)(bootstrap, spec)
    while not closed.is_set():
        try:
            member.poll()
        except Exception as e:
            emit('error', message='%s: %s' % (type(e).__name__, e), trace=traceback.format_exc())
            time.sleep(POLL_S)
    member.close()
    emit('closed')


if __name__ == '__main__':
    main()
