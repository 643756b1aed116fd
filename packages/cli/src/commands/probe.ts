import type { Command } from 'commander';

/** Registers `edgesteer probe`. (Not implemented yet: owned by its issue.) */
export function registerProbe(_program: Command): void {}
