#!/usr/bin/env node
/**
 * The baseline of `npm run bench:dns`: a plain dns2 server (UDP, dns2's own
 * server plumbing and Packet encode/decode per query) answering the bench's
 * names the simplest way a dns2 user would: cdn.example.com A/AAAA with one
 * fixed address, SOA/NS at the apex, ns1 A, NXDOMAIN for everything else. No
 * steering, so it does less than edgesteer per query.
 *
 *   node bench/dns/dns2-baseline.mjs [--port N]    prints {"port":N} when ready
 */
import dns2 from 'dns2';

const { Packet } = dns2;
const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 0;

const server = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    response.header.ra = 0;
    const [q] = request.questions;
    const name = (q?.name ?? '').toLowerCase();
    const soa = { name: 'example.com', type: Packet.TYPE.SOA, class: Packet.CLASS.IN, ttl: 300, primary: 'ns1.example.com', admin: 'hostmaster.example.com', serial: 1, refresh: 3600, retry: 600, expiration: 1209600, minimum: 60 };
    if (name === 'cdn.example.com' && q.type === Packet.TYPE.A) {
      response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 30, address: '127.0.0.12' });
    } else if (name === 'cdn.example.com' && q.type === Packet.TYPE.AAAA) {
      response.answers.push({ name: q.name, type: Packet.TYPE.AAAA, class: Packet.CLASS.IN, ttl: 30, address: 'fd00::12' });
    } else if (name === 'example.com' && q.type === Packet.TYPE.SOA) {
      response.answers.push({ ...soa, name: q.name });
    } else if (name === 'example.com' && q.type === Packet.TYPE.NS) {
      response.answers.push({ name: q.name, type: Packet.TYPE.NS, class: Packet.CLASS.IN, ttl: 300, ns: 'ns1.example.com' });
    } else if (name === 'ns1.example.com' && q.type === Packet.TYPE.A) {
      response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 300, address: '127.0.0.53' });
    } else {
      response.header.rcode = Packet.RCODE?.NXDOMAIN ?? 3;
      response.authorities.push(soa);
    }
    send(response);
  },
});
server.on('requestError', () => {});
await server.listen({ udp: { port, address: '127.0.0.1' } });
process.stdout.write(JSON.stringify({ port: server.addresses().udp.port }) + '\n');
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
