/**
 * The policy bundled at deploy time: wrangler.toml aliases this specifier to
 * workers/generated/policy.json, written by scripts/bundle-policy.mjs (the
 * [build] command) from config/policy.yaml or $EDGESTEER_POLICY.
 */
declare module 'edgesteer-bundled-policy' {
  /** clientMap: hash, source and size of the compiled client map bundled beside it. */
  const bundle: { file: string; text: string; clientMap?: { hash: string; source: string; bytes: number } } | null;
  export default bundle;
}

/** The compiled client map (ClientMap.serialize() bytes): workers/generated/client-map.bin, a Data module (wrangler.toml [[rules]]). */
declare module '*.bin' {
  const bytes: ArrayBuffer;
  export default bytes;
}
