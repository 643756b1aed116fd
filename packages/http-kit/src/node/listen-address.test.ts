import { describe, expect, it } from 'vitest';
import { parseListen } from './listen-address.js';

describe('parseListen (every listen option in the repo)', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    [' 127.0.0.2:53 ', { host: '127.0.0.2', port: 53 }],
  ])('%s', (v, want) => expect(parseListen(v)).toEqual(want));

  it.each(['', 'host', '8081', ':80', '127.0.0.1:99999', '::1:80', '1.2.3.4:http', '[::1]', 'a b:80'])('refuses %j with E_LISTEN_INVALID naming the flag', (v) => {
    expect(() => parseListen(v, '--metrics-listen')).toThrow(expect.objectContaining({ code: 'E_LISTEN_INVALID', message: expect.stringMatching(/^--metrics-listen ".*" is not host:port/) }));
  });
});
