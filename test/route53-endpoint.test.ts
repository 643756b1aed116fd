/**
 * The Route53 test endpoint itself, driven only through
 * @aws-sdk/client-route-53 over HTTP: it must enforce Route53's rules, or
 * the reconciler tests prove nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ChangeCidrCollectionCommand,
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateCidrCollectionCommand,
  DeleteCidrCollectionCommand,
  ListCidrBlocksCommand,
  ListCidrCollectionsCommand,
  ListCidrLocationsCommand,
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  GetChangeCommand,
  GetHealthCheckCommand,
  GetHostedZoneCommand,
  ListHealthChecksCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  UpdateHealthCheckCommand,
  type Change,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { startRoute53Endpoint, type Route53Endpoint } from './support/route53-endpoint.js';
import { testRoute53Client } from './support/route53/fixtures.js';

const ZONE = 'ZENDPOINT1';
let ep: Route53Endpoint;
let r53: Route53Client;
beforeAll(async () => {
  ep = await startRoute53Endpoint({ maxRecordsPerPage: 300, maxHealthChecksPerPage: 3 });
  r53 = testRoute53Client(ep.url);
});
afterAll(async () => {
  await ep.close();
});
let zone: string;
let n = 0;
beforeEach(() => {
  zone = ep.createZone(`z${++n}.example`, `${ZONE}${n}`);
});

const a = (name: string, ip: string, extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({ Name: name, Type: 'A', TTL: 60, ResourceRecords: [{ Value: ip }], ...extra });
const change = (Action: Change['Action'], ResourceRecordSet: ResourceRecordSet): Change => ({ Action, ResourceRecordSet });
const send = (changes: Change[]) => r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone, ChangeBatch: { Changes: changes } }));
/** Error of a rejected batch: code (as the SDK reports it, or from <Messages>) and text. */
async function rejection(changes: Change[]): Promise<{ status?: number; name: string; messages: string[] }> {
  try {
    await send(changes);
  } catch (e) {
    const err = e as { name: string; message: string; Messages?: { Message: string | string[] }; $metadata?: { httpStatusCode?: number } };
    const listed = err.Messages?.Message;
    return { status: err.$metadata?.httpStatusCode, name: err.name, messages: listed === undefined ? [err.message] : Array.isArray(listed) ? listed : [listed] };
  }
  throw new Error('batch was accepted');
}
const names = () => ep.records(zone).map((r) => `${r.Name} ${r.Type}${r.SetIdentifier !== undefined ? ` ${r.SetIdentifier}` : ''}`);

