/**
 * The one error shape every edgesteer package throws: a stable `code`
 * (E_…) that logs, HTTP bodies and exit paths key on, a message that says
 * what to do, and an optional cause. Each package subclasses it once to
 * name its codes; nothing else about errors is repeated per package.
 */
export class CodedError<C extends string = string> extends Error {
  constructor(
    /** Stable code, e.g. `E_POLICY_INVALID`. */
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // The subclass's own name (CoreError, WorkerError, …), not "Error", in stacks and logs.
    this.name = new.target.name;
  }
}

/** The stable code of any error that carries one (`E_…`), else undefined. */
export function errorCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code.startsWith('E_') ? code : undefined;
}
