import type { Controller } from '../controller.js';
import { esc } from './format.js';
import { renderSections, type Sections } from './sections.js';

/** The full dashboard page: first paint is complete without JavaScript. */
export function renderDashboardPage(c: Controller, sections: Sections = renderSections(c)): string {
  const t = c.table;
  const names = c.policy.services.map((s) => s.name).join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgesteer · ${esc(names)}</title>
<link rel="stylesheet" href="/dashboard.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body data-server-now="${c.clock()}" data-table-version="${t.version}" data-table-hash="${esc(t.hash)}">
<header><h1><span>edge</span>steer controller</h1><div class="edge-sub">${esc(c.policyFile ?? 'embedded policy')} · owner ${esc(c.policy.owner)}</div><div id="conn" data-state="connecting">connecting…</div></header>
<div id="stale" role="alert"></div>
<main>
<section id="meta" aria-label="Table status">${sections.meta}</section>
<div id="banner">${sections.banner}</div>
<section class="full"><h2>Data planes — who answers clients, and from which table</h2><div class="scroll" id="planes">${sections.planes}</div></section>
<section class="wide"><h2>Regions × edges — RTT and health as each region's probe sees it</h2><div class="scroll" id="matrix">${sections.matrix}</div></section>
<section class="side"><h2>Incidents — cause first, then the answers it moved</h2><div id="timeline">${sections.timeline}</div></section>
<section class="wide"><h2>Current answer per service and client region</h2><div class="scroll" id="answers">${sections.answers}</div></section>
</main>
<footer>JSON: <a href="/v1/table">/v1/table</a> · <a href="/v1/planes">/v1/planes</a> · <a href="/v1/edges">/v1/edges</a> · <a href="/healthz">/healthz</a> · <a href="/v1/timeline">/v1/timeline</a> · <a href="/metrics">/metrics</a></footer>
<script src="/dashboard.js" defer></script>
</body>
</html>
`;
}
