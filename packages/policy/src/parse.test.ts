/// <reference types="node" />
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile, loadPolicyFileSync, PolicyReadError } from './load-file.js';
import { parsePolicy, type ParseResult } from './parse.js';
import { PolicyError, policyOrThrow } from './policy-error.js';
import { formatProblem, sortProblems, type Problem } from './problem.js';

const configDir = new URL('../../../config/', import.meta.url);
const shipped = [
  'policy.yaml',
  ...readdirSync(new URL('examples/', configDir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `examples/${f}`),
];

function okPolicy(r: ParseResult) {
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.policy;
}

describe('shipped policies', () => {
  it.each(shipped)('config/%s is valid, with no warnings, and points editors at the JSON Schema', (name) => {
    const text = readFileSync(new URL(name, configDir), 'utf8');
    const r = parsePolicy(text, name);
    expect(r.problems.map(formatProblem)).toEqual([]);
    expect(r.ok).toBe(true);
    const schemaRef = name.startsWith('examples/') ? '../policy.schema.json' : './policy.schema.json';
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${schemaRef}`);
    // Everything a probe connects to must be on loopback.
    for (const e of okPolicy(r).edges) expect(e.check.address ?? e.ipv4[0]).toMatch(/^127\./);
  });

  it('config/policy.yaml has the shape the rest of the system builds on', () => {
    const p = okPolicy(parsePolicy(readFileSync(new URL('policy.yaml', configDir), 'utf8'), 'policy.yaml'));
    expect(p.owner).toBe('edgesteer-demo');
    expect(p.regions.map((r) => [r.id, r.aws, r.default])).toEqual([
      ['us-east', 'us-east-1', true],
      ['eu-west', 'eu-west-1', false],
      ['ap-south', 'ap-southeast-1', false],
    ]);
    expect(p.edges.map((e) => [e.id, e.region, e.ipv4, e.check.address, e.check.port])).toEqual([
      ['use1', 'us-east', ['127.0.0.11'], '127.0.0.11', 18080],
      ['euw1', 'eu-west', ['127.0.0.12'], '127.0.0.12', 18080],
      ['aps1', 'ap-south', ['127.0.0.13'], '127.0.0.13', 18080],
    ]);
    expect(p.services.map((s) => [s.id, s.name, s.edges, s.answers, s.ttl, s.steering])).toEqual([
      ['cdn', 'cdn.example.com', ['use1', 'euw1', 'aps1'], 1, 30, 'latency'],
      ['api', 'api.example.com', ['use1', 'euw1'], 2, 20, 'latency'],
    ]);
    expect(p.health).toEqual({ quorum: 2, staleAfterMs: 15000, rttAlpha: 0.3 });
    expect(p.zones[0]?.route53).toBeUndefined();
  });
});

describe('round trip', () => {
  it.each(shipped)('config/%s: YAML → JSON → parse as JSON gives the same policy, and so does YAML re-serialised', (name) => {
    const fromYaml = okPolicy(parsePolicy(readFileSync(new URL(name, configDir), 'utf8'), name));
    const fromJson = okPolicy(parsePolicy(JSON.stringify(fromYaml, null, 2), 'policy.json'));
    expect(fromJson).toEqual(fromYaml);
    const again = okPolicy(parsePolicy(stringify(fromYaml), 'again.yaml'));
    expect(again).toEqual(fromYaml);
  });

  it('picks JSON by extension, with positions: a JSON problem has its line and column', () => {
    const text = readFileSync(new URL('policy.yaml', configDir), 'utf8');
    const data = okPolicy(parsePolicy(text, 'p.yaml')) as unknown as { edges: { region: string }[] };
    data.edges[1]!.region = 'nowhere';
    const json = JSON.stringify(data, null, 2);
    const r = parsePolicy(json, 'p.json');
    const line = json.split('\n').findIndex((l) => l.includes('"nowhere"')) + 1;
    const col = json.split('\n')[line - 1]!.indexOf('"nowhere"') + 1;
    expect(r.problems.map((p) => [p.rule, p.line, p.col])).toEqual([['unknown-region', line, col]]);
  });
});

describe('strict JSON for .json files', () => {
  it.each([
    ['a comment', '{\n  "version": 1,\n  // note\n  "owner": "x"\n}\n', 3, 3],
    ['a trailing comma', '{\n  "version": 1,\n  "owner": "x",\n}\n', 4, 1],
    ['single quotes', "{\n  'version': 1\n}\n", 2, 3],
  ])('rejects %s with json-syntax at its position', (_what, text, line, col) => {
    const r = parsePolicy(text, 'p.json');
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.rule, p.line, p.col])).toEqual([['json-syntax', line, col]]);
  });

  it('accepts the same text as YAML (format given explicitly)', () => {
    const r = parsePolicy('{\n  "version": 1,\n  // note\n  "owner": "x"\n}\n', 'p.json', 'yaml');
    expect(r.problems.some((p) => p.rule === 'json-syntax' || p.rule === 'yaml-syntax')).toBe(false);
  });

  it('reports a JSON structure error as json-syntax', () => {
    const r = parsePolicy('{\n  "version": 1,\n  "zones": [}\n', 'p.json');
    expect(r.problems.length).toBeGreaterThan(0);
    expect(new Set(r.problems.map((p) => p.rule))).toEqual(new Set(['json-syntax']));
    expect(r.problems[0]!.line).toBe(3);
  });
});

describe('YAML edge cases', () => {
  it('follows aliases to the anchored node for positions', () => {
    const text = [
      'version: 1',
      'owner: alias-demo',
      'zones: [{ name: example.com, soa: { mname: ns1.example.com, rname: h.example.com }, nameservers: [{ name: ns1.example.com, ipv4: [127.0.0.1] }] }]',
      'regions: [{ id: r1, aws: us-east-1, default: true }]',
      'edges:',
      '  - id: e1',
      '    region: r1',
      '    ipv4: [127.0.0.11]',
      '    check: &chk',
      '      type: http',
      '      port: 0',
      '  - id: e2',
      '    region: r1',
      '    ipv4: [127.0.0.12]',
      '    check: *chk',
      'services: [{ id: s, name: s.example.com, edges: [e1, e2] }]',
      '',
    ].join('\n');
    const r = parsePolicy(text, 'alias.yaml');
    // Both edges share the anchored check; both findings land on the anchor's line and collapse into one.
    expect(r.problems.map((p) => [p.rule, p.line, p.col])).toEqual([['schema-range', 11, 13]]);
  });

  it('stops a billion-laughs file instead of expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const r = parsePolicy(lines.join('\n') + '\n', 'bomb.yaml');
    expect(r.ok).toBe(false);
    expect(r.problems[0]?.rule).toBe('yaml-syntax');
  });

  it('reports a document separator as one policy per file', () => {
    const r = parsePolicy('version: 1\n---\nversion: 1\n', 'two.yaml');
    expect(r.problems.map((p) => [p.rule, p.line])).toEqual([['yaml-syntax', 2]]);
  });
});

describe('problems', () => {
  const p = (line: number, col: number, severity: Problem['severity'], rule = 'r'): Problem => ({ file: 'f.yaml', line, col, rule, severity, message: 'm', hint: 'h' });

  it('formats as file:line:col rule message (hint)', () => {
    expect(formatProblem({ ...p(3, 7, 'error', 'unknown-edge'), message: "unknown edge 'x'", hint: 'define it' })).toBe("f.yaml:3:7 unknown-edge unknown edge 'x' (hint: define it)");
    expect(formatProblem(p(1, 2, 'warning', 'zone-overlap'))).toBe('f.yaml:1:2 zone-overlap warning: m (hint: h)');
  });

  it('sorts by position, errors first, and drops exact duplicates', () => {
    const sorted = sortProblems([p(9, 1, 'error'), p(2, 5, 'warning'), p(2, 5, 'error'), p(2, 1, 'error'), p(9, 1, 'error')]);
    expect(sorted.map((x) => `${x.line}:${x.col}:${x.severity}`)).toEqual(['2:1:error', '2:5:error', '2:5:warning', '9:1:error']);
  });

  it('PolicyError carries the code and every problem; policyOrThrow passes valid policies through', () => {
    const bad = parsePolicy('version: 1\n', 'x.yaml');
    expect(() => policyOrThrow(bad)).toThrow(PolicyError);
    try {
      policyOrThrow(bad);
    } catch (err) {
      const e = err as PolicyError;
      expect(e.code).toBe('E_POLICY_INVALID');
      expect(e.problems).toEqual(bad.problems);
      expect(e.message).toContain("x.yaml:1:1 schema-required policy is missing required key 'owner'");
    }
    const good = parsePolicy(readFileSync(new URL('policy.yaml', configDir), 'utf8'), 'p.yaml');
    expect(policyOrThrow(good).owner).toBe('edgesteer-demo');
  });
});

describe('loadPolicyFile', () => {
  const path = fileURLToPath(new URL('policy.yaml', configDir));

  it('reads and parses a file, naming problems after the path', async () => {
    const r = await loadPolicyFile(path);
    expect(r.ok).toBe(true);
    expect(loadPolicyFileSync(path)).toEqual(r);
    const bad = await loadPolicyFile(fileURLToPath(new URL('./fixtures/bad/unknown-edge.yaml', import.meta.url)));
    expect(bad.problems[0]?.file).toMatch(/fixtures\/bad\/unknown-edge\.yaml$/);
  });

  it.each([
    ['a missing file', `${path}.missing`, /no such file/],
    ['a directory', fileURLToPath(configDir), /directory/],
  ])('throws PolicyReadError (E_POLICY_READ) for %s', async (_what, p, why) => {
    const err = await loadPolicyFile(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyReadError);
    expect((err as PolicyReadError).code).toBe('E_POLICY_READ');
    expect((err as PolicyReadError).message).toMatch(why);
    expect(() => loadPolicyFileSync(p)).toThrow(PolicyReadError);
  });
});

describe('route53 hosted zone id', () => {
  const withZoneId = (id: string) => {
    const p = parsePolicy(readFileSync(new URL('policy.yaml', configDir), 'utf8'), 'policy.yaml');
    const policy = structuredClone(okPolicy(p)) as unknown as { zones: Array<{ route53?: { hostedZoneId: string } }> };
    policy.zones[0]!.route53 = { hostedZoneId: id };
    return parsePolicy(JSON.stringify(policy), 'p.json');
  };
  it.each(['Z0123456789ABC', '/hostedzone/Z0123456789ABC'])('accepts %s (the form the AWS CLI prints too)', (id) => {
    expect(withZoneId(id).ok).toBe(true);
  });
  it.each(['z0123', '/hostedzone/', 'hostedzone/Z01', 'Z01/'])('refuses %s', (id) => {
    expect(withZoneId(id).ok).toBe(false);
  });
});
