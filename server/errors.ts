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