describe('ChangeResourceRecordSets rules', () => {
  it('accepts a valid batch, answers PENDING, then INSYNC', async () => {
    const res = await send([change('CREATE', a(`www.z${n}.example`, '127.0.0.1'))]);
    expect(res.ChangeInfo?.Status).toBe('PENDING');
    const got = await r53.send(new GetChangeCommand({ Id: res.ChangeInfo!.Id! }));
    expect(got.ChangeInfo?.Status).toBe('INSYNC');
    expect(names()).toContain(`www.z${n}.example. A`);
  });

  const z = (): string => `z${n}.example`;
  const cases: Array<{ rule: string; setup?: () => Change[]; batch: () => Change[]; expect: RegExp }> = [
    { rule: 'CREATE of an existing record', setup: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1'))], batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.2'))], expect: /but it already exists/ },
    { rule: 'DELETE of a missing record', batch: () => [change('DELETE', a(`x.${z()}`, '127.0.0.1'))], expect: /but it was not found/ },
    { rule: 'DELETE that does not match exactly', setup: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1'))], batch: () => [change('DELETE', a(`x.${z()}`, '127.0.0.1', { TTL: 61 }))], expect: /values provided do not match/ },
    { rule: 'the same record deleted twice', setup: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1'))], batch: () => [change('DELETE', a(`x.${z()}`, '127.0.0.1')), change('DELETE', a(`x.${z()}`, '127.0.0.1'))], expect: /was not found/ },
    { rule: 'a name outside the zone', batch: () => [change('CREATE', a('www.other.example', '127.0.0.1'))], expect: /is not permitted in zone/ },
    { rule: 'a CNAME beside an A', setup: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1'))], batch: () => [change('CREATE', { Name: `x.${z()}`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'y.example' }] })], expect: /CNAME .* not permitted because a conflicting RRSet of type A/ },
    { rule: 'an A beside a CNAME', setup: () => [change('CREATE', { Name: `x.${z()}`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'y.example' }] })], batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1'))], expect: /conflicting RRSet of type CNAME/ },
    { rule: 'failover without SetIdentifier', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { Failover: 'PRIMARY' }))], expect: /Missing field 'SetIdentifier'/ },
    { rule: 'two PRIMARY failover records', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { Failover: 'PRIMARY', SetIdentifier: 'p1' })), change('CREATE', a(`x.${z()}`, '127.0.0.2', { Failover: 'PRIMARY', SetIdentifier: 'p2' }))], expect: /a PRIMARY failover record with the same name and type already exists/ },
    { rule: 'a latency record without Region', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { SetIdentifier: 'eu' }))], expect: /Expected exactly one of .* but found none/ },
    { rule: 'a simple record beside a latency set', setup: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { SetIdentifier: 'eu', Region: 'eu-west-1' }))], batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.2'))], expect: /same name and type and a set identifier already exists/ },
    { rule: 'latency beside failover', setup: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { SetIdentifier: 'eu', Region: 'eu-west-1' }))], batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.2', { SetIdentifier: 'p', Failover: 'PRIMARY' }))], expect: /failover routing but records with the same name and type use latency routing/ },
    { rule: 'an in-zone alias to nothing', batch: () => [change('CREATE', { Name: `x.${z()}`, Type: 'A', AliasTarget: { HostedZoneId: `${ZONE}${n}`, DNSName: `nothing.${z()}`, EvaluateTargetHealth: true } })], expect: /alias target name does not lie within the target zone/ },
    { rule: 'an alias with a TTL', batch: () => [change('CREATE', { Name: `x.${z()}`, Type: 'A', TTL: 60, AliasTarget: { HostedZoneId: 'Z2FDTNDATAQYW2', DNSName: 'd1.cloudfront.net', EvaluateTargetHealth: false } })], expect: /alias record cannot have TTL/ },
    { rule: 'an A record with a non-IPv4 value', batch: () => [change('CREATE', a(`x.${z()}`, '::1'))], expect: /not a valid IPv4 address/ },
    { rule: 'an unquoted TXT value', batch: () => [change('CREATE', { Name: `x.${z()}`, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: 'hello' }] })], expect: /enclosed in quotation marks/ },
    { rule: 'Region mars-central-9', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { SetIdentifier: 'm', Region: 'mars-central-9' as never }))], expect: /at 'region' failed to satisfy constraint/ },
    { rule: 'TTL −5', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { TTL: -5 }))], expect: /at 'TTL' failed to satisfy constraint/ },
    { rule: 'Weight 999', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { SetIdentifier: 'w', Weight: 999 }))], expect: /at 'weight' failed to satisfy constraint/ },
    { rule: 'a 300-character SetIdentifier', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { SetIdentifier: 's'.repeat(300), Weight: 1 }))], expect: /at 'setIdentifier' failed to satisfy constraint/ },
    { rule: 'a CIDR record on a collection that does not exist', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { SetIdentifier: 'c', CidrRoutingConfig: { CollectionId: '00000000-0000-4000-8000-000000000000', LocationName: 'eu' } }))], expect: /NoSuchCidrCollection/ },
    { rule: 'a missing health check', batch: () => [change('CREATE', a(`x.${z()}`, '127.0.0.1', { HealthCheckId: 'no-such-check' }))], expect: /health check no-such-check does not exist/ },
    { rule: 'more than 1,000 ResourceRecord elements', batch: () => Array.from({ length: 1001 }, (_v, i) => change('CREATE', a(`h${i}.${z()}`, '127.0.0.1'))), expect: /Number of records limit of 1000 exceeded/ },
    { rule: 'UPSERT counting twice', batch: () => Array.from({ length: 501 }, (_v, i) => change('UPSERT', a(`h${i}.${z()}`, '127.0.0.1'))), expect: /Number of records limit of 1000 exceeded/ },
    { rule: 'more than 32,000 value characters', batch: () => Array.from({ length: 130 }, (_v, i) => change('CREATE', { Name: `t${i}.${z()}`, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: `"${'x'.repeat(250)}"` }] })), expect: /Number of characters limit of 32000 exceeded/ },
  ];
  it.each(cases)('rejects $rule as InvalidChangeBatch, atomically', async (c) => {
    if (c.setup) await send(c.setup());
    const before = names();
    // A valid change first: the whole batch must still be refused.
    const r = await rejection([change('CREATE', a(`ok.${z()}`, '127.0.0.9')), ...c.batch()]);
    expect(r.status).toBe(400);
    // Route53 uses <ErrorResponse> with Code InvalidChangeBatch for some errors
    // and an <InvalidChangeBatch> root with <Messages> for others; the SDK maps
    // the first to its error class and keeps the second's messages.
    expect(['InvalidChangeBatch', 'Unknown']).toContain(r.name);
    expect(r.messages.join('\n')).toMatch(c.expect);
    expect(names()).toEqual(before);
  });

  it('accepts what the rules allow: a failover set then the latency alias to it, in one batch', async () => {
    const set = `eu.cdn._edgesteer.${z()}`;
    await send([
      change('CREATE', a(set, '127.0.0.1', { SetIdentifier: 'p', Failover: 'PRIMARY' })),
      change('CREATE', a(set, '127.0.0.2', { SetIdentifier: 's', Failover: 'SECONDARY' })),
      change('CREATE', { Name: `cdn.${z()}`, Type: 'A', SetIdentifier: 'cdn-eu', Region: 'eu-west-1', AliasTarget: { HostedZoneId: `${ZONE}${n}`, DNSName: set, EvaluateTargetHealth: true } }),
      change('CREATE', { Name: `cdn.${z()}`, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"v=1"' }] }),
    ]);
    // UPSERT replaces; DELETE with the exact record removes.
    await send([change('UPSERT', a(set, '127.0.0.3', { SetIdentifier: 'p', Failover: 'PRIMARY' })), change('DELETE', a(set, '127.0.0.2', { SetIdentifier: 's', Failover: 'SECONDARY' }))]);
    expect(ep.records(zone).filter((r) => r.Name === `${set}.`).map((r) => r.ResourceRecords)).toEqual([['127.0.0.3']]);
  });
});

