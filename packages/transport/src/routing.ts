import { BROADCAST_EVENTS, RPC, rpcOwner, type RpcPattern } from '@docat/contracts';

const KNOWN_RPC: ReadonlySet<string> = new Set<string>(Object.values(RPC));

/**
 * The service that answers a pattern: the contracts owner for a known RPC pattern,
 * otherwise the text before the first dot (`test.echo` -> `test`).
 */
export function defaultResolveService(pattern: string): string {
  if (KNOWN_RPC.has(pattern)) return rpcOwner(pattern as RpcPattern);
  const dot = pattern.indexOf('.');
  return dot > 0 ? pattern.slice(0, dot) : pattern;
}

export const DEFAULT_BROADCAST_EVENTS: ReadonlySet<string> = new Set<string>(BROADCAST_EVENTS);

/** Settings shared by clients and servers that must agree on where a message goes. */
export interface RoutingOptions {
  /** Events delivered to every replica; every other event is a work event. */
  broadcastEvents?: Iterable<string>;
}

export function broadcastSet(options: RoutingOptions): ReadonlySet<string> {
  return options.broadcastEvents ? new Set(options.broadcastEvents) : DEFAULT_BROADCAST_EVENTS;
}
