/** Kafka shows a member's host as Java prints an InetAddress: "/" and the IP, without the port. */
export function clientHostOf(remoteAddress: string): string {
  const ip = remoteAddress.slice(0, remoteAddress.lastIndexOf(':'));
  return `/${ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip}`;
}
