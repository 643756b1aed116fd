import { describe, expect, it } from 'vitest';
import { harness } from './testing/harness.js';

describe('security headers (#14 row 8)', () => {
  it.each(['/', '/dashboard.js', '/dashboard.css', '/v1/table', '/healthz'])('%s carries CSP, no framing, nosniff and no referrer', async (path) => {
    const h = harness();
    try {
      const res = await h.app.request(path);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) expect(csp).toContain(d);
      // Inline style attributes are allowed (heat colours); inline or eval'd script never.
      expect(/script-src ([^;]*)/.exec(csp)?.[1]).toBe("'self'");
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    } finally {
      h.close();
    }
  });

  it('the dashboard page has no inline script the policy would block', async () => {
    const h = harness();
    try {
      const html = await (await h.app.request('/')).text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=/i);
    } finally {
      h.close();
    }
  });

  it('a client-chosen method is labelled "other" in the request metrics', async () => {
    const h = harness();
    try {
      for (let i = 0; i < 20; i++) await h.app.request('/healthz', { method: `X${i}Y` });
      const text = await (await h.app.request('/metrics')).text();
      expect(text).not.toMatch(/method="X\d+Y"/);
      expect(text).toMatch(/edgesteer_controller_http_requests_total\{method="other"/);
    } finally {
      h.close();
    }
  });
});
