/** Domain errors: services throw these; one place (server/trpc/errors.ts) maps them for clients. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {}
export class IllegalTransition extends DomainError {}
export class ValidationFailed extends DomainError {
  constructor(message: string, public readonly fieldErrors: Record<string, string[]> = {}) {
    super(message);
  }
}
export class Conflict extends DomainError {}
export class Unauthorized extends DomainError {}
export class Forbidden extends DomainError {}
/** Sign-in refused while an account or address is locked after repeated failures. */
export class TooManyAttempts extends DomainError {
  constructor(message: string, public readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** A short reference that ties a masked "Something went wrong" to its log line. */
export function errorRef(): string {
  return Math.random().toString(36).slice(2, 8).toUpperCase().padEnd(6, "0");
}

export const somethingWentWrong = (ref: string) => `Something went wrong (ref ${ref}). Try again; if it keeps happening, tell your admin this reference.`;
