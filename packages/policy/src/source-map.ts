/**
 * Maps a data path (['edges', 2, 'check', 'port']) back to the line and
 * column of the YAML/JSON node it came from, so every problem points at the
 * text an operator has to change.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

/** A data path as zod and the rules use it. */
export type DataPath = readonly (string | number)[];

/** A 1-based source position. */
export interface Position {
  line: number;
  col: number;
}

/** Which part of a node to point at. */
export type Anchor = 'value' | 'key';

interface Step {
  node: Node | null;
  pair: Pair<unknown, unknown> | null;
}

/** Resolves data paths to positions in one parsed document. */
export class SourceMap {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Position of the node at `path`. When the path does not exist (a missing
   * key), the deepest existing ancestor is used: for a missing required key
   * that is the mapping that lacks it, which is where the key must be added.
   */
  position(path: DataPath, anchor: Anchor = 'value'): Position {
    const steps = this.walk(path);
    const last = steps[steps.length - 1];
    const complete = steps.length === path.length + 1;
    if (complete && last) {
      if (anchor === 'key' && last.pair && isNode(last.pair.key)) return this.at(last.pair.key);
      // `key:` with nothing after it has a null value without a range; point at the key.
      if (last.node && hasRange(last.node)) return this.at(last.node);
      if (last.pair && isNode(last.pair.key)) return this.at(last.pair.key);
    }
    for (let i = steps.length - 1; i >= 0; i--) {
      const s = steps[i]!;
      if (s.node && hasRange(s.node)) return this.at(s.node);
      if (s.pair && isNode(s.pair.key)) return this.at(s.pair.key);
    }
    return { line: 1, col: 1 };
  }

  /** Position of a byte offset in the source. */
  offset(offset: number): Position {
    const p = this.lines.linePos(offset);
    return { line: p.line, col: p.col };
  }

  private at(node: Node): Position {
    return this.offset(node.range![0]);
  }

  private walk(path: DataPath): Step[] {
    const steps: Step[] = [{ node: this.deref(this.doc.contents), pair: null }];
    let node = steps[0]!.node;
    for (const seg of path) {
      if (!node) break;
      let next: Step | null = null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (pair) next = { node: this.deref(pair.value), pair };
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item !== undefined) next = { node: this.deref(item), pair: null };
      }
      if (!next) break;
      steps.push(next);
      node = next.node;
    }
    return steps;
  }

  /** Aliases point to their anchor's node, which is where the data is written. */
  private deref(value: unknown): Node | null {
    if (isAlias(value)) return (value.resolve(this.doc) as Node | undefined) ?? value;
    return isNode(value) ? value : null;
  }
}

function keyText(key: unknown): string | null {
  if (isScalar(key)) return String(key.value);
  return null;
}

function isNode(v: unknown): v is Node {
  return isScalar(v) || isMap(v) || isSeq(v) || isAlias(v);
}

function hasRange(n: Node): boolean {
  // A `key:` with no value parses to a null scalar whose range is empty at the
  // end of the line; the key is the better place to point at.
  if (!n.range) return false;
  return !(isScalar(n) && n.value === null && n.range[0] === n.range[1]);
}
