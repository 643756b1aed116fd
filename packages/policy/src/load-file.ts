/// <reference types="node" />
/**
 * Reading policy files from disk. The only part of this package that uses
 * Node built-ins; the Worker entry (neutral.ts) leaves it out.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parsePolicy, type ParseResult } from './parse.js';

/** The policy file could not be read (missing, unreadable, a directory). */
export class PolicyReadError extends Error {
  readonly code = 'E_POLICY_READ';

  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    const sys = (cause as NodeJS.ErrnoException | undefined)?.code;
    const why =
      sys === 'ENOENT' ? 'no such file'
      : sys === 'EACCES' ? 'permission denied'
      : sys === 'EISDIR' ? 'it is a directory'
      : cause instanceof Error ? cause.message : String(cause);
    super(`cannot read policy file '${file}': ${why}${sys === 'ENOENT' ? ' (the example policy is config/policy.yaml)' : ''}`);
    this.name = 'PolicyReadError';
  }
}

/** Reads and validates a policy file (YAML, or JSON by extension). Throws PolicyReadError when unreadable. */
export async function loadPolicyFile(path: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PolicyReadError(path, err);
  }
  return parsePolicy(text, path);
}

/** Synchronous loadPolicyFile, for start-up code that cannot await. */
export function loadPolicyFileSync(path: string): ParseResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PolicyReadError(path, err);
  }
  return parsePolicy(text, path);
}
