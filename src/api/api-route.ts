import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import type { Services } from "./services.js";
import { ValidationError } from "../errors.js";
import { parseInput } from "../schedules/parse-input.js";

/** One documented response of an operation: what the OpenAPI document says about it. */
export interface ApiResponseDoc {
  description: string;
  /** The body schema; absent for an empty body, or for an error status, whose body is problem+json. */
  schema?: z.ZodType;
  /** Response headers, by name, with a description. */
  headers?: Record<string, string>;
}

/**
 * One operation of the HTTP API: the handler and what the OpenAPI document says about it, side by side, so
 * that the document is generated from the same list the hosts serve.
 */
export interface ApiRoute {
  /** Function name in Azure and operationId in the document. */
  name: string;
  /** Azure Functions route template below /api, e.g. `schedules/{id}/next`. */
  route: string;
  method: HttpMethod;
  summary: string;
  /** Path parameters, by name, with a description. */
  pathParameters?: Record<string, string>;
  query?: z.ZodObject;
  requestBody?: { schema: z.ZodType; mediaTypes: readonly string[] };
  /** Request headers the operation reads, by name, with a description. */
  requestHeaders?: Record<string, string>;
  responses: Record<number, ApiResponseDoc>;
  /** See HttpTriggerSpec.authLevel; default "function". */
  authLevel?: "function" | "anonymous";
  run: (request: HttpRequest, services: Services, context: InvocationContext) => Promise<HttpResponseInit>;
}

/** The query string validated like a body; parameter names are the error paths. */
export function parseQuery<T extends z.ZodObject>(request: HttpRequest, schema: T): z.output<T> {
  return parseInput(schema, Object.fromEntries(request.query.entries()));
}

/**
 * The If-Match request header (CONTRACT 4), or undefined when absent. An empty one is a 400: it is no entity tag
 * (RFC 9110 13.1.1), and reading it as absent would drop the condition the caller meant to set.
 */
export function ifMatchOf(request: HttpRequest): string | undefined {
  const value = request.headers.get("if-match");
  if (value !== null && value.trim() === "") {
    throw ValidationError.single("If-Match", 'is empty; give the schedule\'s ETag, or "*" for any');
  }
  return value ?? undefined;
}

export function requiredParam(request: HttpRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined)
    throw new Error(`Route parameter ${name} is missing; the route template must declare it`);
  return value;
}
