/**
 * A local CloudWatch API for tests: a real HTTP server on loopback speaking
 * the protocol the installed @aws-sdk/client-cloudwatch speaks (3.116x: AWS
 * JSON 1.0, `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`,
 * awsQueryCompatible errors via `x-amzn-query-error`, gzip request bodies
 * above 10 KiB), validating requests like the real service so a client bug
 * fails here the way it would fail in AWS.
 *
 * Operations: PutMetricData, PutMetricAlarm, DescribeAlarms (paged),
 * DeleteAlarms, SetAlarmState, GetMetricData and ListMetrics (minimal:
 * MetricStat queries only). State is in memory and inspectable; faults
 * (Throttling, 500, 503) can be injected.
 *
 * Alarms are evaluated against stored metrics after every PutMetricData and
 * PutMetricAlarm, and every `evaluateEveryMs` when set: the last
 * EvaluationPeriods COMPLETE periods, aligned to period boundaries (epoch
 * multiples of Period, as CloudWatch buckets datapoints); DatapointsToAlarm
 * breaching periods → ALARM; no data → TreatMissingData. A datapoint in the
 * current, unfinished period counts once the period has ended.
 *
 * Compressed time: with `periodScale: k`, an alarm Period of P seconds
 * lasts P/k seconds of the endpoint's clock (datapoints keep their real
 * timestamps), so a 3-minute scenario on 60 s alarms runs in 3·60/k seconds.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';

export const SERVICE_TARGET = 'GraniteServiceVersion20100801';

/** API limits enforced here (AWS API reference, PutMetricData / PutMetricAlarm / DescribeAlarms). */
export const CLOUDWATCH_LIMITS = {
  maxRequestBytes: 1_048_576,
  maxMetricData: 1000,
  maxDimensions: 30,
  maxValues: 150,
  maxNameLength: 255,
  maxDimensionValueLength: 1024,
  maxAlarmNamesPerCall: 100,
  maxDescribeRecords: 100,
  defaultDescribeRecords: 50,
  listMetricsPageSize: 500,
  maxMetricDataQueries: 500,
  maxPastMs: 14 * 24 * 3600_000,
  maxFutureMs: 2 * 3600_000,
} as const;

const STANDARD_UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count',
  'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second',
  'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);
const COMPARISON_OPERATORS = new Set([
  'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold',
]);
const STATISTICS = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);
const STATE_VALUES = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
const TREAT_MISSING = new Set(['breaching', 'notBreaching', 'ignore', 'missing']);

export interface Dimension {
  Name: string;
  Value: string;
}

