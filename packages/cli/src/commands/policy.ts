import type { Command } from 'commander';

/** Registers `edgesteer policy`. (Not implemented yet: owned by its issue.) */
export function registerPolicy(_program: Command): void {}
