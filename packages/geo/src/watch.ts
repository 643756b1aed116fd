/**
 * Watches a database file for replacement. fs.watchFile (stat polling)
 * rather than fs.watch: operators replace databases by renaming a new file
 * over the old one, which fs.watch loses track of on several platforms.
 */
import { unwatchFile, watchFile } from 'node:fs';

/** Calls `onChange` when the file's size or mtime changes; returns the stop function. */
export function watchDatabase(file: string, onChange: () => void, intervalMs = 500): () => void {
  const listener = (cur: { mtimeMs: number; size: number }, prev: { mtimeMs: number; size: number }) => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) onChange();
  };
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(file, listener);
}
