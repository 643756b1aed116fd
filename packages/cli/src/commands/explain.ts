import type { Command } from 'commander';

/** Registers `edgesteer explain`. (Not implemented yet: owned by its issue.) */
export function registerExplain(_program: Command): void {}
