/**
 * Our consumer and kcat -G (librdkafka 2.0's balanced consumer) as members of one group on our
 * broker, each in turn as the leader: the coordinator picks range (first in both lists), the
 * leader decodes the other's subscription and the other decodes the leader's assignment; the
 * partitions are split two and two, both read, and when one member leaves the other takes over.
 * Skipped, loudly, without kcat.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKcat, killChildren, skipUnless, startChild, type LiveChild } from '../support/interop.js';
import { startClientTestBroker, uniqueTopic, type ClientTestBroker } from '../support/client.js';
import { Member, closeAll, missing, produceNumbered, waitFor } from '../support/groups.js';

const SESSION = { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 300 } as const;

/** kcat -G's view: its last "assigned"/"revoked" line, and what it printed ("p o value"). */
function kcatAssigned(live: LiveChild, topic: string): string[] {
  const last = live.stderr.flatMap((l) => {
    const m = /^% Group \S+ rebalanced \(memberid \S+\): (assigned|revoked): (.*)$/.exec(l);
    return m ? [{ kind: m[1]!, partitions: [...m[2]!.matchAll(/\[(\d+)\]/g)].map((p) => `${topic}-${p[1]}`) }] : [];
  }).at(-1);
  return last?.kind === 'assigned' ? last.partitions.sort() : [];
}

function kcatValues(live: LiveChild): string[] {
  return live.stdout.map((l) => l.split(' ')[2]!).filter((v) => v !== undefined);
}

function startKcat(group: string, address: string, topic: string): LiveChild {
  return startChild('kcat', [
    '-G', group, '-b', address, '-u', '-f', '%p %o %s\\n',
    '-X', `session.timeout.ms=${SESSION['session.timeout.ms']}`, '-X', `heartbeat.interval.ms=${SESSION['heartbeat.interval.ms']}`,
    '-X', 'auto.offset.reset=earliest', '-X', 'auto.commit.interval.ms=100', '-X', 'fetch.wait.max.ms=50',
    topic,
  ]);
}

describe('our consumer and kcat -G in one group', skipUnless(hasKcat(), 'kcat not installed: apt-get install kcat'), () => {
  let tb: ClientTestBroker;
  before(async () => {
    tb = await startClientTestBroker('groups-kcat');
  });
  afterEach(async () => {
    killChildren();
    await closeAll();
  });
  after(async () => {
    killChildren();
    await tb?.stop();
  });

  for (const leader of ['ours', 'kcat'] as const) {
    test(`${leader === 'ours' ? 'our member' : 'kcat'} leads: range splits the partitions, both read, the one staying takes over`, async () => {
      const topic = uniqueTopic(`mixed-${leader}`);
      const admin = tb.kafka.admin();
      await admin.createTopics([{ topic, numPartitions: 4 }]);
      await admin.close();
      const group = `${topic}-g`;
      const before = await produceNumbered(tb.kafka, topic, 4, 'x', 20);
      const all = [`${topic}-0`, `${topic}-1`, `${topic}-2`, `${topic}-3`];
      let kcat: LiveChild | null = null;
      const ours = (): Member => new Member('ours', tb.kafka.consumer({ ...SESSION, 'group.id': group, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 50, 'auto.commit.interval.ms': 100 })).start([topic]);
      let member: Member;
      if (leader === 'ours') {
        member = ours();
        await waitFor('our member owns all four', () => member.assigned().length === 4);
        kcat = startKcat(group, tb.address, topic);
      } else {
        kcat = startKcat(group, tb.address, topic);
        await waitFor('kcat owns all four', () => kcatAssigned(kcat!, topic).length === 4);
        member = ours();
      }
      await waitFor('two and two', () => member.assigned().length === 2 && kcatAssigned(kcat!, topic).length === 2, 20_000);
      assert.deepEqual([...member.assigned(), ...kcatAssigned(kcat, topic)].sort(), all);
      const during = await produceNumbered(tb.kafka, topic, 4, 'y', 20);
      await waitFor('every record read by one of them', () => missing([...before, ...during], [...member.values(), ...kcatValues(kcat!)]).length === 0);
      if (leader === 'ours') {
        // kcat leaves (SIGTERM: commit, LeaveGroup); ours takes everything.
        kcat.child.kill('SIGTERM');
        await kcat.exited;
        await waitFor('our member owns all four again', () => member.assigned().length === 4);
        await member.close();
      } else {
        await member.close();
        await waitFor('kcat owns all four again', () => kcatAssigned(kcat!, topic).length === 4);
        kcat.child.kill('SIGTERM');
        await kcat.exited;
      }
      assert.deepEqual(member.errors, []);
    });
  }
});
