/**
 * Turns zod issues into findings with readable messages and the specific rule
 * ids operators look up (interval-out-of-bounds rather than "too_small").
 */
import type { z } from 'zod';
import { describePath, hasPath, showValue, valueAt } from './data-path.js';
import { didYouMean } from './did-you-mean.js';
import type { Finding } from './finding.js';
import type { RuleId } from './rules.js';
import { allowedKeys, schemaAt } from './schema-walk.js';
import type { DataPath } from './source-map.js';

const TYPE_WORDS: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** Range rules the issue tracker and the docs name, by the key they guard. */
function rangeRule(path: DataPath): RuleId {
  const key = path[path.length - 1];
  const parent = path[path.length - 2];
  if (key === 'intervalMs') return 'interval-out-of-bounds';
  if (key === 'timeoutMs') return 'timeout-out-of-bounds';
  if (key === 'ttl' || (key === 'minimum' && parent === 'soa')) return 'ttl-out-of-bounds';
  if (key === 'weight') return 'weight-out-of-range';
  return 'schema-range';
}

const UNIT_HINTS: Partial<Record<RuleId, string>> = {
  'interval-out-of-bounds': 'intervalMs is in milliseconds: 5000 probes every 5 s',
  'timeout-out-of-bounds': 'timeoutMs is in milliseconds and must stay below intervalMs',
  'ttl-out-of-bounds': 'TTLs are in seconds',
  'weight-out-of-range': 'weights are relative shares between 0 (no traffic) and 255',
};

interface Bounds {
  minValue?: number | null;
  maxValue?: number | null;
}

function keyName(path: DataPath): string {
  const last = path[path.length - 1];
  const prev = path[path.length - 2];
  if (last === undefined) return 'policy';
  if (typeof last === 'number') return typeof prev === 'string' ? `${prev} entry` : `entry ${last}`;
  return last;
}

function numberRange(root: z.ZodType, path: DataPath, issue: z.core.$ZodIssue): string {
  const s = schemaAt(root, path) as Bounds | undefined;
  const lo = s?.minValue ?? (issue.code === 'too_small' ? Number(issue.minimum) : undefined);
  const hi = s?.maxValue ?? (issue.code === 'too_big' ? Number(issue.maximum) : undefined);
  const exclusiveLo = issue.code === 'too_small' && issue.inclusive === false;
  const loText = lo === undefined || lo === null || !Number.isFinite(lo) ? '' : `${exclusiveLo ? 'more than ' : ''}${lo}`;
  const hiText = hi === undefined || hi === null || !Number.isFinite(hi) ? '' : String(hi);
  if (loText && hiText) return exclusiveLo ? `${loText} and at most ${hiText}` : `${loText}..${hiText}`;
  return loText ? `at least ${loText}` : `at most ${hiText}`;
}

/** Maps every zod issue to one or more findings (one per unknown key). */
export function findingsFromZod(root: z.ZodType, data: unknown, issues: readonly z.core.$ZodIssue[]): Finding[] {
  const out: Finding[] = [];
  for (const issue of issues) out.push(...mapIssue(root, data, issue));
  return out;
}

function mapIssue(root: z.ZodType, data: unknown, issue: z.core.$ZodIssue): Finding[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const value = valueAt(data, path);
  const where = describePath(data, path.slice(0, -1));
  const key = keyName(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, path);
      return issue.keys.map((k) => ({
        path: [...path, k],
        anchor: 'key' as const,
        rule: 'schema-unknown-key' as const,
        message: `unknown key '${k}' in ${describePath(data, path)}${didYouMean(k, allowed)}`,
        hint: allowed.length ? `allowed keys here: ${allowed.join(', ')}` : 'remove the key',
      }));
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      if (path.length === 0) {
        return [{
          path,
          rule: 'schema-type',
          message: `the policy must be a mapping, got ${showValue(value)}`,
          hint: 'start from config/policy.yaml: a mapping with version, owner, zones, regions, edges, services',
        }];
      }
      if (!hasPath(data, path)) {
        return [{
          path,
          rule: 'schema-required',
          message: `${where} is missing required key '${key}'`,
          hint: `add '${key}:' with ${expected}`,
        }];
      }
      const isFraction = issue.expected === 'int' && typeof value === 'number';
      return [{
        path,
        rule: 'schema-type',
        message: `${key} must be ${expected}, got ${isFraction ? `the fraction ${value}` : showValue(value)}`,
        hint:
          issue.expected === 'array' && value !== null && typeof value !== 'object'
            ? `write a list: ${key}: [${typeof value === 'string' ? value : String(value)}]`
            : issue.expected === 'object'
              ? 'indent the keys that belong under it'
              : issue.expected === 'number' || issue.expected === 'int'
                ? 'write the number without quotes or units'
                : `use ${expected}`,
      }];
    }
    case 'too_small':
    case 'too_big': {
      if (issue.origin === 'array' || issue.origin === 'set') {
        const n = issue.code === 'too_small' ? Number(issue.minimum) : Number(issue.maximum);
        const word = issue.code === 'too_small' ? 'at least' : 'at most';
        return [{ path, rule: 'schema-range', message: `${key} must list ${word} ${n} item${n === 1 ? '' : 's'}`, hint: `add ${key} entries` }];
      }
      if (issue.origin === 'string') {
        const n = issue.code === 'too_small' ? Number(issue.minimum) : Number(issue.maximum);
        const word = issue.code === 'too_small' ? 'at least' : 'at most';
        return [{ path, rule: 'schema-range', message: `${key} must be ${word} ${n} characters long`, hint: issue.code === 'too_big' ? 'shorten it' : 'fill it in' }];
      }
      const rule = rangeRule(path);
      const range = numberRange(root, path, issue);
      return [{
        path,
        rule,
        message: `${key} ${showValue(value)} is out of bounds: allowed ${range}`,
        hint: UNIT_HINTS[rule] ?? `use a value in ${range}`,
      }];
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      if (path.length === 1 && path[0] === 'version') {
        return [{ path, rule: 'schema-value', message: `unsupported policy version ${showValue(value)}`, hint: 'this edgesteer reads version: 1' }];
      }
      const shown = typeof value === 'string' ? value : String(value);
      return [{
        path,
        rule: 'schema-value',
        message: `${key} ${showValue(value)} is not one of the allowed values${didYouMean(shown, allowed)}`,
        hint: `allowed: ${allowed.join(', ')}`,
      }];
    }
    case 'invalid_format': {
      const what =
        issue.format === 'ipv4' ? 'is not a valid IPv4 address'
        : issue.format === 'ipv6' ? 'is not a valid IPv6 address'
        : issue.format === 'starts_with' ? `must start with '${(issue as { prefix?: string }).prefix ?? ''}'`
        : issue.message;
      const hint =
        issue.format === 'ipv4' ? 'write four decimal numbers 0-255, e.g. 10.0.0.10'
        : issue.format === 'ipv6' ? 'write an IPv6 address such as 2001:db8::10 (no brackets, no prefix length)'
        : issue.format === 'starts_with' ? `begin the value with '${(issue as { prefix?: string }).prefix ?? ''}'`
        : 'fix the spelling of the value';
      return [{ path, rule: 'schema-format', message: `${key} ${showValue(value)} ${what}`, hint }];
    }
    default:
      return [{ path, rule: 'schema-invalid', message: `${describePath(data, path)}: ${issue.message}`, hint: 'see the field reference in packages/policy/README.md' }];
  }
}
