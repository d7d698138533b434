import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { Conflict, DomainError, Forbidden, IllegalTransition, NotFound, TooManyAttempts, Unauthorized, ValidationFailed } from "../errors";

/** The one place where domain errors become client-facing codes (and HTTP statuses). */
export function toTRPCError(error: DomainError): TRPCError {
  const code: TRPC_ERROR_CODE_KEY =
    error instanceof NotFound ? "NOT_FOUND"
    : error instanceof IllegalTransition ? "CONFLICT"
    : error instanceof Conflict ? "CONFLICT"
    : error instanceof ValidationFailed ? "BAD_REQUEST"
    : error instanceof Unauthorized ? "UNAUTHORIZED"
    : error instanceof Forbidden ? "FORBIDDEN"
    : error instanceof TooManyAttempts ? "TOO_MANY_REQUESTS"
    : "BAD_REQUEST";
  return new TRPCError({ code, message: error.message, cause: error });
}
