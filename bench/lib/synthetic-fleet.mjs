// Synthetic fleet for the decision benchmarks: a seeded policy of E edges ×
// R regions × S services (each service over 10–50 edges) and rounds of
// observations whose RTTs grow with the distance between a region and an
// edge's region, with ±3 % noise. Same seed → same fleet and measurements.
import { PolicySchema, AWS_LATENCY_REGIONS } from '@edgesteer/policy';
import { seededRandom } from '@edgesteer/probes';

const pad = (n, w) => String(n).padStart(w, '0');

/** Builds the fleet. Returns { policy, regionIds, edges, services, baseRtt, round(), rand, clock() }. */
export function syntheticFleet({ edges: EDGES = 50, regions: REGIONS = 20, services: SERVICES = 200, seed = 7 } = {}) {
  const rand = seededRandom(seed);
  // --- synthetic policy -------------------------------------------------------
  const regionIds = Array.from({ length: REGIONS }, (_, i) => `r${pad(i, 2)}`);
  // Places on a plane: RTT grows with distance, like a real fleet.
  const place = regionIds.map(() => [rand() * 200, rand() * 100]);
  const edges = Array.from({ length: EDGES }, (_, i) => ({
    id: `e${pad(i, 2)}`,
    region: regionIds[i % REGIONS],
    ipv4: [`127.0.${Math.floor(i / 250)}.${(i % 250) + 1}`],
    check: { type: 'http', port: 8080, rise: 2, fall: 3 },
    weight: 1 + Math.floor(rand() * 200),
  }));
  const services = Array.from({ length: SERVICES }, (_, i) => {
    const n = 10 + Math.floor(rand() * Math.min(41, EDGES - 9));
    const pool = edges.map((e) => e.id);
    for (let j = pool.length - 1; j > 0; j--) {
      const k = Math.floor(rand() * (j + 1));
      [pool[j], pool[k]] = [pool[k], pool[j]];
    }
    const steering = i % 10 === 8 ? 'failover' : i % 10 === 9 ? 'weighted' : 'latency';
    return { id: `s${pad(i, 3)}`, name: `s${pad(i, 3)}.example.com`, edges: pool.slice(0, n), steering, answers: 1 + (i % 2) };
  });
  const policy = PolicySchema.parse({
    version: 1,
    owner: 'bench',
    zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }] }],
    regions: regionIds.map((id, i) => ({ id, aws: AWS_LATENCY_REGIONS[i % AWS_LATENCY_REGIONS.length], clientCidrs: [`10.${i}.0.0/16`], default: i === 0 })),
    edges,
    services,
    health: { quorum: 2, staleAfterMs: 30_000, rttAlpha: 0.3 },
  });

  // --- observations -----------------------------------------------------------
  const baseRtt = regionIds.map((_, r) =>
    edges.map((e) => {
      const [ax, ay] = place[r];
      const [bx, by] = place[regionIds.indexOf(e.region)];
      return 1 + Math.hypot(ax - bx, ay - by) * 1.2;
    }),
  );
  // Two edges fail everywhere, one fails from a single region (below quorum).
  const failing = (r, e) => e === 7 || e === 19 || (e === 3 && r === 5);
  let clock = 1_700_000_000_000;
  function round() {
    clock += 5000;
    const obs = [];
    for (let r = 0; r < REGIONS; r++) {
      for (let e = 0; e < EDGES; e++) {
        const at = clock + r * 10 + e;
        if (failing(r, e)) obs.push({ probeRegion: regionIds[r], edge: edges[e].id, at, ok: false, reason: 'timeout' });
        else obs.push({ probeRegion: regionIds[r], edge: edges[e].id, at, ok: true, connectMs: baseRtt[r][e] * (0.97 + rand() * 0.06) });
      }
    }
    return obs;
  }


  return { policy, regionIds, edges, services, baseRtt, round, rand, clock: () => clock, advance: (ms) => (clock += ms) };
}
