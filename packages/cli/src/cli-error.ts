import { CodedError } from '@edgesteer/policy';

/** An error the CLI reports as `edgesteer: CODE: message` with a chosen exit code. */
export class CliError extends CodedError {
  constructor(
    code: string,
    message: string,
    /** 1 for failures and invalid input, 2 for usage errors. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(code, message);
  }
}