/** One stored data point, as PutMetricData received it. */
export interface StoredDatum {
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
  /** Epoch ms (the request's Timestamp, or receive time when absent). */
  Timestamp: number;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Unit?: string;
  /** 1 (high resolution) or 60; absent in the request means 60. */
  StorageResolution: number;
  /** Region from the request's SigV4 credential scope. */
  region: string;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** A stored metric alarm: the PutMetricAlarm input plus state. Timestamps epoch ms. */
export interface StoredAlarm {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions: Dimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  Metrics?: unknown[];
  ThresholdMetricId?: string;
  Tags?: Array<{ Key: string; Value: string }>;
  StateValue: AlarmState;
  StateReason: string;
  StateUpdatedTimestamp: number;
  AlarmConfigurationUpdatedTimestamp: number;
  region: string;
}

/** One request as received (also faulted and refused ones). */
export interface RecordedCall {
  operation: string;
  region: string;
  accessKeyId: string;
  input: Record<string, unknown>;
  /** Request body was gzip-compressed by the SDK. */
  gzip: boolean;
  status: number;
  errorCode?: string;
}

export type FaultKind = 'throttling' | 'internal' | 'unavailable';

export interface FaultSpec {
  kind: FaultKind;
  /** Only this operation (e.g. 'PutMetricData'); default any. */
  operation?: string;
  /** How many matching requests fail; default 1. */
  times?: number;
}

export interface CloudWatchEndpoint {
  /** Base URL, e.g. http://127.0.0.1:41234 — pass as the client's `endpoint` or AWS_ENDPOINT_URL. */
  url: string;
  close(): Promise<void>;
  /** Every accepted data point, in arrival order. */
  metrics: StoredDatum[];
  /** Alarms by name. */
  alarms: Map<string, StoredAlarm>;
  /** Every request, in arrival order. */
  calls: RecordedCall[];
  injectFault(fault: FaultSpec): void;
  /** Forces an alarm's state (like the SetAlarmState API). */
  setAlarmState(name: string, state: AlarmState, reason?: string): void;
  /** Re-evaluates every alarm against stored metrics at the endpoint's clock. */
  evaluateAlarms(): void;
  /** Client settings for this endpoint (dummy credentials). */
  clientConfig(region?: string): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Forgets metrics, alarms, calls and faults. */
  reset(): void;
}

export interface CloudWatchEndpointOptions {
  host?: string;
  port?: number;
  accountId?: string;
  /** Clock for timestamps, alarm evaluation and the Timestamp window (epoch ms). */
  now?: () => number;
  /** Alarm periods last Period/periodScale seconds (compressed time for tests). Default 1. */
  periodScale?: number;
  /** Re-evaluate every alarm this often (ms), so states follow time even without new data. */
  evaluateEveryMs?: number;
  /** Observes every alarm state change (chaos tests count transitions). */
  onStateChange?: (alarm: string, from: AlarmState, to: AlarmState, at: number) => void;
}

type ErrorCode =
  | 'InvalidParameterValue'
  | 'InvalidParameterCombination'
  | 'MissingParameter'
  | 'ResourceNotFound'
  | 'InvalidNextToken'
  | 'Throttling'
  | 'InternalServiceError'
  | 'ServiceUnavailable'
  | 'RequestEntityTooLarge'
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'UnknownOperation'
  | 'SerializationException';

/** Wire shape of each error: `__type` in the body, HTTP status, query-compatible code. */
const ERRORS: Record<ErrorCode, { type: string; status: number }> = {
  InvalidParameterValue: { type: 'com.amazonaws.cloudwatch#InvalidParameterValueException', status: 400 },
  InvalidParameterCombination: { type: 'com.amazonaws.cloudwatch#InvalidParameterCombinationException', status: 400 },
  MissingParameter: { type: 'com.amazonaws.cloudwatch#MissingRequiredParameterException', status: 400 },
  ResourceNotFound: { type: 'com.amazonaws.cloudwatch#ResourceNotFound', status: 404 },
  InvalidNextToken: { type: 'com.amazonaws.cloudwatch#InvalidNextToken', status: 400 },
  Throttling: { type: 'Throttling', status: 400 },
  InternalServiceError: { type: 'com.amazonaws.cloudwatch#InternalServiceFault', status: 500 },
  ServiceUnavailable: { type: 'ServiceUnavailable', status: 503 },
  RequestEntityTooLarge: { type: 'RequestEntityTooLarge', status: 413 },
  MissingAuthenticationToken: { type: 'MissingAuthenticationTokenException', status: 403 },
  IncompleteSignature: { type: 'IncompleteSignatureException', status: 403 },
  UnknownOperation: { type: 'UnknownOperationException', status: 400 },
  SerializationException: { type: 'SerializationException', status: 400 },
};

class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const err = (code: ErrorCode, message: string) => new ApiError(code, message);

// ---------- input helpers (JSON protocol: member names as in the API) ----------

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(input: Obj, key: string, where: string, opts: { required?: boolean; min?: number; max?: number } = {}): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) {
    if (opts.required) throw err('MissingParameter', `The parameter ${where}${key} is required.`);
    return undefined;
  }
  if (typeof v !== 'string') throw err('SerializationException', `${where}${key} must be a string`);
  if (v.length < (opts.min ?? 0) || v.length > (opts.max ?? Infinity)) {
    throw err('InvalidParameterValue', `The parameter ${where}${key} must be between ${opts.min ?? 0} and ${opts.max} characters long.`);
  }
  return v;
}

function num(input: Obj, key: string, where: string, required = false): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) {
    if (required) throw err('MissingParameter', `The parameter ${where}${key} is required.`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw err('SerializationException', `${where}${key} must be a number`);
  return v;
}

function list(input: Obj, key: string, where: string, required = false): unknown[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) {
    if (required) throw err('MissingParameter', `The parameter ${where}${key} is required.`);
    return undefined;
  }
  if (!Array.isArray(v)) throw err('SerializationException', `${where}${key} must be a list`);
  return v;
}

/** JSON 1.0 timestamps are epoch seconds (possibly fractional); ISO text tolerated. */
function timestamp(input: Obj, key: string, where: string, required = false): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) {
    if (required) throw err('MissingParameter', `The parameter ${where}${key} is required.`);
    return undefined;
  }
  if (typeof v === 'number') return Math.round(v * 1000);
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw err('SerializationException', `${where}${key} must be a timestamp`);
}

function dimensions(input: Obj, where: string): Dimension[] {
  const dims = list(input, 'Dimensions', where) ?? [];
  if (dims.length > CLOUDWATCH_LIMITS.maxDimensions) {
    throw err('InvalidParameterValue', `The collection ${where}Dimensions must not have a size greater than ${CLOUDWATCH_LIMITS.maxDimensions}.`);
  }
  const seen = new Set<string>();
  return dims.map((d, i) => {
    const w = `${where}Dimensions.member.${i + 1}.`;
    if (!isObj(d)) throw err('SerializationException', `${w} must be a structure`);
    const Name = str(d, 'Name', w, { required: true, min: 1, max: CLOUDWATCH_LIMITS.maxNameLength }) as string;
    const Value = str(d, 'Value', w, { required: true, min: 1, max: CLOUDWATCH_LIMITS.maxDimensionValueLength }) as string;
    if (seen.has(Name)) throw err('InvalidParameterValue', `The dimension name ${Name} in ${where}Dimensions is duplicated.`);
    seen.add(Name);
    return { Name, Value };
  });
}

