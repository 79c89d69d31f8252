/** Kafka's topic name rules (Topic.validate): legal characters, length, no "." or "..". */
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Null when valid, otherwise Kafka's reason. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/** Internal topics clients must not create or delete directly. */
export const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

export const METADATA_TOPIC = '__cluster_metadata';
