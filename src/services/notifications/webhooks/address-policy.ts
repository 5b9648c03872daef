import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may not be delivered: loopback, private, link-local (the
 * cloud metadata service at 169.254.169.254), carrier-grade NAT,
 * multicast, reserved and the IPv6 equivalents, including IPv4 written
 * inside IPv6 (::ffff:10.0.0.1, 64:ff9b::/96). WEBHOOK_ALLOW_PRIVATE (a
 * CIDR list) makes exceptions, e.g. 127.0.0.1/32 for tests.
 */
const refused = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) refused.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64]] as const) refused.addSubnet(net, bits, 'ipv6');

export class AddressPolicy {
  private readonly allowed = new BlockList();
  private readonly hasAllowed: boolean;

  /** `allowPrivate`: comma-separated CIDRs (`127.0.0.1/32,10.1.0.0/16`) delivered to even though refused by default. */
  constructor(allowPrivate: string | undefined) {
    const cidrs = (allowPrivate ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    for (const cidr of cidrs) {
      const [net, bits] = cidr.split('/');
      const family = isIP(net ?? '');
      if (!family || bits === undefined || !/^\d{1,3}$/.test(bits)) throw new Error(`WEBHOOK_ALLOW_PRIVATE: ${cidr} is not a CIDR (address/bits)`);
      this.allowed.addSubnet(net!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
    }
    this.hasAllowed = cidrs.length > 0;
  }

  /** Null when the address may be connected to; otherwise why not. */
  refusal(address: string): string | null {
    const family = isIP(address);
    if (!family) return 'not an IP address';
    const v4 = family === 6 ? embeddedIPv4(address) : address;
    if (v4) {
      if (this.hasAllowed && this.allowed.check(v4, 'ipv4')) return null;
      return refused.check(v4, 'ipv4') ? `${address} is a private, loopback, link-local or reserved address` : null;
    }
    if (this.hasAllowed && this.allowed.check(address, 'ipv6')) return null;
    return refused.check(address, 'ipv6') ? `${address} is a private, loopback, link-local or reserved address` : null;
  }
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address, if any. */
function embeddedIPv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
