/**
 * SDK clients. Credentials come from the standard AWS SDK chain
 * (environment, shared config/credentials files, SSO, web identity,
 * container or instance metadata). The endpoint is `endpoint` when given,
 * else whatever the SDK resolves, which honours AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_ROUTE_53 / AWS_ENDPOINT_URL_CLOUDWATCH for emulators.
 */
import { Route53Client } from '@aws-sdk/client-route-53';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

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
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
  });
}

/** A CloudWatch client for the alarms' region, SDK retries off. */
export function makeCloudWatchClient(opts: ClientOptions = {}): CloudWatchClient {
  return new CloudWatchClient({
    region: cloudwatchRegionOf(opts),
    maxAttempts: 1,
    ...(opts.cloudwatchEndpoint !== undefined ? { endpoint: opts.cloudwatchEndpoint } : {}),
  });
}

/** The alarms' region after defaults. */
export function cloudwatchRegionOf(opts: ClientOptions): string {
  return opts.cloudwatchRegion ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
}
