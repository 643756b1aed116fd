import type { Command } from 'commander';

/** Registers `edgesteer dns`. (Not implemented yet: owned by its issue.) */
export function registerDns(_program: Command): void {}
