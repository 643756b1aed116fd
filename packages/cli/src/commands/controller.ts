import type { Command } from 'commander';

/** Registers `edgesteer controller`. (Not implemented yet: owned by its issue.) */
export function registerController(_program: Command): void {}
