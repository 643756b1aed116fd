/**
 * Notices policy file changes: fs.watch on the file's directory (editors and
 * config management replace files by rename, which a watch on the file
 * itself would lose), debounced so a burst of writes is one reload.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** Calls `onChange` (debounced) when `file` changes. Returns a function that stops watching. */
export function watchPolicyFile(file: string, onChange: () => void, debounceMs = 250): () => void {
  const abs = resolve(file);
  const name = basename(abs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watcher: FSWatcher | undefined = watch(dirname(abs), { persistent: false }, (_event, changed) => {
    // Some platforms do not report the file name; then any change in the directory counts.
    if (changed !== null && changed !== name) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', () => {
    // The directory went away; reloads still work through SIGHUP.
    watcher?.close();
    watcher = undefined;
  });
  return () => {
    if (timer) clearTimeout(timer);
    watcher?.close();
    watcher = undefined;
  };
}
