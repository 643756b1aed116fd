import type { Command } from 'commander';

/** Registers `edgesteer route53`. (Not implemented yet: owned by its issue.) */
export function registerRoute53(_program: Command): void {}
