import { isIP } from 'node:net';

/**
 * Ranges a webhook may never reach unless its host is allowlisted: where a server's own
 * services, its network neighbours and cloud metadata endpoints live.
 */
const IPV4_FORBIDDEN: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function ipv4Reason(address: string): string | undefined {
  const value = ipv4ToInt(address);
  for (const [base, bits, reason] of IPV4_FORBIDDEN) {
    const size = 2 ** (32 - bits);
    const start = ipv4ToInt(base);
    if (value >= start && value < start + size) return reason;
  }
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, embedded IPv4 expanded). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToInt(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':').filter((g) => g !== '') : [];
  const tailGroups = tail ? tail.split(':').filter((g) => g !== '') : [];
  const fill = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(fill).fill('0'), ...tailGroups].map((g) =>
    parseInt(g, 16),
  );
}

function embeddedIpv4(groups: number[]): string {
  const hi = groups[6]!;
  const lo = groups[7]!;
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

function ipv6Reason(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (g.length !== 8 || g.some((x) => Number.isNaN(x))) return 'not a valid address';
  const zeroPrefix = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroPrefix(8)) return 'unspecified';
  if (zeroPrefix(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the IPv4 host.
  if (zeroPrefix(5) && g[5] === 0xffff)
    return ipv4Reason(embeddedIpv4(g)) && `IPv4-mapped ${ipv4Reason(embeddedIpv4(g))}`;
  if (zeroPrefix(6))
    return ipv4Reason(embeddedIpv4(g)) && `IPv4-compatible ${ipv4Reason(embeddedIpv4(g))}`;
  // NAT64 (64:ff9b::/96) translates to the embedded IPv4 address.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    const reason = ipv4Reason(embeddedIpv4(g));
    return reason && `NAT64 ${reason}`;
  }
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0]! & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g[0]! & 0xffc0) === 0xfec0) return 'site-local';
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}

/**
 * Why a webhook must not connect to `address`, or undefined when it may. `address` is an
 * IP literal (IPv4, or IPv6 with or without brackets); anything else is refused.
 */
export function forbiddenAddressReason(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return ipv4Reason(bare);
  if (family === 6) return ipv6Reason(bare);
  return 'not an IP address';
}

/** One `WEBHOOK_ALLOWED_HOSTS` entry: `host`, `*.suffix`, `[ipv6]`, each optionally with `:port`. */
export function parseAllowedHost(entry: string): { host: string; port?: number } | undefined {
  const text = entry.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed)
    return bracketed[2]
      ? { host: bracketed[1]!, port: Number(bracketed[2]) }
      : { host: bracketed[1]! };
  const withPort = /^((?:\*\.)?[a-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (withPort) return { host: withPort[1]!, port: Number(withPort[2]) };
  return /^(?:\*\.)?[a-z0-9.-]+$/.test(text) ? { host: text } : undefined;
}

/**
 * Whether `WEBHOOK_ALLOWED_HOSTS` lets a webhook reach `hostname:port` even where it
 * resolves to a forbidden address. The match is on the URL's host as written, so an
 * allowlisted name does not allow the addresses it happens to resolve to under another name.
 */
export function isAllowlisted(
  hostname: string,
  port: number,
  allowedHosts: readonly string[],
): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  for (const raw of allowedHosts) {
    const entry = parseAllowedHost(raw);
    if (!entry || (entry.port !== undefined && entry.port !== port)) continue;
    if (entry.host.startsWith('*.') ? host.endsWith(entry.host.slice(1)) : host === entry.host)
      return true;
  }
  return false;
}
