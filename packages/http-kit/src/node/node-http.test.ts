import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listenHttp, type HttpListener } from './listen.js';
import { metricsNodeListener } from './metrics-listener.js';

const open: HttpListener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function start(handler: http.RequestListener, path?: string): Promise<HttpListener> {
  const l = await listenHttp(http.createServer(handler), { host: '127.0.0.1', port: 0 }, path);
  open.push(l);
  return l;
}

describe('listenHttp', () => {
  it('resolves with the real port and a URL at the path, and close() ends keep-alive connections', async () => {
    const l = await start((_req, res) => res.end('hi'), '/metrics');
    expect(l.port).toBeGreaterThan(0);
    expect(l.url).toBe(`http://127.0.0.1:${l.port}/metrics`);
    const agent = new http.Agent({ keepAlive: true });
    const body = await new Promise<string>((resolve, reject) =>
      http.get(l.url, { agent }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(t));
      }).on('error', reject),
    );
    expect(body).toBe('hi');
    await l.close();
    open.length = 0;
    await expect(fetch(l.url)).rejects.toThrow();
    agent.destroy();
  });

  it('rejects with the listen error when the port is taken', async () => {
    const a = await start((_req, res) => res.end());
    await expect(listenHttp(http.createServer(), { host: '127.0.0.1', port: a.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('metricsNodeListener', () => {
  const registry = (text: string | Error) => ({
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    metrics: () => (text instanceof Error ? Promise.reject(text) : Promise.resolve(text)),
  });

  it.each([
    { method: 'GET', path: '/metrics', status: 200, body: 'up 1\n' },
    { method: 'GET', path: '/metrics?x=1', status: 200, body: 'up 1\n' },
    { method: 'HEAD', path: '/metrics', status: 200, body: '' },
    { method: 'POST', path: '/metrics', status: 404, body: 'not found: scrape GET /metrics\n' },
    { method: 'GET', path: '/other', status: 404, body: 'not found: scrape GET /metrics\n' },
  ])('$method $path → $status', async ({ method, path, status, body }) => {
    const l = await start(metricsNodeListener(registry('up 1\n')));
    const res = await fetch(`http://127.0.0.1:${l.port}${path}`, { method });
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
    if (status === 200) expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('answers 500 with the error code when collection fails', async () => {
    const l = await start(metricsNodeListener(registry(new Error('boom')), { errorCode: 'E_TEST_METRICS' }));
    const res = await fetch(`http://127.0.0.1:${l.port}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('E_TEST_METRICS: Error: boom\n');
  });
});
