import { Errors } from "moleculer";

/**
 * The platform's client errors. Each carries an HTTP status code (moleculer-web uses `code`), a stable
 * `type` clients can switch on, and data naming what was wrong.
 */
export class NotFoundError extends Errors.MoleculerClientError {
	constructor(entity: string, id: string | number) {
		super(`${entity} ${id} not found`, 404, "NOT_FOUND", { entity, id });
	}
}

export class ConflictError extends Errors.MoleculerClientError {
	constructor(message: string, type: string, data?: Record<string, unknown>) {
		super(message, 409, type, data);
	}
}

export class UnprocessableError extends Errors.MoleculerClientError {
	constructor(field: string, message: string, type = "VALIDATION_ERROR") {
		super(`${field}: ${message}`, 422, type, [{ field, message }]);
	}
}

export class ForbiddenError extends Errors.MoleculerClientError {
	constructor(message = "not allowed") {
		super(message, 403, "FORBIDDEN");
	}
}

export class UnauthorizedError extends Errors.MoleculerClientError {
	constructor(message = "authentication required") {
		super(message, 401, "UNAUTHORIZED");
	}
}

export class DependencyUnavailableError extends Errors.MoleculerRetryableError {
	constructor(dependency: string) {
		super(`${dependency} is unavailable, try again shortly`, 503, "SERVICE_UNAVAILABLE", { dependency });
	}
}
