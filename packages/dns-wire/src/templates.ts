/**
 * Building answer templates: a complete response (header and question with
 * a placeholder name) written once, of which everything after the question
 * is kept. At query time the response is the query's header and question
 * followed by this body, so names in the body may point (compression) into
 * the question: the question has the same length and label layout for every
 * spelling of the name, only the case differs.
 */
import { CLASS, LIMIT, TYPE } from './constants.js';
import { WireWriter } from './writer.js';

/** One record to write. RDATA is written by a callback so names can compress. */
export interface RecordSpec {
  name: string;
  type: number;
  ttl: number;
  rdata: (w: WireWriter) => void;
}

/** A precomputed response body for one (name, type, region). */
export interface Template {
  rcode: number;
  /** Authoritative answer bit. */
  aa: boolean;
  /** Answer, authority and additional sections as written after the question. */
  body: Uint8Array;
  an: number;
  ns: number;
  ar: number;
  /** The body without its additional section (dropped first when UDP space runs out); null when there is none. */
  bodyNoAdditional: Uint8Array | null;
  /** Service the name belongs to, for metrics. */
  service: string | undefined;
}

/** The templates of one (name, type): one for every region, or one shared. */
export interface TemplateSet {
  /** True when the answer depends on the client region (ECS scope then comes from the region match). */
  regional: boolean;
  /** Index = region index when regional; a single entry otherwise. */
  byRegion: Template[];
}

function writeRecord(w: WireWriter, r: RecordSpec): void {
  w.name(r.name).u16(r.type).u16(CLASS.IN).u32(r.ttl);
  const lenAt = w.length;
  w.u16(0);
  r.rdata(w);
  w.setU16(lenAt, w.length - lenAt - 2);
}

/** Builds a template for a response to `qname` with the given sections. */
export function buildTemplate(
  qname: string,
  rcode: number,
  sections: { answer?: RecordSpec[]; authority?: RecordSpec[]; additional?: RecordSpec[] },
  service: string | undefined,
): Template {
  const w = new WireWriter(512);
  for (let i = 0; i < LIMIT.header; i++) w.u8(0);
  // The question: placeholder type/class; only its length and name matter.
  w.name(qname, false).u16(TYPE.A).u16(CLASS.IN);
  const bodyStart = w.length;
  const answer = sections.answer ?? [];
  const authority = sections.authority ?? [];
  const additional = sections.additional ?? [];
  for (const r of answer) writeRecord(w, r);
  for (const r of authority) writeRecord(w, r);
  const additionalStart = w.length;
  for (const r of additional) writeRecord(w, r);
  const all = w.finish();
  return {
    rcode,
    aa: true,
    body: all.slice(bodyStart),
    an: answer.length,
    ns: authority.length,
    ar: additional.length,
    bodyNoAdditional: additional.length > 0 ? all.slice(bodyStart, additionalStart) : null,
    service,
  };
}

/** True when two templates produce identical responses. */
export function sameTemplate(a: Template, b: Template): boolean {
  if (a.rcode !== b.rcode || a.aa !== b.aa || a.an !== b.an || a.ns !== b.ns || a.ar !== b.ar) return false;
  if (a.body.length !== b.body.length) return false;
  for (let i = 0; i < a.body.length; i++) if (a.body[i] !== b.body[i]) return false;
  return true;
}

/** Collapses per-region templates to one shared template when they are all the same. */
export function templateSet(perRegion: Template[]): TemplateSet {
  const first = perRegion[0]!;
  const regional = perRegion.some((t) => !sameTemplate(first, t));
  return regional ? { regional: true, byRegion: perRegion } : { regional: false, byRegion: [first] };
}
