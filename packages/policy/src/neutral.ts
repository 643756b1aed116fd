/**
 * Everything in this package that runs without Node built-ins: the entry the
 * Worker bundles (`@edgesteer/policy/neutral`, and the `workerd`/`worker`
 * export condition of `@edgesteer/policy`).
 */
export * from './schema.js';
export * from './cidr.js';
export { parsePolicy, formatFromFileName, type ParseResult, type PolicyFormat } from './parse.js';
export { formatProblem, sortProblems, compareProblems, type Problem, type Severity } from './problem.js';
export { RULES, type RuleId } from './rules.js';
export { PolicyError, policyOrThrow } from './policy-error.js';
export { policyJsonSchemaText } from './json-schema-text.js';
export { CodedError, errorCodeOf } from './coded-error.js';
