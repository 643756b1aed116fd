import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoEdges } from './demo-edges.js';
import { startDemoControl, type DemoControl } from './demo-control.js';

const calls: string[] = [];
const demo = {
  edges: () => [],
  set: async (id: string, action: string) => {
    calls.push(`${id} ${action}`);
    return { id, action };
  },
} as unknown as DemoEdges;

let control: DemoControl;
beforeAll(async () => {
  control = await startDemoControl(demo, '127.0.0.1:0');
});
afterAll(() => control.close());

describe('demo control refuses what another web page could send', () => {
  it.each([
    { name: 'a JSON POST from curl or `edgesteer demo`', headers: { 'content-type': 'application/json' }, status: 200 },
    { name: 'a JSON POST from its own origin', headers: { 'content-type': 'application/json', origin: 'SELF', 'sec-fetch-site': 'same-origin' }, status: 200 },
    { name: 'a text/plain POST (a "simple" cross-site fetch)', headers: { 'content-type': 'text/plain' }, status: 415 },
    { name: 'a form POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
    { name: 'a POST from another origin', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, status: 403 },
    { name: 'a POST a browser marks cross-site', headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' }, status: 403 },
  ])('$name → $status', async ({ headers, status }) => {
    calls.length = 0;
    const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === 'SELF' ? control.url : v]));
    const res = await fetch(`${control.url}/demo/edges/edge-a`, { method: 'POST', headers: h, body: '{"action":"down"}' });
    expect(res.status).toBe(status);
    expect(calls).toEqual(status === 200 ? ['edge-a down'] : []);
  });
});
