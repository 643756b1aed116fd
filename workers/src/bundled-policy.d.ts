/**
 * The policy bundled at deploy time: wrangler.toml aliases this specifier to
 * workers/generated/policy.json, written by scripts/bundle-policy.mjs (the
 * [build] command) from config/policy.yaml or $EDGESTEER_POLICY.
 */
declare module 'edgesteer-bundled-policy' {
  const bundle: { file: string; text: string } | null;
  export default bundle;
}