describe('reads', () => {
  it('GetHostedZone answers the zone, NoSuchHostedZone otherwise', async () => {
    const hz = await r53.send(new GetHostedZoneCommand({ Id: zone }));
    expect(hz.HostedZone).toMatchObject({ Id: `/hostedzone/${zone}`, Name: `z${n}.example.`, ResourceRecordSetCount: 2 });
    expect(hz.DelegationSet?.NameServers).toHaveLength(4);
    await expect(r53.send(new GetHostedZoneCommand({ Id: 'ZNOPE' }))).rejects.toMatchObject({ name: 'NoSuchHostedZone', $metadata: { httpStatusCode: 404 } });
  });

  it('ListResourceRecordSets pages with NextRecordName/Type/Identifier in Route53 order', async () => {
    const z = `z${n}.example`;
    await send([
      ...['eu', 'us', 'ap'].map((r, i) => change('CREATE', a(`cdn.${z}`, `127.0.0.${i + 1}`, { SetIdentifier: `cdn-${r}`, Region: (['eu-west-1', 'us-east-1', 'ap-southeast-1'] as const)[i] }))),
      change('CREATE', a(`a.${z}`, '127.0.0.9')),
      change('CREATE', a(`a-b.${z}`, '127.0.0.9')),
      change('CREATE', { ...a(`a.${z}`, '::1'), Type: 'AAAA' }),
      change('CREATE', a(`b.a.${z}`, '127.0.0.9')),
    ]);
    const seen: string[] = [];
    const pages: number[] = [];
    let input: { HostedZoneId: string; MaxItems: number; StartRecordName?: string; StartRecordType?: 'A'; StartRecordIdentifier?: string } = { HostedZoneId: zone, MaxItems: 2 };
    for (;;) {
      const page = await r53.send(new ListResourceRecordSetsCommand(input));
      pages.push(page.ResourceRecordSets!.length);
      for (const r of page.ResourceRecordSets!) seen.push(`${r.Name} ${r.Type}${r.SetIdentifier ? ` ${r.SetIdentifier}` : ''}`);
      if (!page.IsTruncated) break;
      input = { HostedZoneId: zone, MaxItems: 2, StartRecordName: page.NextRecordName!, StartRecordType: page.NextRecordType as 'A', ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}) };
    }
    expect(pages).toEqual([2, 2, 2, 2, 1]);
    expect(seen).toEqual([
      `${z}. NS`,
      `${z}. SOA`,
      `a.${z}. A`,
      `a.${z}. AAAA`,
      `b.a.${z}. A`,
      `a-b.${z}. A`,
      `cdn.${z}. A cdn-ap`,
      `cdn.${z}. A cdn-eu`,
      `cdn.${z}. A cdn-us`,
    ]);
  });
});

