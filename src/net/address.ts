import ipaddr from "ipaddr.js";

/**
 * Whether an IP address is one Pictor may connect to on behalf of remote
 * input: a global unicast address. Everything ipaddr.js classifies as
 * special is refused: unspecified (0.0.0.0/8, ::), private (10/8, 172.16/12,
 * 192.168/16), carrier-grade NAT (100.64/10), loopback (127/8, ::1),
 * link-local (169.254/16, fe80::/10), benchmarking (198.18/15), multicast
 * (224/4, ff00::/8), reserved (240/4, documentation ranges, …), unique local
 * (fc00::/7) and the rest. IPv6 forms that carry an IPv4 address (mapped
 * ::ffff:a.b.c.d, translated, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged
 * by that IPv4 address; other IPv6 addresses must be global unicast
 * (2000::/3). Anything that does not parse is refused.
 */
export function isGlobalAddress(address: string): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[(.*)\]$/, "$1"));
  } catch {
    return false;
  }
  if (ip.kind() === "ipv4") return ip.range() === "unicast";
  const v6 = ip as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) return embedded.range() === "unicast";
  return v6.range() === "unicast" && v6.match(GLOBAL_UNICAST_V6);
}

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");

/** The IPv4 address an IPv6 address stands for, when it is one of the forms that carry one. */
function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = ip.parts;
  switch (ip.range()) {
    case "ipv4Mapped": // ::ffff:a.b.c.d
    case "rfc6145": // ::ffff:0:a.b.c.d
      return new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
    case "rfc6052": // 64:ff9b::a.b.c.d (NAT64); the local-use 64:ff9b:1::/48 has no well-known layout
      return p[2] === 0 ? new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]) : INVALID_V4;
    case "6to4": // 2002:AABB:CCDD::
      return new ipaddr.IPv4([p[1] >> 8, p[1] & 0xff, p[2] >> 8, p[2] & 0xff]);
    default:
      return undefined;
  }
}

/** Stands for an embedded address that cannot be trusted: 0.0.0.0 is never global. */
const INVALID_V4 = new ipaddr.IPv4([0, 0, 0, 0]);
