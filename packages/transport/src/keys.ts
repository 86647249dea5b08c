/**
 * Redis key layout. Every key sits under a configurable prefix and carries a hash tag,
 * so each command touches one slot on Redis Cluster:
 *
 *   <prefix>:{rpc:<service>}            one request stream per service
 *   <prefix>:{evt:<domain>}:<event>     work event streams, one tag per event domain
 *   <prefix>:{bcast:<domain>}:<event>   broadcast event streams, one tag per event domain
 *   <prefix>:{reply:<clientId>}         one reply stream per client
 *
 * A blocking XREAD/XREADGROUP may name several streams only if they share a slot, so a
 * server runs one blocking reader per stream family (a family = one hash tag): one for
 * its request stream and one per event domain it subscribes to. Events of one domain
 * (`job.*`, `chunk.*`, `auth.*`) share a slot; different domains spread over the cluster.
 * The number of blocking connections is therefore bounded by the number of domains,
 * never by the number of patterns served.
 */

const FORBIDDEN = /[{}\s]/;

function checkPart(kind: string, value: string): string {
  if (value.length === 0 || FORBIDDEN.test(value)) {
    throw new Error(`invalid ${kind} for a transport key: ${JSON.stringify(value)}`);
  }
  return value;
}

/** The domain of an event name: the text before its first dot (`job.created` -> `job`). */
export function eventDomain(event: string): string {
  const dot = event.indexOf('.');
  return dot > 0 ? event.slice(0, dot) : event;
}

export interface StreamFamily {
  /** Hash tag shared by every stream of the family (the braces included). */
  tag: string;
  keys: string[];
}

export class StreamKeys {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = checkPart('prefix', prefix);
  }

  rpc(service: string): string {
    return `${this.prefix}:{rpc:${checkPart('service', service)}}`;
  }

  workEvent(event: string): string {
    return `${this.prefix}:{evt:${checkPart('event', eventDomain(event))}}:${event}`;
  }

  broadcastEvent(event: string): string {
    return `${this.prefix}:{bcast:${checkPart('event', eventDomain(event))}}:${event}`;
  }

  reply(clientId: string): string {
    return `${this.prefix}:{reply:${checkPart('client id', clientId)}}`;
  }

  isReplyKey(key: string): boolean {
    return key.startsWith(`${this.prefix}:{reply:`) && key.endsWith('}') && !/\s/.test(key);
  }
}

/** The hash tag of a key: the text between its first `{` and the next `}`. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  if (open < 0 || close < 0) return key;
  return key.slice(open, close + 1);
}

/** Groups keys by hash tag, keeping first-seen order: one family per blocking reader. */
export function groupByTag(keys: Iterable<string>): StreamFamily[] {
  const families = new Map<string, string[]>();
  for (const key of keys) {
    const tag = hashTag(key);
    const list = families.get(tag);
    if (list) {
      if (!list.includes(key)) list.push(key);
    } else {
      families.set(tag, [key]);
    }
  }
  return [...families].map(([tag, list]) => ({ tag, keys: list }));
}
