/**
 * Plans for humans (grouped per zone, + create / ~ update with the changed
 * fields / - delete, then a summary) and for machines (JSON).
 */
import { describeHealthCheck } from './health-checks.js';
import { PENDING_PREFIX, type RecordSet } from './model.js';
import type { Plan, PlannedChange } from './plan.js';
import { safetyCheck, type SafetyOptions } from './safety.js';

/** The plan as indented JSON (stable key order as built). */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2);
}

/** The plan as text for a terminal or a pull-request comment. */
export function renderPlan(plan: Plan, safety: SafetyOptions = {}): string {
  const out: string[] = [];
  out.push(`edgesteer Route53 plan for owner ${plan.owner}`);
  out.push(`checksum ${plan.checksum}`);
  out.push('');
  if (plan.empty) {
    out.push('No changes. Route53 matches the routing table.');
  }
  for (const z of plan.zones) {
    const changes = z.units.flatMap((u) => u.changes);
    if (changes.length === 0) continue;
    out.push(`Zone ${z.zone} (${z.hostedZoneId})`);
    const markers = { create: 0, update: 0, delete: 0 };
    for (const c of changes) {
      if (c.marker) {
        markers[c.action === 'CREATE' ? 'create' : c.action === 'UPSERT' ? 'update' : 'delete']++;
        continue;
      }
      out.push(...renderChange(c));
    }
    if (markers.create + markers.update + markers.delete > 0) {
      out.push(`  (ownership markers: +${markers.create} ~${markers.update} -${markers.delete})`);
    }
    out.push('');
  }
  if (plan.healthChecks.length > 0) {
    out.push('Health checks');
    for (const h of plan.healthChecks) {
      const id = h.id !== undefined ? ` (${h.id})` : '';
      switch (h.action) {
        case 'create':
          out.push(`  + ${h.edge}: ${describeHealthCheck(h.spec!)}`);
          break;
        case 'update':
          out.push(`  ~ ${h.edge}${id}${h.tag ? ' (adopted: tags were missing)' : ''}${h.refreshAlarm ? ': refresh (its alarm changed; Route53 re-reads alarm settings on update)' : ''}`);
          for (const f of h.changed ?? []) out.push(`      ${f}: ${fmt(h.before?.[f as keyof typeof h.before])} → ${fmt(h.spec?.[f as keyof typeof h.spec])}`);
          break;
        case 'replace':
          out.push(`  ± ${h.edge}${id}: replaced by a new check (${(h.changed ?? []).join(', ')} cannot change in place)`);
          for (const f of h.changed ?? []) out.push(`      ${f}: ${fmt(h.before?.[f as keyof typeof h.before])} → ${fmt(h.spec?.[f as keyof typeof h.spec])}`);
          break;
        case 'delete':
          out.push(`  - ${h.edge || '?'}${id}`);
          break;
        case 'adopt':
          out.push(`  ~ ${h.edge}${id}: tag (adopted: found by CallerReference, tags were missing)`);
          break;
      }
    }
    out.push('');
  }
  if (plan.alarms.length > 0) {
    out.push('CloudWatch alarms');
    for (const a of plan.alarms) {
      if (a.action === 'delete') out.push(`  - ${a.name}`);
      else if ((a.changed ?? []).length === 0) out.push(`  + ${a.name}: mean ${a.spec?.namespace}/${a.spec?.metricName} < ${a.spec?.threshold} over ${a.spec?.period}s`);
      else out.push(`  ~ ${a.name}: ${(a.changed ?? []).join(', ')}`);
    }
    out.push('');
  }
  if (plan.conflicts.length > 0) {
    out.push('Not touched');
    for (const c of plan.conflicts) {
      out.push(`  ! ${c.name} ${c.type}${c.setIdentifier !== undefined ? ` ${c.setIdentifier}` : ''}: ${c.reason}`);
    }
    out.push('');
  }
  for (const w of plan.warnings) out.push(`warning: ${w}`);
  const s = plan.summary;
  out.push(
    `Plan: ${s.records.create} to create, ${s.records.update} to update, ${s.records.delete} to delete (records); ` +
      `health checks: ${s.healthChecks.create + s.healthChecks.replace} to create, ${s.healthChecks.update + s.healthChecks.adopt} to update, ` +
      `${s.healthChecks.delete + s.healthChecks.replace} to delete; alarms: ${s.alarms.put} to put, ${s.alarms.delete} to delete.`,
  );
  const safe = safetyCheck(plan, safety);
  if (safe.exceeds) out.push(`! ${safe.message}`);
  return out.join('\n') + '\n';
}

function renderChange(c: PlannedChange): string[] {
  const sign = c.action === 'CREATE' ? '+' : c.action === 'UPSERT' ? '~' : '-';
  const note = c.why === 'take-ownership' ? ' (taking ownership)' : c.why === 'displace' ? ' (removing unowned record in the way)' : '';
  if (c.action !== 'UPSERT') return [`  ${sign} ${describeRecord(c.record)}${note}`];
  const lines = [`  ${sign} ${identity(c.record)}${note}`];
  for (const f of c.changed ?? []) lines.push(`      ${f}: ${fieldText(c.before, f)} → ${fieldText(c.record, f)}`);
  return lines;
}

/** Name, type and routing of a record. */
export function identity(r: RecordSet): string {
  let s = `${r.name} ${r.type}`;
  if (r.region !== undefined) s += ` latency ${r.region}`;
  if (r.failover !== undefined) s += ` failover ${r.failover}`;
  if (r.weight !== undefined) s += ` weight ${r.weight}`;
  if (r.setIdentifier !== undefined) s += ` [${r.setIdentifier}]`;
  return s;
}

/** Identity plus where the record points. */
export function describeRecord(r: RecordSet): string {
  let s = identity(r);
  if (r.alias) s += ` → alias ${r.alias.dnsName}${r.alias.evaluateTargetHealth ? ' (evaluate target health)' : ''}`;
  else s += ` ttl ${r.ttl ?? '?'} → ${(r.values ?? []).join(', ')}`;
  if (r.healthCheckId !== undefined) s += ` health check ${hcText(r.healthCheckId)}`;
  return s;
}

function hcText(id: string): string {
  return id.startsWith(PENDING_PREFIX) ? `(new, edge ${id.slice(PENDING_PREFIX.length)})` : id;
}

function fieldText(r: RecordSet | undefined, field: string): string {
  if (!r) return '(none)';
  switch (field) {
    case 'values':
      return r.values ? r.values.join(', ') : '(none)';
    case 'alias':
      return r.alias ? `${r.alias.dnsName}${r.alias.evaluateTargetHealth ? ' +eval' : ''}` : '(none)';
    case 'healthCheckId':
      return r.healthCheckId !== undefined ? hcText(r.healthCheckId) : '(none)';
    case 'extra':
      return r.extra ? JSON.stringify(r.extra) : '(none)';
    default:
      return fmt((r as unknown as Record<string, unknown>)[field]);
  }
}

function fmt(v: unknown): string {
  return v === undefined ? '(none)' : String(v);
}