function sameDimensions(a: readonly Dimension[], b: readonly Dimension[]): boolean {
  if (a.length !== b.length) return false;
  const key = (d: readonly Dimension[]) => JSON.stringify([...d].sort((x, y) => x.Name.localeCompare(y.Name)));
  return key(a) === key(b);
}

const epochSeconds = (ms: number) => ms / 1000;

// ---------- the server ----------

export async function startCloudWatchEndpoint(opts: CloudWatchEndpointOptions = {}): Promise<CloudWatchEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const accountId = opts.accountId ?? '123456789012';
  const now = opts.now ?? Date.now;
  const metrics: StoredDatum[] = [];
  const alarms = new Map<string, StoredAlarm>();
  const calls: RecordedCall[] = [];
  let faults: Array<Required<Pick<FaultSpec, 'kind' | 'times'>> & { operation?: string }> = [];

  // ---- alarm evaluation ----
  function statOf(values: number[], stat: string): number {
    switch (stat) {
      case 'Sum':
        return values.reduce((a, b) => a + b, 0);
      case 'Minimum':
        return Math.min(...values);
      case 'Maximum':
        return Math.max(...values);
      case 'SampleCount':
        return values.length;
      default:
        return values.reduce((a, b) => a + b, 0) / values.length;
    }
  }

  function breaches(value: number, op: string, threshold: number): boolean {
    switch (op) {
      case 'GreaterThanOrEqualToThreshold':
        return value >= threshold;
      case 'GreaterThanThreshold':
        return value > threshold;
      case 'LessThanThreshold':
        return value < threshold;
      case 'LessThanOrEqualToThreshold':
        return value <= threshold;
      default:
        return false;
    }
  }

  function pointValues(d: StoredDatum): number[] {
    if (d.Value !== undefined) return [d.Value];
    if (d.Values) return d.Values.flatMap((v, i) => Array(Math.max(1, Math.round(d.Counts?.[i] ?? 1))).fill(v) as number[]);
    if (d.StatisticValues) return [d.StatisticValues.Sum / Math.max(1, d.StatisticValues.SampleCount)];
    return [];
  }

  function setState(a: StoredAlarm, state: AlarmState, reason: string): void {
    if (a.StateValue === state) return;
    opts.onStateChange?.(a.AlarmName, a.StateValue, state, now());
    a.StateValue = state;
    a.StateReason = reason;
    a.StateUpdatedTimestamp = now();
  }

  function evaluate(a: StoredAlarm): void {
    if (!a.MetricName || !a.Namespace || !a.Period || !a.EvaluationPeriods || a.Threshold === undefined || !a.ComparisonOperator) return;
    const stat = a.Statistic ?? 'Average';
    const periodMs = (a.Period * 1000) / (opts.periodScale ?? 1);
    // The last complete, aligned periods: [end − E·P, end) with end = start of the current period.
    const end = Math.floor(now() / periodMs) * periodMs;
    const start = end - periodMs * a.EvaluationPeriods;
    const buckets = new Map<number, number[]>();
    for (const d of metrics) {
      if (d.Namespace !== a.Namespace || d.MetricName !== a.MetricName || d.region !== a.region) continue;
      if (!sameDimensions(d.Dimensions, a.Dimensions) || d.Timestamp < start || d.Timestamp >= end) continue;
      const b = Math.floor((end - 1 - d.Timestamp) / periodMs);
      const arr = buckets.get(b) ?? [];
      arr.push(...pointValues(d));
      buckets.set(b, arr);
    }
    const needed = a.DatapointsToAlarm ?? a.EvaluationPeriods;
    let breaching = 0;
    let present = 0;
    for (let b = 0; b < a.EvaluationPeriods; b++) {
      const vals = buckets.get(b);
      if (vals && vals.length > 0) {
        present++;
        if (breaches(statOf(vals, stat), a.ComparisonOperator, a.Threshold)) breaching++;
      } else if (a.TreatMissingData === 'breaching') {
        breaching++;
      }
    }
    if (present === 0) {
      const t = a.TreatMissingData ?? 'missing';
      if (t === 'ignore') return;
      if (t === 'missing') return setState(a, 'INSUFFICIENT_DATA', 'Insufficient Data: no datapoints were received for the evaluation periods.');
      if (t === 'notBreaching') return setState(a, 'OK', 'Threshold Crossed: no datapoints (treated as not breaching).');
    }
    if (breaching >= needed) setState(a, 'ALARM', `Threshold Crossed: ${breaching} out of the last ${a.EvaluationPeriods} datapoints were breaching the threshold (${a.Threshold}).`);
    else setState(a, 'OK', `Threshold Crossed: ${breaching} out of the last ${a.EvaluationPeriods} datapoints were breaching the threshold (${a.Threshold}), below ${needed}.`);
  }

  function evaluateAll(): void {
    for (const a of alarms.values()) evaluate(a);
  }

  // ---- operations ----
  function putMetricData(input: Obj, region: string): Obj {
    const Namespace = str(input, 'Namespace', '', { required: true, min: 1, max: 255 }) as string;
    if (Namespace.startsWith('AWS/') || Namespace.startsWith(':')) {
      throw err('InvalidParameterValue', `The value ${Namespace} for parameter Namespace is invalid.`);
    }
    const data = list(input, 'MetricData', '') ?? [];
    const entity = list(input, 'EntityMetricData', '') ?? [];
    const entityData = entity.flatMap((e) => (isObj(e) ? (list(e, 'MetricData', 'EntityMetricData.member.') ?? []) : []));
    if (data.length + entityData.length === 0) throw err('MissingParameter', 'The parameter MetricData is required.');
    if (data.length + entityData.length > CLOUDWATCH_LIMITS.maxMetricData) {
      throw err('InvalidParameterValue', `The collection MetricData must not have a size greater than ${CLOUDWATCH_LIMITS.maxMetricData}.`);
    }
    const t = now();
    // Validate everything first: the real API stores nothing from a request it refuses.
    const parsed = [...data, ...entityData].map((d, i): StoredDatum => {
      const w = `MetricData.member.${i + 1}.`;
      if (!isObj(d)) throw err('SerializationException', `${w} must be a structure`);
      const MetricName = str(d, 'MetricName', w, { required: true, min: 1, max: CLOUDWATCH_LIMITS.maxNameLength }) as string;
      const Dimensions = dimensions(d, w);
      // JSON cannot carry NaN/Infinity; the SDK sends them as strings, which the real API refuses as values.
      if (typeof d.Value === 'string' && /^-?(NaN|Infinity)$/.test(d.Value)) throw err('InvalidParameterValue', `The value ${d.Value} for parameter ${w}Value is invalid.`);
      const Value = num(d, 'Value', w);
      const Values = list(d, 'Values', w);
      const Counts = list(d, 'Counts', w);
      const sv = d.StatisticValues;
      const given = [Value !== undefined, Values !== undefined, sv !== undefined].filter(Boolean).length;
      if (given > 1) throw err('InvalidParameterCombination', `The parameters ${w}Value, ${w}Values and ${w}StatisticValues are mutually exclusive.`);
      if (given === 0) throw err('MissingParameter', `The parameter ${w}Value is required (or Values or StatisticValues).`);
      const range = 2 ** 360;
      const checkValue = (v: unknown, name: string) => {
        if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > range) throw err('InvalidParameterValue', `The value ${String(v)} for parameter ${name} is invalid.`);
        return v;
      };
      if (Value !== undefined) checkValue(Value, `${w}Value`);
      if (Values) {
        if (Values.length > CLOUDWATCH_LIMITS.maxValues) throw err('InvalidParameterValue', `The collection ${w}Values must not have a size greater than ${CLOUDWATCH_LIMITS.maxValues}.`);
        Values.forEach((v, j) => checkValue(v, `${w}Values.member.${j + 1}`));
        if (Counts && Counts.length !== Values.length) throw err('InvalidParameterValue', `The parameters ${w}Values and ${w}Counts must have the same number of members.`);
      } else if (Counts) {
        throw err('InvalidParameterCombination', `The parameter ${w}Counts requires ${w}Values.`);
      }
      let StatisticValues: StoredDatum['StatisticValues'];
      if (sv !== undefined) {
        if (!isObj(sv)) throw err('SerializationException', `${w}StatisticValues must be a structure`);
        const w2 = `${w}StatisticValues.`;
        StatisticValues = {
          SampleCount: num(sv, 'SampleCount', w2, true) as number,
          Sum: num(sv, 'Sum', w2, true) as number,
          Minimum: num(sv, 'Minimum', w2, true) as number,
          Maximum: num(sv, 'Maximum', w2, true) as number,
        };
      }
      const Unit = str(d, 'Unit', w);
      if (Unit !== undefined && !STANDARD_UNITS.has(Unit)) throw err('InvalidParameterValue', `The value ${Unit} for parameter ${w}Unit is invalid.`);
      const StorageResolution = num(d, 'StorageResolution', w) ?? 60;
      if (StorageResolution !== 1 && StorageResolution !== 60) {
        throw err('InvalidParameterValue', `The value ${StorageResolution} for parameter ${w}StorageResolution is invalid. Valid values are 1 and 60.`);
      }
      const Timestamp = timestamp(d, 'Timestamp', w) ?? t;
      if (Timestamp < t - CLOUDWATCH_LIMITS.maxPastMs || Timestamp > t + CLOUDWATCH_LIMITS.maxFutureMs) {
        throw err('InvalidParameterValue', `The parameter ${w}Timestamp must specify a time no more than two weeks in the past or two hours in the future.`);
      }
      return {
        Namespace,
        MetricName,
        Dimensions,
        Timestamp,
        ...(Value !== undefined ? { Value } : {}),
        ...(Values ? { Values: Values as number[] } : {}),
        ...(Counts ? { Counts: Counts as number[] } : {}),
        ...(StatisticValues ? { StatisticValues } : {}),
        ...(Unit !== undefined ? { Unit } : {}),
        StorageResolution,
        region,
      };
    });
    metrics.push(...parsed);
    evaluateAll();
    return {};
  }

  function putMetricAlarm(input: Obj, region: string): Obj {
    const AlarmName = str(input, 'AlarmName', '', { required: true, min: 1, max: 255 }) as string;
    const hasCriteria = input.EvaluationCriteria !== undefined;
    const EvaluationPeriods = num(input, 'EvaluationPeriods', '', !hasCriteria);
    if (EvaluationPeriods !== undefined && (!Number.isInteger(EvaluationPeriods) || EvaluationPeriods < 1)) {
      throw err('InvalidParameterValue', `The value ${EvaluationPeriods} for parameter EvaluationPeriods is invalid; it must be at least 1.`);
    }
    const ComparisonOperator = str(input, 'ComparisonOperator', '', { required: !hasCriteria });
    if (ComparisonOperator !== undefined && !COMPARISON_OPERATORS.has(ComparisonOperator)) {
      throw err('InvalidParameterValue', `The value ${ComparisonOperator} for parameter ComparisonOperator is invalid.`);
    }
    const Threshold = num(input, 'Threshold', '');
    const ThresholdMetricId = str(input, 'ThresholdMetricId', '');
    if (Threshold === undefined && ThresholdMetricId === undefined && !hasCriteria) throw err('MissingParameter', 'The parameter Threshold is required.');
    const Metrics = list(input, 'Metrics', '');
    const MetricName = str(input, 'MetricName', '', { min: 1, max: 255 });
    const Namespace = str(input, 'Namespace', '', { min: 1, max: 255 });
    if (Metrics && (MetricName !== undefined || Namespace !== undefined)) {
      throw err('InvalidParameterCombination', 'Metrics and MetricName/Namespace cannot be specified together.');
    }
    if (!Metrics && (MetricName === undefined || Namespace === undefined)) {
      throw err('MissingParameter', 'The parameters MetricName and Namespace are required unless Metrics is specified.');
    }
    const Statistic = str(input, 'Statistic', '');
    const ExtendedStatistic = str(input, 'ExtendedStatistic', '');
    const Period = num(input, 'Period', '');
    if (!Metrics) {
      if ((Statistic === undefined) === (ExtendedStatistic === undefined)) {
        throw err('InvalidParameterCombination', 'Exactly one of Statistic and ExtendedStatistic must be specified.');
      }
      if (Statistic !== undefined && !STATISTICS.has(Statistic)) throw err('InvalidParameterValue', `The value ${Statistic} for parameter Statistic is invalid.`);
      if (Period === undefined) throw err('MissingParameter', 'The parameter Period is required.');
    }
    if (Period !== undefined && !(Period === 10 || Period === 20 || Period === 30 || (Number.isInteger(Period) && Period >= 60 && Period % 60 === 0))) {
      throw err('InvalidParameterValue', `The value ${Period} for parameter Period is invalid. Valid values are 10, 20, 30, or any multiple of 60.`);
    }
    if (Period !== undefined && EvaluationPeriods !== undefined) {
      const max = Period >= 3600 ? 7 * 86_400 : 86_400;
      if (Period * EvaluationPeriods > max) throw err('InvalidParameterValue', `The product of EvaluationPeriods and Period must not exceed ${max} seconds.`);
    }
    const DatapointsToAlarm = num(input, 'DatapointsToAlarm', '');
    if (DatapointsToAlarm !== undefined && (DatapointsToAlarm < 1 || (EvaluationPeriods !== undefined && DatapointsToAlarm > EvaluationPeriods))) {
      throw err('InvalidParameterValue', 'DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    }
    const TreatMissingData = str(input, 'TreatMissingData', '');
    if (TreatMissingData !== undefined && !TREAT_MISSING.has(TreatMissingData)) {
      throw err('InvalidParameterValue', `The value ${TreatMissingData} for parameter TreatMissingData is invalid.`);
    }
    const Unit = str(input, 'Unit', '');
    if (Unit !== undefined && !STANDARD_UNITS.has(Unit)) throw err('InvalidParameterValue', `The value ${Unit} for parameter Unit is invalid.`);
    const strings = (key: string) => (list(input, key, '') ?? []).map((v) => String(v));
    const t = now();
    const prev = alarms.get(AlarmName);
    const alarm: StoredAlarm = {
      AlarmName,
      AlarmArn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${AlarmName}`,
      ...(input.AlarmDescription !== undefined ? { AlarmDescription: String(input.AlarmDescription) } : {}),
      ActionsEnabled: input.ActionsEnabled === undefined ? true : Boolean(input.ActionsEnabled),
      OKActions: strings('OKActions'),
      AlarmActions: strings('AlarmActions'),
      InsufficientDataActions: strings('InsufficientDataActions'),
      ...(MetricName !== undefined ? { MetricName } : {}),
      ...(Namespace !== undefined ? { Namespace } : {}),
      ...(Statistic !== undefined ? { Statistic } : {}),
      ...(ExtendedStatistic !== undefined ? { ExtendedStatistic } : {}),
      Dimensions: dimensions(input, ''),
      ...(Period !== undefined ? { Period } : {}),
      ...(Unit !== undefined ? { Unit } : {}),
      ...(EvaluationPeriods !== undefined ? { EvaluationPeriods } : {}),
      ...(DatapointsToAlarm !== undefined ? { DatapointsToAlarm } : {}),
      ...(Threshold !== undefined ? { Threshold } : {}),
      ...(ComparisonOperator !== undefined ? { ComparisonOperator } : {}),
      ...(TreatMissingData !== undefined ? { TreatMissingData } : {}),
      ...(Metrics ? { Metrics } : {}),
      ...(ThresholdMetricId !== undefined ? { ThresholdMetricId } : {}),
      ...(input.Tags !== undefined ? { Tags: input.Tags as Array<{ Key: string; Value: string }> } : {}),
      StateValue: prev?.StateValue ?? 'INSUFFICIENT_DATA',
      StateReason: prev?.StateReason ?? 'Unchecked: Initial alarm creation',
      StateUpdatedTimestamp: prev?.StateUpdatedTimestamp ?? t,
      AlarmConfigurationUpdatedTimestamp: t,
      region,
    };
    alarms.set(AlarmName, alarm);
    evaluate(alarm);
    return {};
  }

  function alarmOut(a: StoredAlarm): Obj {
    const { region: _region, StateUpdatedTimestamp, AlarmConfigurationUpdatedTimestamp, Tags: _tags, ...rest } = a;
    return {
      ...rest,
      StateUpdatedTimestamp: epochSeconds(StateUpdatedTimestamp),
      StateTransitionedTimestamp: epochSeconds(StateUpdatedTimestamp),
      AlarmConfigurationUpdatedTimestamp: epochSeconds(AlarmConfigurationUpdatedTimestamp),
    };
  }

  function pageToken(kind: string, offset: number): string {
    return Buffer.from(JSON.stringify({ kind, offset })).toString('base64url');
  }

  function readToken(input: Obj, kind: string): number {
    const tok = str(input, 'NextToken', '');
    if (tok === undefined) return 0;
    try {
      const parsed = JSON.parse(Buffer.from(tok, 'base64url').toString('utf8')) as { kind?: string; offset?: number };
      if (parsed.kind === kind && typeof parsed.offset === 'number' && parsed.offset >= 0) return parsed.offset;
    } catch {
      // fall through
    }
    throw err('InvalidNextToken', 'The service couldn\u2019t process your request because the NextToken was invalid.');
  }

  function describeAlarms(input: Obj): Obj {
    const names = list(input, 'AlarmNames', '');
    const prefix = str(input, 'AlarmNamePrefix', '', { min: 1, max: 255 });
    if (names && prefix !== undefined) throw err('InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot be specified together.');
    if (names && names.length > CLOUDWATCH_LIMITS.maxAlarmNamesPerCall) {
      throw err('InvalidParameterValue', `The collection AlarmNames must not have a size greater than ${CLOUDWATCH_LIMITS.maxAlarmNamesPerCall}.`);
    }
    const max = num(input, 'MaxRecords', '') ?? CLOUDWATCH_LIMITS.defaultDescribeRecords;
    if (!Number.isInteger(max) || max < 1 || max > CLOUDWATCH_LIMITS.maxDescribeRecords) {
      throw err('InvalidParameterValue', `The value ${max} for parameter MaxRecords is invalid; it must be between 1 and ${CLOUDWATCH_LIMITS.maxDescribeRecords}.`);
    }
    const state = str(input, 'StateValue', '');
    if (state !== undefined && !STATE_VALUES.has(state)) throw err('InvalidParameterValue', `The value ${state} for parameter StateValue is invalid.`);
    const actionPrefix = str(input, 'ActionPrefix', '');
    const types = list(input, 'AlarmTypes', '');
    const offset = readToken(input, 'DescribeAlarms');
    if (types && !types.includes('MetricAlarm')) return { MetricAlarms: [], CompositeAlarms: [] };
    const nameSet = names ? new Set(names.map(String)) : undefined;
    const matching = [...alarms.values()]
      .filter((a) => (nameSet ? nameSet.has(a.AlarmName) : true))
      .filter((a) => (prefix !== undefined ? a.AlarmName.startsWith(prefix) : true))
      .filter((a) => (state !== undefined ? a.StateValue === state : true))
      .filter((a) => (actionPrefix !== undefined ? [...a.AlarmActions, ...a.OKActions, ...a.InsufficientDataActions].some((x) => x.startsWith(actionPrefix)) : true))
      .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : a.AlarmName > b.AlarmName ? 1 : 0));
    const page = matching.slice(offset, offset + max);
    const next = offset + max < matching.length ? pageToken('DescribeAlarms', offset + max) : undefined;
    return { MetricAlarms: page.map(alarmOut), CompositeAlarms: [], ...(next ? { NextToken: next } : {}) };
  }

  function deleteAlarms(input: Obj): Obj {
    const names = (list(input, 'AlarmNames', '', true) ?? []).map(String);
    if (names.length > CLOUDWATCH_LIMITS.maxAlarmNamesPerCall) {
      throw err('InvalidParameterValue', `The collection AlarmNames must not have a size greater than ${CLOUDWATCH_LIMITS.maxAlarmNamesPerCall}.`);
    }
    // As in AWS: one unknown name and nothing is deleted.
    const missing = names.filter((n) => !alarms.has(n));
    if (missing.length > 0) throw err('ResourceNotFound', `${missing.length} of the alarms were not found: [${missing.join(', ')}]`);
    for (const n of names) alarms.delete(n);
    return {};
  }

  function setAlarmStateOp(input: Obj): Obj {
    const name = str(input, 'AlarmName', '', { required: true, min: 1, max: 255 }) as string;
    const state = str(input, 'StateValue', '', { required: true }) as string;
    const reason = str(input, 'StateReason', '', { required: true, max: 1023 }) as string;
    if (!STATE_VALUES.has(state)) throw err('InvalidParameterValue', `The value ${state} for parameter StateValue is invalid.`);
    const a = alarms.get(name);
    if (!a) throw err('ResourceNotFound', `Alarm ${name} not found`);
    setState(a, state as AlarmState, reason);
    return {};
  }

  function getMetricData(input: Obj, region: string): Obj {
    const queries = list(input, 'MetricDataQueries', '', true) ?? [];
    if (queries.length === 0 || queries.length > CLOUDWATCH_LIMITS.maxMetricDataQueries) {
      throw err('InvalidParameterValue', `MetricDataQueries must have between 1 and ${CLOUDWATCH_LIMITS.maxMetricDataQueries} members.`);
    }
    const start = timestamp(input, 'StartTime', '', true) as number;
    const end = timestamp(input, 'EndTime', '', true) as number;
    if (start >= end) throw err('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.');
    const ascending = input.ScanBy === 'TimestampAscending';
    const results = queries.map((q, i) => {
      const w = `MetricDataQueries.member.${i + 1}.`;
      if (!isObj(q)) throw err('SerializationException', `${w} must be a structure`);
      const Id = str(q, 'Id', w, { required: true, min: 1, max: 255 }) as string;
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(Id)) throw err('InvalidParameterValue', `The value ${Id} for parameter ${w}Id is invalid.`);
      if (q.Expression !== undefined) throw err('InvalidParameterValue', `${w}Expression: metric math is not supported by the test endpoint.`);
      const ms = q.MetricStat;
      if (!isObj(ms)) throw err('MissingParameter', `The parameter ${w}MetricStat is required.`);
      const metric = ms.Metric;
      if (!isObj(metric)) throw err('MissingParameter', `The parameter ${w}MetricStat.Metric is required.`);
      const Namespace = str(metric, 'Namespace', `${w}MetricStat.Metric.`, { required: true }) as string;
      const MetricName = str(metric, 'MetricName', `${w}MetricStat.Metric.`, { required: true }) as string;
      const Dimensions = dimensions(metric, `${w}MetricStat.Metric.`);
      const Period = num(ms, 'Period', `${w}MetricStat.`, true) as number;
      const Stat = str(ms, 'Stat', `${w}MetricStat.`, { required: true }) as string;
      if (!STATISTICS.has(Stat)) throw err('InvalidParameterValue', `${w}MetricStat.Stat: only ${[...STATISTICS].join(', ')} are supported by the test endpoint.`);
      const periodMs = Period * 1000;
      const buckets = new Map<number, number[]>();
      for (const d of metrics) {
        if (d.region !== region || d.Namespace !== Namespace || d.MetricName !== MetricName || !sameDimensions(d.Dimensions, Dimensions)) continue;
        if (d.Timestamp < start || d.Timestamp >= end) continue;
        const b = Math.floor(d.Timestamp / periodMs) * periodMs;
        const arr = buckets.get(b) ?? [];
        arr.push(...pointValues(d));
        buckets.set(b, arr);
      }
      const keys = [...buckets.keys()].sort((a, b) => (ascending ? a - b : b - a));
      return {
        Id,
        Label: (q.Label as string | undefined) ?? MetricName,
        Timestamps: keys.map(epochSeconds),
        Values: keys.map((k) => statOf(buckets.get(k) ?? [], Stat)),
        StatusCode: 'Complete',
        returnData: q.ReturnData !== false,
      };
    });
    return { MetricDataResults: results.filter((r) => r.returnData).map(({ returnData: _r, ...r }) => r), Messages: [] };
  }

  function listMetrics(input: Obj, region: string): Obj {
    const ns = str(input, 'Namespace', '');
    const name = str(input, 'MetricName', '');
    const filters = (list(input, 'Dimensions', '') ?? []).map((f, i) => {
      if (!isObj(f)) throw err('SerializationException', `Dimensions.member.${i + 1} must be a structure`);
      return { Name: str(f, 'Name', `Dimensions.member.${i + 1}.`, { required: true }) as string, Value: str(f, 'Value', `Dimensions.member.${i + 1}.`) };
    });
    const offset = readToken(input, 'ListMetrics');
    const seen = new Map<string, Obj>();
    for (const d of metrics) {
      if (d.region !== region) continue;
      if (ns !== undefined && d.Namespace !== ns) continue;
      if (name !== undefined && d.MetricName !== name) continue;
      if (!filters.every((f) => d.Dimensions.some((x) => x.Name === f.Name && (f.Value === undefined || x.Value === f.Value)))) continue;
      const key = JSON.stringify([d.Namespace, d.MetricName, [...d.Dimensions].sort((a, b) => a.Name.localeCompare(b.Name))]);
      if (!seen.has(key)) seen.set(key, { Namespace: d.Namespace, MetricName: d.MetricName, Dimensions: d.Dimensions });
    }
    const all = [...seen.values()];
    const size = CLOUDWATCH_LIMITS.listMetricsPageSize;
    const page = all.slice(offset, offset + size);
    return { Metrics: page, ...(offset + size < all.length ? { NextToken: pageToken('ListMetrics', offset + size) } : {}) };
  }

  const operations: Record<string, (input: Obj, region: string) => Obj> = {
    PutMetricData: putMetricData,
    PutMetricAlarm: putMetricAlarm,
    DescribeAlarms: describeAlarms,
    DeleteAlarms: deleteAlarms,
    SetAlarmState: setAlarmStateOp,
    GetMetricData: getMetricData,
    ListMetrics: listMetrics,
  };

  // ---- HTTP ----
  function send(res: ServerResponse, status: number, body: Obj, extra: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...extra,
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, e: ApiError): number {
    const shape = ERRORS[e.code];
    const fault = shape.status >= 500 ? 'Receiver' : 'Sender';
    send(res, shape.status, { __type: shape.type, message: e.message }, { 'x-amzn-query-error': `${e.code};${fault}` });
    return shape.status;
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // Keep reading (so the client sees our answer, not a reset) but stop storing.
      if (size <= CLOUDWATCH_LIMITS.maxRequestBytes) chunks.push(chunk as Buffer);
    }
    if (size > CLOUDWATCH_LIMITS.maxRequestBytes) throw err('RequestEntityTooLarge', `Request size ${size} exceeded ${CLOUDWATCH_LIMITS.maxRequestBytes} bytes`);
    return Buffer.concat(chunks);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call: RecordedCall = { operation: '', region: '', accessKeyId: '', input: {}, gzip: false, status: 0 };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith(`${SERVICE_TARGET}.`)) {
        throw err('UnknownOperation', `This test endpoint speaks AWS JSON 1.0 (X-Amz-Target: ${SERVICE_TARGET}.<Operation>); got ${req.method} with target "${target}"`);
      }
      call.operation = target.slice(SERVICE_TARGET.length + 1);
      calls.push(call);
      const auth = String(req.headers.authorization ?? '');
      if (!auth) throw err('MissingAuthenticationToken', 'Request is missing Authentication Token');
      const scope = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/.exec(auth);
      if (!scope) throw err('IncompleteSignature', `Authorization header is not a SigV4 signature: ${auth.slice(0, 60)}`);
      call.accessKeyId = scope[1] ?? '';
      call.region = scope[3] ?? '';
      if (scope[4] !== 'monitoring') throw err('IncompleteSignature', `Credential should be scoped to correct service: 'monitoring', not '${scope[4]}'.`);

      let body = await readBody(req);
      if (String(req.headers['content-encoding'] ?? '').includes('gzip')) {
        call.gzip = true;
        body = gunzipSync(body);
      }
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw err('SerializationException', 'Request body is not valid JSON');
      }
      if (!isObj(input)) throw err('SerializationException', 'Request body must be a JSON object');
      call.input = input;

      const fault = faults.find((f) => f.times > 0 && (f.operation === undefined || f.operation === call.operation));
      if (fault) {
        fault.times--;
        faults = faults.filter((f) => f.times > 0);
        if (fault.kind === 'throttling') throw err('Throttling', 'Rate exceeded');
        if (fault.kind === 'unavailable') throw err('ServiceUnavailable', 'Service is unavailable (injected fault)');
        throw err('InternalServiceError', 'Internal service error (injected fault)');
      }
      const op = operations[call.operation];
      if (!op) throw err('UnknownOperation', `Operation ${call.operation} is not implemented by the test endpoint`);
      const out = op(input, call.region);
      call.status = 200;
      send(res, 200, out);
    } catch (e) {
      const apiErr = e instanceof ApiError ? e : err('InternalServiceError', (e as Error).message);
      call.errorCode = apiErr.code;
      call.status = sendError(res, apiErr);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  const ticker = opts.evaluateEveryMs ? setInterval(evaluateAll, opts.evaluateEveryMs) : undefined;
  ticker?.unref();

  return {
    url,
    metrics,
    alarms,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        if (ticker) clearInterval(ticker);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    injectFault(f) {
      faults.push({ kind: f.kind, times: f.times ?? 1, ...(f.operation ? { operation: f.operation } : {}) });
    },
    setAlarmState(name, state, reason = 'set by test') {
      const a = alarms.get(name);
      if (!a) throw new Error(`no alarm ${name}`);
      setState(a, state, reason);
    },
    evaluateAlarms: evaluateAll,
    clientConfig: (region = 'us-east-1') => ({ endpoint: url, region, credentials: { accessKeyId: 'AKIDTESTENDPOINT', secretAccessKey: 'test-secret-not-real' } }),
    reset() {
      metrics.length = 0;
      alarms.clear();
      calls.length = 0;
      faults = [];
    },
  };
}