describe('health checks', () => {
  const http = { Type: 'HTTP' as const, IPAddress: '203.0.113.80', Port: 8080, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 2 };

  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.0.1', '100.64.0.1', '224.0.0.1', '::1', 'fd00::1', 'fe80::1'])(
    'refuses a health check on %s (local, private, non-routable or multicast)',
    async (ip) => {
      await expect(r53.send(new CreateHealthCheckCommand({ CallerReference: `bad-${ip}-${n}`, HealthCheckConfig: { ...http, IPAddress: ip } }))).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('not allowed') });
    },
  );

  it('creates with Route53 defaults, is idempotent per CallerReference, and refuses reuse with other settings', async () => {
    const ref = `ref-${n}`;
    const first = await r53.send(new CreateHealthCheckCommand({ CallerReference: ref, HealthCheckConfig: http }));
    expect(first.HealthCheck).toMatchObject({ CallerReference: ref, HealthCheckVersion: 1, HealthCheckConfig: { ...http, Inverted: false, Disabled: false, MeasureLatency: false, EnableSNI: false } });
    expect(first.Location).toContain(`/healthcheck/${first.HealthCheck!.Id}`);
    const again = await r53.send(new CreateHealthCheckCommand({ CallerReference: ref, HealthCheckConfig: http }));
    expect(again.HealthCheck!.Id).toBe(first.HealthCheck!.Id);
    await expect(r53.send(new CreateHealthCheckCommand({ CallerReference: ref, HealthCheckConfig: { ...http, Port: 81 } }))).rejects.toMatchObject({ name: 'HealthCheckAlreadyExists', $metadata: { httpStatusCode: 409 } });
    await r53.send(new DeleteHealthCheckCommand({ HealthCheckId: first.HealthCheck!.Id! }));
    await expect(r53.send(new CreateHealthCheckCommand({ CallerReference: ref, HealthCheckConfig: http }))).rejects.toMatchObject({ name: 'HealthCheckAlreadyExists' });
    await expect(r53.send(new CreateHealthCheckCommand({ CallerReference: `${ref}-x`, HealthCheckConfig: { Type: 'CLOUDWATCH_METRIC' } }))).rejects.toMatchObject({ name: 'InvalidInput' });
  });

  it('updates with version locking, refuses to delete a check in use, lists in pages, tags', async () => {
    const hc = (await r53.send(new CreateHealthCheckCommand({ CallerReference: `u-${n}`, HealthCheckConfig: http }))).HealthCheck!;
    const upd = await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: hc.Id!, HealthCheckVersion: 1, FailureThreshold: 5, ResetElements: ['ResourcePath'] }));
    expect(upd.HealthCheck).toMatchObject({ HealthCheckVersion: 2, HealthCheckConfig: { FailureThreshold: 5 } });
    expect(upd.HealthCheck!.HealthCheckConfig!.ResourcePath).toBeUndefined();
    await expect(r53.send(new UpdateHealthCheckCommand({ HealthCheckId: hc.Id!, HealthCheckVersion: 1, FailureThreshold: 4 }))).rejects.toMatchObject({ name: 'HealthCheckVersionMismatch', $metadata: { httpStatusCode: 409 } });

    await send([change('CREATE', a(`x.z${n}.example`, '127.0.0.1', { SetIdentifier: 'p', Failover: 'PRIMARY', HealthCheckId: hc.Id! }))]);
    await expect(r53.send(new DeleteHealthCheckCommand({ HealthCheckId: hc.Id! }))).rejects.toMatchObject({ name: 'HealthCheckInUse', $metadata: { httpStatusCode: 400 } });

    await r53.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: hc.Id!, AddTags: [{ Key: 'edgesteer:edge', Value: 'e1' }, { Key: 'drop', Value: 'x' }] }));
    await r53.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: hc.Id!, RemoveTagKeys: ['drop'] }));
    const tags = await r53.send(new ListTagsForResourcesCommand({ ResourceType: 'healthcheck', ResourceIds: [hc.Id!] }));
    expect(tags.ResourceTagSets).toEqual([{ ResourceType: 'healthcheck', ResourceId: hc.Id, Tags: [{ Key: 'edgesteer:edge', Value: 'e1' }] }]);
    await expect(r53.send(new ListTagsForResourcesCommand({ ResourceType: 'healthcheck', ResourceIds: Array.from({ length: 11 }, () => hc.Id!) }))).rejects.toMatchObject({ name: 'InvalidInput' });

    const all: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await r53.send(new ListHealthChecksCommand({ MaxItems: 100, ...(marker ? { Marker: marker } : {}) }));
      pages++;
      all.push(...page.HealthChecks!.map((h) => h.Id!));
      marker = page.IsTruncated ? page.NextMarker : undefined;
    } while (marker);
    expect(all).toEqual(ep.healthChecks().map((h) => h.Id));
    expect(pages).toBe(Math.ceil(all.length / 3));
    expect((await r53.send(new GetHealthCheckCommand({ HealthCheckId: hc.Id! }))).HealthCheck?.HealthCheckVersion).toBe(2);
  });
});

