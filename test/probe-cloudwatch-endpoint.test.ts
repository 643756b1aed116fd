/**
 * The local CloudWatch endpoint behaves like the API as seen through the real
 * SDK: validation errors parse into the SDK's modeled exceptions, alarms page
 * and evaluate, faults surface as the SDK expects.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  paginateDescribeAlarms,
  type MetricDatum,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from './support/cloudwatch-endpoint.js';

let clock = Date.UTC(2026, 4, 1, 12, 0, 0);
let cw: CloudWatchEndpoint;
let client: CloudWatchClient;

beforeAll(async () => {
  cw = await startCloudWatchEndpoint({ host: '127.0.0.26', now: () => clock });
  client = new CloudWatchClient({ ...cw.clientConfig('eu-west-1'), maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await cw.close();
});
beforeEach(() => cw.reset());

const datum = (over: Partial<MetricDatum> = {}): MetricDatum => ({
  MetricName: 'Health',
  Dimensions: [
    { Name: 'Edge', Value: 'edge-a' },
    { Name: 'ProbeRegion', Value: 'eu' },
  ],
  Timestamp: new Date(clock),
  Value: 1,
  Unit: 'None',
  StorageResolution: 1,
  ...over,
});

describe('PutMetricData validation (like the real API)', () => {
  it.each([
    { name: 'more than 1000 datums', input: { Namespace: 'Edgesteer', MetricData: Array.from({ length: 1001 }, () => datum()) }, error: 'InvalidParameterValueException', code: 'InvalidParameterValue' },
    { name: 'an AWS/ namespace', input: { Namespace: 'AWS/EC2', MetricData: [datum()] }, error: 'InvalidParameterValueException', code: 'InvalidParameterValue' },
    { name: 'no namespace', input: { Namespace: undefined, MetricData: [datum()] }, error: 'MissingRequiredParameterException', code: 'MissingParameter' },
    { name: 'StorageResolution 5', input: { Namespace: 'Edgesteer', MetricData: [datum({ StorageResolution: 5 })] }, error: 'InvalidParameterValueException', code: 'InvalidParameterValue' },
    { name: 'Value and Values together', input: { Namespace: 'Edgesteer', MetricData: [datum({ Values: [1, 2] })] }, error: 'InvalidParameterCombinationException', code: 'InvalidParameterCombination' },
    { name: 'a NaN value', input: { Namespace: 'Edgesteer', MetricData: [datum({ Value: Number.NaN })] }, error: 'InvalidParameterValueException', code: 'InvalidParameterValue' },
    { name: 'an unknown unit', input: { Namespace: 'Edgesteer', MetricData: [datum({ Unit: 'Furlongs' as MetricDatum['Unit'] })] }, error: 'InvalidParameterValueException', code: 'InvalidParameterValue' },
    { name: '31 dimensions', input: { Namespace: 'Edgesteer', MetricData: [datum({ Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })) })] }, error: 'InvalidParameterValueException', code: 'InvalidParameterValue' },
    { name: 'a duplicated dimension', input: { Namespace: 'Edgesteer', MetricData: [datum({ Dimensions: [{ Name: 'Edge', Value: 'a' }, { Name: 'Edge', Value: 'b' }] })] }, error: 'InvalidParameterValueException', code: 'InvalidParameterValue' },
    { name: 'a timestamp three weeks old', input: { Namespace: 'Edgesteer', MetricData: [datum({ Timestamp: new Date(clock - 21 * 86_400_000) })] }, error: 'InvalidParameterValueException', code: 'InvalidParameterValue' },
    { name: 'a datum without MetricName', input: { Namespace: 'Edgesteer', MetricData: [datum({ MetricName: undefined })] }, error: 'MissingRequiredParameterException', code: 'MissingParameter' },
  ])('refuses $name with $error, storing nothing', async ({ input, error, code }) => {
    const e = await client.send(new PutMetricDataCommand(input as never)).catch((x: unknown) => x as Error & { Code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } });
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).name).toBe(error);
    expect((e as { Code?: string }).Code).toBe(code);
    expect((e as { $fault?: string }).$fault).toBe('client');
    expect((e as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    expect(cw.metrics).toHaveLength(0);
  });

  it('accepts a valid request (including Values/Counts) and records region and credentials', async () => {
    await client.send(new PutMetricDataCommand({ Namespace: 'Edgesteer', MetricData: [datum(), datum({ MetricName: 'ConnectRtt', Value: undefined, Values: [1.5, 2.5], Counts: [3, 1], Unit: 'Milliseconds' })] }));
    expect(cw.metrics).toHaveLength(2);
    expect(cw.metrics[1]).toMatchObject({ MetricName: 'ConnectRtt', Values: [1.5, 2.5], Counts: [3, 1], Timestamp: clock, region: 'eu-west-1' });
    expect(cw.calls[0]).toMatchObject({ operation: 'PutMetricData', accessKeyId: 'AKIDTESTENDPOINT', region: 'eu-west-1' });
  });

  it('refuses unsigned requests like AWS does', async () => {
    const res = await fetch(cw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-query-error')).toBe('MissingAuthenticationToken;Sender');
  });
});

describe('alarms', () => {
  const alarm = (name: string, over: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
    AlarmName: name,
    Namespace: 'Edgesteer',
    MetricName: 'Health',
    Dimensions: [
      { Name: 'Edge', Value: 'edge-a' },
      { Name: 'ProbeRegion', Value: 'eu' },
    ],
    Statistic: 'Minimum',
    Period: 10,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'missing',
    ...over,
  });

  it('pages DescribeAlarms (MaxRecords) and the SDK paginator sees every alarm once, sorted', async () => {
    for (let i = 0; i < 120; i++) await client.send(new PutMetricAlarmCommand(alarm(`edgesteer-${String(i).padStart(3, '0')}`)));
    const first = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'edgesteer-', MaxRecords: 50 }));
    expect(first.MetricAlarms).toHaveLength(50);
    expect(first.NextToken).toBeDefined();
    const names: string[] = [];
    for await (const page of paginateDescribeAlarms({ client, pageSize: 50 }, { AlarmNamePrefix: 'edgesteer-' })) names.push(...(page.MetricAlarms ?? []).map((a) => a.AlarmName!));
    expect(names).toHaveLength(120);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(120);
    const one = first.MetricAlarms![0]!;
    expect(one).toMatchObject({ AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:edgesteer-000', StateValue: 'INSUFFICIENT_DATA', Period: 10, Threshold: 1 });
    expect(one.StateUpdatedTimestamp).toBeInstanceOf(Date);
  });

  it.each([
    { name: 'MaxRecords 101', input: { MaxRecords: 101 }, error: 'InvalidParameterValueException' },
    { name: 'AlarmNames with AlarmNamePrefix', input: { AlarmNames: ['a'], AlarmNamePrefix: 'a' }, error: 'InvalidParameterCombinationException' },
    { name: 'a forged NextToken', input: { NextToken: 'bm9wZQ' }, error: 'InvalidNextToken' },
  ])('DescribeAlarms refuses $name', async ({ input, error }) => {
    await expect(client.send(new DescribeAlarmsCommand(input))).rejects.toMatchObject({ name: error });
  });

  it.each([
    { name: 'Period 45', over: { Period: 45 }, error: 'InvalidParameterValueException' },
    { name: 'no ComparisonOperator', over: { ComparisonOperator: undefined }, error: 'MissingRequiredParameterException' },
    { name: 'Statistic and ExtendedStatistic', over: { ExtendedStatistic: 'p99' }, error: 'InvalidParameterCombinationException' },
    { name: 'DatapointsToAlarm above EvaluationPeriods', over: { DatapointsToAlarm: 4 }, error: 'InvalidParameterValueException' },
  ])('PutMetricAlarm refuses $name', async ({ over, error }) => {
    await expect(client.send(new PutMetricAlarmCommand(alarm('bad', over)))).rejects.toMatchObject({ name: error });
    expect(cw.alarms.size).toBe(0);
  });

  it('DeleteAlarms deletes nothing when one name is unknown (ResourceNotFound), else deletes', async () => {
    await client.send(new PutMetricAlarmCommand(alarm('a1')));
    await client.send(new PutMetricAlarmCommand(alarm('a2')));
    await expect(client.send(new DeleteAlarmsCommand({ AlarmNames: ['a1', 'nope'] }))).rejects.toMatchObject({ name: 'ResourceNotFound', $metadata: { httpStatusCode: 404 } });
    expect([...cw.alarms.keys()]).toEqual(['a1', 'a2']);
    await client.send(new DeleteAlarmsCommand({ AlarmNames: ['a1'] }));
    expect([...cw.alarms.keys()]).toEqual(['a2']);
  });

  it('evaluates alarms against the metrics probes publish', async () => {
    await client.send(new PutMetricAlarmCommand(alarm('edge-a-health')));
    expect(cw.alarms.get('edge-a-health')!.StateValue).toBe('INSUFFICIENT_DATA');
    const put = (value: number) => client.send(new PutMetricDataCommand({ Namespace: 'Edgesteer', MetricData: [datum({ Value: value, Timestamp: new Date(clock) })] }));
    // Periods are aligned to multiples of Period and only complete ones count.
    await put(1);
    expect(cw.alarms.get('edge-a-health')!.StateValue).toBe('INSUFFICIENT_DATA'); // its period has not ended
    clock += 10_000;
    cw.evaluateAlarms();
    expect(cw.alarms.get('edge-a-health')!.StateValue).toBe('OK');
    await put(0);
    clock += 10_000;
    cw.evaluateAlarms();
    expect(cw.alarms.get('edge-a-health')!.StateValue).toBe('OK'); // 1 of 3 breaching, needs 2
    await put(0);
    clock += 10_000;
    cw.evaluateAlarms();
    expect(cw.alarms.get('edge-a-health')!.StateValue).toBe('ALARM');
    const { MetricAlarms } = await client.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(MetricAlarms?.map((a) => a.AlarmName)).toEqual(['edge-a-health']);
    await client.send(new SetAlarmStateCommand({ AlarmName: 'edge-a-health', StateValue: 'OK', StateReason: 'test' }));
    expect(cw.alarms.get('edge-a-health')!.StateValue).toBe('OK');
    clock += 60_000;
    cw.evaluateAlarms();
    expect(cw.alarms.get('edge-a-health')!.StateValue).toBe('INSUFFICIENT_DATA');
  });
});

describe('reading metrics back (minimal)', () => {
  it('GetMetricData aggregates per period; ListMetrics filters by dimension', async () => {
    const base = clock - (clock % 60_000);
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'Edgesteer',
        MetricData: [
          datum({ MetricName: 'ConnectRtt', Value: 2, Unit: 'Milliseconds', Timestamp: new Date(base + 1_000) }),
          datum({ MetricName: 'ConnectRtt', Value: 4, Unit: 'Milliseconds', Timestamp: new Date(base + 2_000) }),
          datum({ MetricName: 'ConnectRtt', Value: 10, Unit: 'Milliseconds', Timestamp: new Date(base + 61_000) }),
          datum({ MetricName: 'Health', Dimensions: [{ Name: 'Edge', Value: 'edge-b' }, { Name: 'ProbeRegion', Value: 'us' }] }),
        ],
      }),
    );
    const out = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(base),
        EndTime: new Date(base + 120_000),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [{ Id: 'rtt', MetricStat: { Metric: { Namespace: 'Edgesteer', MetricName: 'ConnectRtt', Dimensions: datum().Dimensions }, Period: 60, Stat: 'Average' } }],
      }),
    );
    expect(out.MetricDataResults?.[0]).toMatchObject({ Id: 'rtt', Values: [3, 10], StatusCode: 'Complete' });
    expect(out.MetricDataResults?.[0]?.Timestamps?.map((t) => t.getTime())).toEqual([base, base + 60_000]);

    const listed = await client.send(new ListMetricsCommand({ Namespace: 'Edgesteer', Dimensions: [{ Name: 'Edge', Value: 'edge-b' }] }));
    expect(listed.Metrics?.map((m) => m.MetricName)).toEqual(['Health']);
  });
});

describe('injected faults', () => {
  it.each([
    { kind: 'throttling' as const, name: 'Throttling', status: 400, fault: 'client' },
    { kind: 'internal' as const, name: 'InternalServiceFault', status: 500, fault: 'server' },
    { kind: 'unavailable' as const, name: 'ServiceUnavailable', status: 503, fault: 'server' },
  ])('$kind surfaces as $name (HTTP $status)', async ({ kind, name, status, fault }) => {
    cw.injectFault({ kind, operation: 'DescribeAlarms' });
    await expect(client.send(new DescribeAlarmsCommand({}))).rejects.toMatchObject({ name, $fault: fault, $metadata: { httpStatusCode: status } });
    // One-shot: the next call succeeds.
    await expect(client.send(new DescribeAlarmsCommand({}))).resolves.toMatchObject({ MetricAlarms: [] });
  });
});
