/** Names looked up on PATH, in order. */
export const CHROMIUM_NAMES: string[];
/** Absolute path of the Chromium to drive (CHROMIUM_PATH, else the first of CHROMIUM_NAMES on PATH), or undefined. */
export function findChromium(env?: NodeJS.ProcessEnv): string | undefined;
