export { CliError } from './cli-error.js';
