/**
 * The one error type that crosses layers. The domain throws these; the HTTP
 * layer turns them into a response. `code` is stable and documented in
 * catalog.ts; `errors` is the RealWorld field-keyed body.
 */
export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly code: string,
    readonly status: number,
    readonly errors: Record<string, string[]>,
  ) {
    super(`${code}: ${JSON.stringify(errors)}`);
  }

  toBody(): { errors: Record<string, string[]> } {
    return { errors: this.errors };
  }
}
