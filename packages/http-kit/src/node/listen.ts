/**
 * Starting and stopping a small node:http listener (metrics, health) the
 * same way in every process: port 0 picks a free port, the resolved URL
 * names the real one, and close() does not wait for idle keep-alive
 * connections of a scraper.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running listener. */
export interface HttpListener {
  /** e.g. http://127.0.0.1:9401/metrics (IPv6 hosts in brackets). */
  url: string;
  port: number;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts `server` on host:port and resolves once it listens, with its URL
 * at `path`. Rejects with the listen error (e.g. EADDRINUSE) as Node raised it.
 */
export function listenHttp(server: Server, listen: { host: string; port: number }, path = '/'): Promise<HttpListener> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
      resolve({
        url: `http://${host}:${port}${path}`,
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
