/**
 * Parses and validates a policy file's text. Runtime-neutral (no Node
 * built-ins): the Worker bundles it.
 *
 * YAML and JSON go through the same YAML 1.2 parser (JSON is a subset), so
 * both get node positions for free; a .json file is additionally held to
 * strict JSON so other tools can read it too.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { Finding } from './finding.js';
import { severityOf } from './finding.js';
import type { Problem } from './problem.js';
import { sortProblems } from './problem.js';
import { PolicySchema, type Policy } from './schema.js';
import { SourceMap } from './source-map.js';
import { semanticFindings } from './validate.js';
import { findingsFromZod } from './zod-issues.js';

/** Source format; picked from the file extension when not given. */
export type PolicyFormat = 'yaml' | 'json';

/** The outcome of parsing a policy: a usable policy with warnings, or every problem found. */
export type ParseResult =
  | { ok: true; policy: Policy; problems: Problem[] }
  | { ok: false; problems: Problem[] };

/** `json` for *.json, `yaml` otherwise. */
export function formatFromFileName(file: string): PolicyFormat {
  return /\.json$/i.test(file) ? 'json' : 'yaml';
}

const YAML_HINTS: Record<string, string> = {
  BAD_INDENT: 'check the indentation: nested keys need more spaces than their parent, and never tabs',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MISSING_CHAR: 'a bracket, brace or quote is not closed',
  MULTIPLE_DOCS: 'put one policy in one file (remove the --- separator)',
  BLOCK_AS_IMPLICIT_KEY: 'a key is missing its colon, or a value spans lines without indentation',
  MULTILINE_IMPLICIT_KEY: 'a key is missing its colon, or a value spans lines without indentation',
  UNEXPECTED_TOKEN: 'remove or quote the unexpected character',
};

/**
 * Parses policy text and validates it completely: syntax, schema and every
 * cross-reference rule, each problem with its file:line:col. Problems are
 * sorted by position; warnings do not make the result fail.
 *
 * @param text - file content
 * @param file - name used in problems (and to pick the format)
 * @param format - overrides the extension-based choice
 */
export function parsePolicy(text: string, file: string, format: PolicyFormat = formatFromFileName(file)): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const map = new SourceMap(doc, lines);
  const problems: Problem[] = [];
  const at = (offset: number) => map.offset(offset);

  for (const err of doc.errors) {
    const { line, col } = at(err.pos[0]);
    const duplicate = err.code === 'DUPLICATE_KEY';
    problems.push({
      file,
      line,
      col,
      rule: duplicate ? 'duplicate-key' : format === 'json' ? 'json-syntax' : 'yaml-syntax',
      severity: 'error',
      message: duplicate
        ? `key '${keyTextAt(text, err.pos[0])}' is already set earlier in the same mapping`
        : err.code === 'MULTIPLE_DOCS'
          ? 'the file holds more than one YAML document'
          : firstLine(err.message),
      hint: duplicate ? 'keep one of the two entries; with both, which one wins is unclear' : (YAML_HINTS[err.code] ?? 'fix the syntax at this position'),
    });
  }
  if (format === 'json' && doc.errors.length === 0) {
    const jsonProblem = strictJsonProblem(text, file);
    if (jsonProblem) problems.push(jsonProblem);
  }
  // With a syntax error the data is a guess; schema findings on it would be noise.
  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems: sortProblems(problems) };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // The one way toJS fails on a parsed document: alias expansion beyond the limit (a "billion laughs" file).
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, problems: [{ file, line: 1, col: 1, rule: 'yaml-syntax', severity: 'error', message, hint: 'use fewer aliases (*name); write the data out' }] };
  }
  if (data === null || data === undefined) {
    problems.push({ file, line: 1, col: 1, rule: 'file-empty', severity: 'error', message: 'the policy file is empty', hint: 'start from config/policy.yaml' });
    return { ok: false, problems };
  }

  const parsed = PolicySchema.safeParse(data);
  const findings: Finding[] = [...(parsed.success ? [] : findingsFromZod(PolicySchema, data, parsed.error.issues)), ...semanticFindings(data)];
  for (const f of findings) {
    const { line, col } = map.position(f.path, f.anchor);
    problems.push({ file, line, col, rule: f.rule, severity: severityOf(f), message: f.message, hint: f.hint });
  }
  const sorted = sortProblems(problems);
  if (!parsed.success || sorted.some((p) => p.severity === 'error')) return { ok: false, problems: sorted };
  return { ok: true, policy: parsed.data, problems: sorted };
}

/** The key written at `offset` (the yaml error only marks its first character). */
function keyTextAt(text: string, offset: number): string {
  const m = /^("[^"\n]*"|'[^'\n]*'|[^:#\n,{}]+)/.exec(text.slice(offset));
  return (m?.[1] ?? '?').trim().replace(/^["']|["']$/g, '');
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** A .json file that YAML accepts but JSON.parse does not (comments, trailing commas, single quotes). */
function strictJsonProblem(text: string, file: string): Problem | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // V8: "... in JSON at position 42 (line 3 column 5)".
    const m = /line (\d+) column (\d+)/.exec(message);
    const pos = /position (\d+)/.exec(message);
    let line = m ? Number(m[1]) : 1;
    let col = m ? Number(m[2]) : 1;
    if (!m && pos) {
      const before = text.slice(0, Number(pos[1]));
      line = before.split('\n').length;
      col = before.length - before.lastIndexOf('\n');
    }
    return {
      file,
      line,
      col,
      rule: 'json-syntax',
      severity: 'error',
      message: `not strict JSON: ${message.replace(/ in JSON at position.*$/, '').replace(/^JSON\.parse: /, '')}`,
      hint: 'JSON allows no comments, trailing commas or single quotes; or rename the file to .yaml',
    };
  }
}
