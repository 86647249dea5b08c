import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { DocatError } from '@docat/contracts';
import { forbiddenAddressReason, isAllowlisted } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a name to all its addresses (`dns.lookup` by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });

export interface SsrfGuardOptions {
  allowedHosts: readonly string[];
  resolver?: Resolver;
}

export interface CheckedTarget {
  url: URL;
  port: number;
  allowlisted: boolean;
}

function refuse(detail: string): DocatError {
  return new DocatError('WEBHOOK_URL_FORBIDDEN', detail);
}

/**
 * Checks a webhook URL before it is accepted or called: http(s) only, no credentials,
 * and, unless its host is allowlisted, every address the host resolves to must be
 * public. Throws WEBHOOK_URL_FORBIDDEN. The same rule is applied again when the
 * connection is made (`guardedLookup`), since a name may resolve differently later.
 */
export async function checkWebhookUrl(
  raw: string | URL,
  opts: SsrfGuardOptions,
): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refuse('only http and https URLs are allowed');
  if (url.username || url.password) throw refuse('credentials in the URL are not allowed');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isAllowlisted(host, port, opts.allowedHosts)) return { url, port, allowlisted: true };
  if (isIP(host)) {
    const reason = forbiddenAddressReason(host);
    if (reason) throw refuse(`${host} is a ${reason} address`);
    return { url, port, allowlisted: false };
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await (opts.resolver ?? systemResolver)(host);
  } catch {
    throw refuse(`${host} does not resolve`);
  }
  if (addresses.length === 0) throw refuse(`${host} does not resolve`);
  for (const { address } of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason) throw refuse(`${host} resolves to ${address}, a ${reason} address`);
  }
  return { url, port, allowlisted: false };
}

/**
 * A `lookup` for http(s) agents and sockets: the address a connection is made to is the
 * one checked here, so a name re-resolving to a forbidden address between the check and
 * the connect (DNS rebinding) is refused, never reached. Allowlisted hosts pass.
 */
export function guardedLookup(port: number, opts: SsrfGuardOptions): LookupFunction {
  const resolver = opts.resolver ?? systemResolver;
  return (hostname, options, callback) => {
    const fail = (err: Error) => callback(err as NodeJS.ErrnoException, '', 0);
    resolver(hostname).then(
      (found) => {
        const allowlisted = isAllowlisted(hostname, port, opts.allowedHosts);
        const family = typeof options === 'object' && options ? options.family : undefined;
        const candidates = found.filter((a) => !family || a.family === family || family === 0);
        if (candidates.length === 0) return fail(refuse(`${hostname} does not resolve`));
        if (!allowlisted) {
          for (const { address } of candidates) {
            const reason = forbiddenAddressReason(address);
            if (reason)
              return fail(refuse(`${hostname} resolves to ${address}, a ${reason} address`));
          }
        }
        if (typeof options === 'object' && options?.all) {
          (callback as unknown as (err: null, addresses: ResolvedAddress[]) => void)(
            null,
            candidates,
          );
        } else {
          callback(null, candidates[0]!.address, candidates[0]!.family);
        }
      },
      () => fail(refuse(`${hostname} does not resolve`)),
    );
  };
}
