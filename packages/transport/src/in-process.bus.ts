import type { Envelope } from '@docat/contracts';
import { broadcastSet, type RoutingOptions } from './routing.js';
import type { ReplyPayload } from './wire.js';

/** What the bus needs from a server attached to it. */
export interface InProcessEndpoint {
  readonly service: string;
  deliverRequest(envelope: Envelope, deadline: number): Promise<ReplyPayload>;
  deliverEvent(envelope: Envelope): void;
}

interface QueuedRequest {
  envelope: Envelope;
  deadline: number;
  resolve: (payload: ReplyPayload) => void;
}

interface ServiceReplicas {
  replicas: InProcessEndpoint[];
  next: number;
}

interface RpcService extends ServiceReplicas {
  queue: QueuedRequest[];
}

interface EventGroup extends ServiceReplicas {
  /** Events that arrived while no replica of the subscribing service was attached. */
  backlog: Envelope[];
}

function pick(group: ServiceReplicas): InProcessEndpoint | undefined {
  if (group.replicas.length === 0) return undefined;
  const endpoint = group.replicas[group.next % group.replicas.length];
  group.next = (group.next + 1) % group.replicas.length;
  return endpoint;
}

/**
 * The in-process message bus of standalone mode (one per process), with the semantics of
 * the Redis Streams transport: a request reaches exactly one replica of its service and
 * waits for one to attach (until its deadline); a work event reaches each subscribing
 * service once, kept for a service that subscribed before but has no replica attached
 * right now, as a consumer group would; a broadcast event reaches every attached replica.
 */
export class InProcessBus {
  readonly name: string;
  readonly broadcast: ReadonlySet<string>;
  private readonly rpc = new Map<string, RpcService>();
  /** event -> subscribing service -> its replicas */
  private readonly work = new Map<string, Map<string, EventGroup>>();
  private readonly broadcastSubscribers = new Map<string, Set<InProcessEndpoint>>();

  constructor(options: RoutingOptions & { name?: string } = {}) {
    this.name = options.name ?? 'in-process';
    this.broadcast = broadcastSet(options);
  }

  attach(
    endpoint: InProcessEndpoint,
    patterns: { rpc: string[]; work: string[]; broadcast: string[] },
  ): void {
    if (patterns.rpc.length > 0) {
      const service = this.rpcService(endpoint.service);
      service.replicas.push(endpoint);
      const queued = service.queue.splice(0);
      for (const request of queued) this.route(service, request);
    }
    for (const event of patterns.work) {
      const group = this.eventGroup(event, endpoint.service);
      group.replicas.push(endpoint);
      for (const envelope of group.backlog.splice(0)) this.deliverWork(group, envelope);
    }
    for (const event of patterns.broadcast) {
      let subscribers = this.broadcastSubscribers.get(event);
      if (!subscribers) {
        subscribers = new Set();
        this.broadcastSubscribers.set(event, subscribers);
      }
      subscribers.add(endpoint);
    }
  }

  detach(endpoint: InProcessEndpoint): void {
    const remove = (group: ServiceReplicas): void => {
      group.replicas = group.replicas.filter((replica) => replica !== endpoint);
    };
    const service = this.rpc.get(endpoint.service);
    if (service) remove(service);
    for (const groups of this.work.values()) {
      const group = groups.get(endpoint.service);
      if (group) remove(group);
    }
    for (const subscribers of this.broadcastSubscribers.values()) subscribers.delete(endpoint);
  }

  /** Resolves with the reply, or never when the deadline passes first (the client times out). */
  request(service: string, envelope: Envelope, deadline: number): Promise<ReplyPayload> {
    return new Promise((resolve) =>
      this.route(this.rpcService(service), { envelope, deadline, resolve }),
    );
  }

  /** Forgets a queued request whose caller gave up. */
  cancel(service: string, envelopeId: string): void {
    const entry = this.rpc.get(service);
    if (entry) entry.queue = entry.queue.filter((request) => request.envelope.id !== envelopeId);
  }

  publish(envelope: Envelope): void {
    if (this.broadcast.has(envelope.type)) {
      for (const endpoint of this.broadcastSubscribers.get(envelope.type) ?? []) {
        queueMicrotask(() => endpoint.deliverEvent(envelope));
      }
      return;
    }
    for (const group of this.work.get(envelope.type)?.values() ?? [])
      this.deliverWork(group, envelope);
  }

  private route(service: RpcService, request: QueuedRequest): void {
    if (Date.now() >= request.deadline) return;
    const endpoint = pick(service);
    if (!endpoint) {
      service.queue.push(request);
      return;
    }
    queueMicrotask(() => {
      endpoint
        .deliverRequest(request.envelope, request.deadline)
        .then(request.resolve, () => undefined);
    });
  }

  private deliverWork(group: EventGroup, envelope: Envelope): void {
    const endpoint = pick(group);
    if (!endpoint) {
      group.backlog.push(envelope);
      return;
    }
    queueMicrotask(() => endpoint.deliverEvent(envelope));
  }

  private rpcService(name: string): RpcService {
    let service = this.rpc.get(name);
    if (!service) {
      service = { replicas: [], next: 0, queue: [] };
      this.rpc.set(name, service);
    }
    return service;
  }

  private eventGroup(event: string, service: string): EventGroup {
    let groups = this.work.get(event);
    if (!groups) {
      groups = new Map();
      this.work.set(event, groups);
    }
    let group = groups.get(service);
    if (!group) {
      group = { replicas: [], next: 0, backlog: [] };
      groups.set(service, group);
    }
    return group;
  }
}
