/**
 * A small XML reader and writer for the Route53 test endpoint. Route53's
 * REST-XML documents are plain: elements, text, a default namespace, no
 * mixed content. Enough of XML for that, with entity decoding.
 */

/** An element: name (namespace prefix dropped), children, text. */
export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/** Parses a document; throws on malformed input. */
export function parseXml(src: string): XmlNode {
  let i = 0;
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    if (lt < 0) break;
    if (lt > i && stack.length > 0) stack[stack.length - 1]!.text += decode(src.slice(i, lt));
    if (src.startsWith('<?', lt)) {
      i = src.indexOf('?>', lt) + 2;
      continue;
    }
    if (src.startsWith('<!--', lt)) {
      i = src.indexOf('-->', lt) + 3;
      continue;
    }
    if (src.startsWith('<![CDATA[', lt)) {
      const end = src.indexOf(']]>', lt);
      if (stack.length > 0) stack[stack.length - 1]!.text += src.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    const gt = src.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = src.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = localName(tag.slice(1).trim());
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`mismatched </${name}>`);
      if (stack.length === 0) root = open;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const name = localName((selfClosing ? tag.slice(0, -1) : tag).trim().split(/\s+/)[0] ?? '');
    const node: XmlNode = { name, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
    if (selfClosing) {
      if (stack.length === 0) root = node;
    } else {
      stack.push(node);
    }
  }
  if (!root || stack.length > 0) throw new Error('incomplete XML document');
  return root;
}

function localName(n: string): string {
  const c = n.indexOf(':');
  return c >= 0 ? n.slice(c + 1) : n;
}

/** First child named `name`. */
export function child(n: XmlNode | undefined, name: string): XmlNode | undefined {
  return n?.children.find((c) => c.name === name);
}

/** All children named `name`. */
export function childrenNamed(n: XmlNode | undefined, name: string): XmlNode[] {
  return n ? n.children.filter((c) => c.name === name) : [];
}

/** Text of the first child named `name`, trimmed. */
export function textOf(n: XmlNode | undefined, name: string): string | undefined {
  const c = child(n, name);
  return c ? c.text.trim() : undefined;
}

/** Escapes text for element content. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Value accepted by `el`: text, nested XML (already built), or a list of those. */
export type XmlContent = string | number | boolean | undefined | XmlRaw | XmlContent[];

/** Already-serialised XML. */
export class XmlRaw {
  constructor(readonly xml: string) {}
}

/** `<name>content</name>`; undefined content → nothing at all. */
export function el(name: string, content: XmlContent): XmlRaw {
  if (content === undefined) return new XmlRaw('');
  return new XmlRaw(`<${name}>${render(content)}</${name}>`);
}

function render(c: XmlContent): string {
  if (c === undefined) return '';
  if (c instanceof XmlRaw) return c.xml;
  if (Array.isArray(c)) return c.map(render).join('');
  return esc(String(c));
}

/** A full document with the Route53 namespace on its root. */
export function doc(root: string, content: XmlContent): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="https://route53.amazonaws.com/doc/2013-04-01/">${render(content)}</${root}>`;
}
