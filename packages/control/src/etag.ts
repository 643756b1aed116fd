/** The strong ETag of a table: its content hash, quoted. */
export function tableEtag(hash: string): string {
  return `"${hash}"`;
}

/**
 * True if an If-None-Match header value names `hash`. Accepts lists, weak
 * validators and bare hashes (clients that forget the quotes), and `*`.
 */
export function ifNoneMatchHits(header: string | undefined | null, hash: string): boolean {
  if (!header) return false;
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
    return tag === '*' || tag === hash;
  });
}

/** The hash an If-None-Match header names (first entry), if any. */
export function ifNoneMatchHash(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const first = header.split(',')[0]?.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return first && first !== '*' ? first : undefined;
}
