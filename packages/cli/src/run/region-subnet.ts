import type { Policy } from '@edgesteer/policy';

/** A client subnet inside the region (its first IPv4 client CIDR as a /24), for ECS and `edns_client_subnet`. */
export function regionSubnet(policy: Policy, region: string): string | undefined {
  const cidr = policy.regions.find((r) => r.id === region)?.clientCidrs.find((c) => !c.includes(':'));
  if (!cidr) return undefined;
  const [ip, len] = cidr.split('/') as [string, string];
  return Number(len) <= 24 ? `${ip}/24` : cidr;
}
