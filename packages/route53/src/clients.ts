/**
 * SDK clients. Credentials come from the standard AWS SDK chain
 * (environment, shared config/credentials files, SSO, web identity,
 * container or instance metadata). The endpoint is `endpoint` when given,
 * else whatever the SDK resolves, which honours AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_ROUTE_53 / AWS_ENDPOINT_URL_CLOUDWATCH for emulators.
 */
import { Route53Client } from '@aws-sdk/client-route-53';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/**
 * Connect within 2.5 s, answer within 4 s: a dead, black-holed or hung
 * endpoint must fail fast (E_R53_UNREACHABLE within 10 s, retry.ts), not
 * hang. Route53 and CloudWatch answer every call edgesteer makes (≤ 1,000
 * changes, ≤ 300 records a page) well within that.
 */
function requestHandler(): { connectionTimeout: number; requestTimeout: number } {
  // The SDK builds its Node handler from these options; without
  // throwOnRequestTimeout a request past requestTimeout only logs a warning.
  return { connectionTimeout: 2500, requestTimeout: 4000, throwOnRequestTimeout: true } as { connectionTimeout: number; requestTimeout: number };
}

/** Where to send requests. */
export interface ClientOptions {
  /** Route53 endpoint URL (emulators). */
  endpoint?: string;
  /** CloudWatch endpoint URL (emulators). */
  cloudwatchEndpoint?: string;
  /** Region of the CloudWatch alarms. Default AWS_REGION, else us-east-1. */
  cloudwatchRegion?: string;
}

/** Route53 is global; the SDK still wants a signing region. */
const ROUTE53_SIGNING_REGION = 'us-east-1';

/**
 * A Route53 client with the SDK's retries off: the reconciler retries
 * itself (retry.ts) and counts every attempt against its token bucket.
 */
export function makeRoute53Client(opts: ClientOptions = {}): Route53Client {
  return new Route53Client({
    region: ROUTE53_SIGNING_REGION,
    maxAttempts: 1,
    requestHandler: requestHandler(),
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
  });
}

/** A CloudWatch client for the alarms' region, SDK retries off. */
export function makeCloudWatchClient(opts: ClientOptions = {}): CloudWatchClient {
  return new CloudWatchClient({
    region: cloudwatchRegionOf(opts),
    maxAttempts: 1,
    requestHandler: requestHandler(),
    ...(opts.cloudwatchEndpoint !== undefined ? { endpoint: opts.cloudwatchEndpoint } : {}),
  });
}

/**
 * The alarms' region after defaults: `cloudwatchRegion` (the reconciler sets
 * it from the policy's `health.alarmRegion`), else us-east-1. Deliberately
 * not AWS_REGION: the probes publish to the policy's region whatever their
 * environment, and the alarms must sit where the votes land.
 */
export function cloudwatchRegionOf(opts: ClientOptions): string {
  return opts.cloudwatchRegion ?? 'us-east-1';
}
