/**
 * @edgesteer/policy — the routing policy: schema, parsing with file:line:col
 * problems, validation rules, JSON Schema, and (Node only) file loading.
 */
export * from './neutral.js';
export { loadPolicyFile, loadPolicyFileSync, PolicyReadError } from './load-file.js';
