/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as `JSON.stringify` writes them. For the plain data
 * core hashes (strings, finite numbers, booleans, null, arrays, plain
 * objects) this is the same text as RFC 8785 (JCS), so two processes that
 * hold equal values produce equal bytes whatever order their keys were
 * inserted in.
 */
import { CoreError } from './errors.js';

/**
 * Serialises `value` canonically. Like `JSON.stringify`, object members whose
 * value is `undefined` are left out, `undefined` inside arrays becomes `null`
 * and `toJSON()` is honoured. Non-finite numbers, bigints, functions and
 * symbols throw `E_CORE_CANONICAL_JSON`: a hash over silently mangled data
 * would prove nothing.
 */
export function canonicalJson(value: unknown): string {
  return write(value);
}

function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CoreError('E_CORE_CANONICAL_JSON', `${value} is not a finite number: canonical JSON holds finite numbers only`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      break;
    default:
      throw new CoreError('E_CORE_CANONICAL_JSON', `a ${typeof value} cannot be written as canonical JSON (plain data only)`);
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return write(withToJson.toJSON());
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) s += ',';
      const item: unknown = value[i];
      s += item === undefined ? 'null' : write(item);
    }
    return s + ']';
  }
  const obj = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is what RFC 8785 asks for.
  const keys = Object.keys(obj).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + write(v);
    first = false;
  }
  return s + '}';
}
