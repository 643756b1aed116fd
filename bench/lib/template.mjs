/** Fills `{{NAME}}` placeholders in the peer config templates of bench/peers/. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PEERS_DIR = fileURLToPath(new URL('../peers/', import.meta.url));

export function render(text, vars) {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (m, key) => {
    if (!(key in vars)) throw new Error(`E_BENCH_TEMPLATE: no value for ${m}`);
    return String(vars[key]);
  });
}

/** Renders bench/peers/<rel> into `dest`. */
export function renderPeerFile(rel, dest, vars) {
  writeFileSync(dest, render(readFileSync(PEERS_DIR + rel, 'utf8'), vars));
}
