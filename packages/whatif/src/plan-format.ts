/**
 * A policy plan as text (what `edgesteer policy plan` prints).
 */
import type { PolicyPlan } from './plan.js';

/** A share as a percentage with enough digits to see small ones (0.0015%). */
export function pct(share: number): string {
  if (share === 0) return '0%';
  const p = share * 100;
  if (p >= 1) return `${p.toFixed(1)}%`;
  return `${p.toPrecision(2)}%`;
}

const list = (a: readonly string[]) => (a.length ? a.join(',') : '-');

/** Renders the plan for humans. `labels` name the two policies (file names). */
export function renderPlanText(plan: PolicyPlan, labels: { current: string; next: string; observations: string }): string {
  const out: string[] = [];
  out.push(`policy plan: ${labels.current} (${plan.policyHashBefore.slice(0, 12)}) -> ${labels.next} (${plan.policyHashAfter.slice(0, 12)})`);
  out.push(`observations: ${labels.observations}; ${plan.observed.freshLinks} fresh link(s) from ${plan.observed.regionsWithData} region(s) at ${new Date(plan.now).toISOString()}`);
  out.push(`client map: ${plan.clientMap.before === plan.clientMap.after ? plan.clientMap.after : `${plan.clientMap.before} -> ${plan.clientMap.after}`}${plan.samples ? `; ${plan.samples} sampled client address(es)` : ''}`);
  out.push('');
  const changedRoutes = plan.changes.length;
  const routes = plan.services.reduce((n, s) => n + s.routes, 0);
  out.push(changedRoutes === 0 ? `traffic: no answer changes (${routes} routes)` : `traffic: ${changedRoutes} of ${routes} routes change`);
  for (const s of plan.services) {
    if (s.changed === 0) continue;
    out.push(`  ${s.service}: clients moved: IPv4 ${pct(s.space.v4)} of the address space, IPv6 ${pct(s.space.v6)}${s.sampled !== undefined ? `, ${pct(s.sampled)} of sampled clients` : ''}`);
    for (const c of plan.changes.filter((x) => x.service === s.service)) {
      const mode = c.modeBefore === c.modeAfter ? (c.modeAfter === 'ranked' ? '' : ` (${c.modeAfter})`) : ` (${c.modeBefore} -> ${c.modeAfter})`;
      const share = `region holds IPv4 ${pct(c.space.v4)}, IPv6 ${pct(c.space.v6)}${c.sampled !== undefined ? `, ${pct(c.sampled)} of samples` : ''}`;
      out.push(`    ${c.region.padEnd(12)} ${list(c.before)} -> ${list(c.after)}${mode}   [${share}]`);
    }
  }
  out.push('');
  const r53 = plan.route53;
  if (r53.managedZones === 0 && r53.changes.length === 0) out.push('Route53: no zone managed in Route53 (no route53.hostedZoneId): nothing to change');
  else {
    out.push(`Route53: ${r53.changes.length} record change(s) the reconciler would make (computed offline)`);
    const sign = { create: '+', delete: '-', update: '~' } as const;
    for (const c of r53.changes) out.push(`  ${sign[c.action]} ${c.record}${c.fields ? `  (${c.fields.join(', ')})` : ''}`);
  }
  for (const w of r53.warnings) out.push(`  note: ${w}`);
  out.push('');
  if (plan.warnings.length === 0) out.push('warnings: none');
  else {
    out.push(`warnings: ${plan.warnings.length}`);
    for (const w of plan.warnings) out.push(`  ! ${w}`);
  }
  return out.join('\n') + '\n';
}