describe('fault injection and call log', () => {
  it.each([
    { code: 'Throttling', status: 400 },
    { code: 'PriorRequestNotComplete', status: 400 },
    { code: 'ServiceUnavailable', status: 503 },
    { code: 'InternalFailure', status: 500 },
  ])('injects $code (HTTP $status) as the SDK sees it', async ({ code, status }) => {
    const f = ep.injectFault({ op: 'ChangeResourceRecordSets', code, times: 1 });
    await expect(send([change('CREATE', a(`f.z${n}.example`, '127.0.0.1'))])).rejects.toMatchObject({ name: code, $metadata: { httpStatusCode: status } });
    expect(names()).not.toContain(`f.z${n}.example. A`);
    await send([change('CREATE', a(`f.z${n}.example`, '127.0.0.1'))]);
    expect(f.fired).toBe(1);
    const last = ep.calls.slice(-2);
    expect(last.map((c) => [c.op, c.status, c.injected])).toEqual([
      ['ChangeResourceRecordSets', status, true],
      ['ChangeResourceRecordSets', 200, false],
    ]);
    f.remove();
  });

  it('fires by position and by seeded rate', async () => {
    const f = ep.injectFault({ op: 'GetHostedZone', code: 'Throttling', after: 2, times: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) outcomes.push(await r53.send(new GetHostedZoneCommand({ Id: zone })).then(() => 'ok', (e: Error) => e.name));
    expect(outcomes).toEqual(['ok', 'ok', 'Throttling', 'Throttling', 'ok', 'ok']);
    f.remove();
    const r = ep.injectFault({ op: 'GetHostedZone', code: 'Throttling', rate: 0.5 });
    for (let i = 0; i < 100; i++) await r53.send(new GetHostedZoneCommand({ Id: zone })).catch(() => undefined);
    expect(r.fired).toBeGreaterThan(25);
    expect(r.fired).toBeLessThan(75);
    r.remove();
  });

  it('refuses unsigned requests', async () => {
    const res = await fetch(`${ep.url}/2013-04-01/hostedzone/${zone}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});

describe('evaluate(): what Route53 would answer', () => {
  it('follows latency → alias → failover with health checks and EvaluateTargetHealth', async () => {
    const z = `z${n}.example`;
    const hc = async (ref: string) => (await r53.send(new CreateHealthCheckCommand({ CallerReference: `${ref}-${n}`, HealthCheckConfig: { ...{ Type: 'TCP' as const, IPAddress: '203.0.113.1', Port: 1 } } }))).HealthCheck!.Id!;
    const [e1, e2, u1] = [await hc('e1'), await hc('e2'), await hc('u1')];
    await send([
      change('CREATE', a(`eu.set.${z}`, '203.0.113.11', { SetIdentifier: 'p', Failover: 'PRIMARY', HealthCheckId: e1 })),
      change('CREATE', a(`eu.set.${z}`, '203.0.113.12', { SetIdentifier: 's', Failover: 'SECONDARY', HealthCheckId: e2 })),
      change('CREATE', a(`us.set.${z}`, '203.0.113.21', { SetIdentifier: 'p', Failover: 'PRIMARY', HealthCheckId: u1 })),
      change('CREATE', { Name: `cdn.${z}`, Type: 'A', SetIdentifier: 'eu', Region: 'eu-west-1', AliasTarget: { HostedZoneId: zone, DNSName: `eu.set.${z}`, EvaluateTargetHealth: true } }),
      change('CREATE', { Name: `cdn.${z}`, Type: 'A', SetIdentifier: 'us', Region: 'us-east-1', AliasTarget: { HostedZoneId: zone, DNSName: `us.set.${z}`, EvaluateTargetHealth: true } }),
    ]);
    const cases: Array<[string, Record<string, boolean>, string[]]> = [
      ['eu-central-1', {}, ['203.0.113.11']],
      ['us-west-2', {}, ['203.0.113.21']],
      ['eu-west-2', { [e1]: false }, ['203.0.113.12']],
      // Both eu edges down: EvaluateTargetHealth sends eu clients to us.
      ['eu-west-2', { [e1]: false, [e2]: false }, ['203.0.113.21']],
      // Everything down: Route53 answers as if all were healthy.
      ['eu-west-2', { [e1]: false, [e2]: false, [u1]: false }, ['203.0.113.11']],
    ];
    for (const [region, health, values] of cases) expect(ep.evaluate(`cdn.${z}`, 'A', region, health)?.values).toEqual(values);
    expect(ep.evaluate(`cdn.${z}`, 'A', 'eu-west-1')?.path).toEqual([
      { name: `cdn.${z}.`, type: 'A', setIdentifier: 'eu', routing: 'latency eu-west-1' },
      { name: `eu.set.${z}.`, type: 'A', setIdentifier: 'p', routing: 'failover PRIMARY' },
    ]);
    expect(ep.evaluate(`cdn.${z}`, 'AAAA', 'eu-west-1')).toBeUndefined();
    // Health by function, e.g. from tags.
    expect(ep.evaluate(`cdn.${z}`, 'A', 'eu-west-1', (h) => h.id !== e1)?.values).toEqual(['203.0.113.12']);
  });
});

describe('CIDR collections (IP-based routing)', () => {
  it('creates, changes with CollectionVersion, refuses stale versions, >1,000 blocks, host bits, and removal while in use', async () => {
    const created = await r53.send(new CreateCidrCollectionCommand({ Name: `col-${n}`, CallerReference: `ref-${n}` }));
    const id = created.Collection!.Id!;
    expect(created.Collection).toMatchObject({ Name: `col-${n}`, Version: 1 });
    await expect(r53.send(new CreateCidrCollectionCommand({ Name: `col-${n}`, CallerReference: `ref2-${n}` }))).rejects.toMatchObject({ name: 'CidrCollectionAlreadyExistsException' });
    await r53.send(new ChangeCidrCollectionCommand({ Id: id, CollectionVersion: 1, Changes: [{ LocationName: 'eu', Action: 'PUT', CidrList: ['198.51.100.0/24', '2001:db8::/32'] }] }));
    // Optimistic locking: version 1 is stale now.
    await expect(r53.send(new ChangeCidrCollectionCommand({ Id: id, CollectionVersion: 1, Changes: [{ LocationName: 'us', Action: 'PUT', CidrList: ['203.0.113.0/24'] }] }))).rejects.toMatchObject({ name: 'CidrCollectionVersionMismatchException', $metadata: { httpStatusCode: 409 } });
    const blocks = Array.from({ length: 1001 }, (_v, i) => `10.${i >> 8}.${i & 255}.0/24`);
    await expect(r53.send(new ChangeCidrCollectionCommand({ Id: id, Changes: [{ LocationName: 'us', Action: 'PUT', CidrList: blocks.slice(0, 600) }, { LocationName: 'ap', Action: 'PUT', CidrList: blocks.slice(600) }] }))).rejects.toMatchObject({ name: 'LimitsExceededException' });
    await expect(r53.send(new ChangeCidrCollectionCommand({ Id: id, Changes: [{ LocationName: 'us', Action: 'PUT', CidrList: ['203.0.113.7/24'] }] }))).rejects.toMatchObject({ name: 'InvalidCidrBlock' });
    await expect(r53.send(new ChangeCidrCollectionCommand({ Id: id, Changes: [{ LocationName: 'a-location-name-too-long', Action: 'PUT', CidrList: ['203.0.113.0/24'] }] }))).rejects.toMatchObject({ name: 'InvalidInput' });
    const cols = await r53.send(new ListCidrCollectionsCommand({}));
    expect(cols.CidrCollections?.find((c) => c.Id === id)).toMatchObject({ Version: 2 });
    expect((await r53.send(new ListCidrLocationsCommand({ CollectionId: id }))).CidrLocations).toEqual([{ LocationName: 'eu' }]);
    expect((await r53.send(new ListCidrBlocksCommand({ CollectionId: id, LocationName: 'eu' }))).CidrBlocks?.map((b) => b.CidrBlock)).toEqual(['198.51.100.0/24', '2001:db8::/32']);

    // Records route by it; the location's last block and the collection cannot go while in use.
    const z = `z${n}.example`;
    await send([
      change('CREATE', a(`cdn.${z}`, '203.0.113.10', { SetIdentifier: 'eu', CidrRoutingConfig: { CollectionId: id, LocationName: 'eu' } })),
      change('CREATE', a(`cdn.${z}`, '203.0.113.20', { SetIdentifier: 'default', CidrRoutingConfig: { CollectionId: id, LocationName: '*' } })),
    ]);
    const nowhere = await rejection([change('CREATE', a(`cdn.${z}`, '203.0.113.30', { SetIdentifier: 'nowhere', CidrRoutingConfig: { CollectionId: id, LocationName: 'mars' } }))]);
    expect(nowhere).toMatchObject({ status: 400, messages: [expect.stringContaining('NoSuchCidrLocation')] });
    await expect(r53.send(new ChangeCidrCollectionCommand({ Id: id, Changes: [{ LocationName: 'eu', Action: 'DELETE_IF_EXISTS', CidrList: ['198.51.100.0/24', '2001:db8::/32'] }] }))).rejects.toMatchObject({ name: 'CidrBlockInUseException' });
    await expect(r53.send(new DeleteCidrCollectionCommand({ Id: id }))).rejects.toMatchObject({ name: 'CidrCollectionInUseException' });

    // Evaluation: longest matching block's location, else the default `*`.
    expect(ep.evaluate(`cdn.${z}`, 'A', { awsRegion: 'us-east-1', ip: '198.51.100.77' })?.values).toEqual(['203.0.113.10']);
    expect(ep.evaluate(`cdn.${z}`, 'A', { awsRegion: 'eu-west-1', ip: '192.0.2.1' })?.values).toEqual(['203.0.113.20']);
    expect(ep.evaluate(`cdn.${z}`, 'A', { awsRegion: 'eu-west-1', ip: '2001:db8:1::5' })?.path[0]?.routing).toBe('cidr eu');
  });
});
