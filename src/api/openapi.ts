import { z } from "zod";
import { isJsonObject, jsonEqual, type JsonObject } from "../schedules/merge-patch.js";
import type { ApiResponseDoc, ApiRoute } from "./api-route.js";
import { problemSchema } from "./api-schemas.js";
import { PROBLEM_CONTENT_TYPE, STORAGE_RETRY_AFTER_SECONDS } from "./problem.js";

type SchemaUse = "input" | "output";

const DEFS_PREFIX = "#/$defs/";
const COMPONENTS_PREFIX = "#/components/schemas/";

/**
 * The OpenAPI 3.1 document of the routes, generated from their zod schemas (JSON Schema 2020-12, the dialect of
 * OpenAPI 3.1). Schemas with a `.meta({ id })` become components; a schema whose input form (defaults optional)
 * differs from its output form gets a second component named `<id>Input`.
 */
/** A request the service itself sends (OpenAPI 3.1 `webhooks`): a notification, say. */
export interface WebhookDoc {
  summary: string;
  description: string;
  schema: z.ZodType;
}

export function openApiDocument(
  routes: readonly ApiRoute[],
  info: { title: string; version: string },
  webhooks: Readonly<Record<string, WebhookDoc>> = {},
): JsonObject {
  const components = new ComponentCollector();
  // Responses first, so that the plain component names describe what the API returns.
  const responsesByRoute = routes.map((route) => responsesOf(route, components));
  const paths: Record<string, JsonObject> = {};
  routes.forEach((route, index) => {
    const path = `/${route.route}`;
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      operationId: route.name,
      summary: route.summary,
      parameters: parametersOf(route, components),
      ...(route.requestBody === undefined
        ? {}
        : { requestBody: requestBodyOf(route.requestBody, components) }),
      responses: responsesByRoute[index],
    };
  });
  const webhookItems = Object.fromEntries(
    Object.entries(webhooks).map(([name, webhook]) => [
      name,
      {
        post: {
          operationId: name,
          summary: webhook.summary,
          description: webhook.description,
          requestBody: {
            required: true,
            content: { "application/json": { schema: components.schemaOf(webhook.schema, "output") } },
          },
          responses: { "2XX": { description: "Received: the service sends this event no more." } },
        },
      },
    ]),
  );
  return {
    openapi: "3.1.0",
    info,
    servers: [{ url: "/api" }],
    paths,
    ...(Object.keys(webhookItems).length > 0 ? { webhooks: webhookItems } : {}),
    components: { schemas: components.schemas() },
  };
}

function requestBodyOf(
  body: NonNullable<ApiRoute["requestBody"]>,
  components: ComponentCollector,
): JsonObject {
  const schema = components.schemaOf(body.schema, "input");
  return {
    required: true,
    content: Object.fromEntries(body.mediaTypes.map((mediaType) => [mediaType, { schema }])),
  };
}

/** What any operation answers while the service's storage is unreachable (problem.ts). */
const STORAGE_UNREACHABLE: ApiResponseDoc = {
  description: "The service's storage is unreachable; retry later.",
  headers: { "Retry-After": `Seconds to wait before retrying (${STORAGE_RETRY_AFTER_SECONDS}).` },
};

function responsesOf(route: ApiRoute, components: ComponentCollector): JsonObject {
  const documented: Record<number, ApiResponseDoc> = {
    503: STORAGE_UNREACHABLE,
    ...route.responses,
    500: { description: "An unexpected error; the log of the invocation has the details." },
  };
  const responses: JsonObject = {};
  for (const [status, response] of Object.entries(documented)) {
    const schema = response.schema ?? (Number(status) >= 400 ? problemSchema : undefined);
    responses[status] = {
      description: response.description,
      ...(response.headers === undefined
        ? {}
        : {
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, description]) => [
                name,
                { description, schema: { type: "string" } },
              ]),
            ),
          }),
      ...(schema === undefined
        ? {}
        : {
            content: {
              [schema === problemSchema ? PROBLEM_CONTENT_TYPE : "application/json"]: {
                schema: components.schemaOf(schema, "output"),
              },
            },
          }),
    };
  }
  return responses;
}

function parametersOf(route: ApiRoute, components: ComponentCollector): JsonObject[] {
  const parameters: JsonObject[] = [];
  for (const [name, description] of Object.entries(route.pathParameters ?? {})) {
    parameters.push({ name, in: "path", required: true, description, schema: { type: "string" } });
  }
  for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
    const fieldSchema = schema as z.ZodType;
    parameters.push({
      name,
      in: "query",
      required: !fieldSchema.safeParse(undefined).success,
      schema: components.schemaOf(fieldSchema, "input"),
    });
  }
  for (const [name, description] of Object.entries(route.requestHeaders ?? {})) {
    parameters.push({ name, in: "header", required: false, description, schema: { type: "string" } });
  }
  return parameters;
}

/** Converts zod schemas and gathers the `$defs` of each conversion as components, with refs rewritten. */
class ComponentCollector {
  private readonly components: Record<string, JsonObject> = {};

  schemas(): Record<string, JsonObject> {
    return Object.fromEntries(
      Object.entries(this.components).sort(([left], [right]) => left.localeCompare(right)),
    );
  }

  schemaOf(schema: z.ZodType, use: SchemaUse): JsonObject {
    const converted = z.toJSONSchema(schema, { target: "draft-2020-12", io: use, unrepresentable: "any" });
    const { $schema: _dialect, $defs, ...root } = converted as JsonObject;
    const definitions = isJsonObject($defs) ? ($defs as Record<string, JsonObject>) : {};
    const names = this.namesFor(definitions, use);
    for (const [id, body] of Object.entries(definitions)) {
      const name = names.get(id) ?? id;
      this.components[name] = rewriteRefs(body, names) as JsonObject;
    }
    return rewriteRefs(root, names) as JsonObject;
  }

  /**
   * Output definitions keep their id. An input definition keeps it only when it is the same schema as the
   * component already there; otherwise it becomes `<id>Input`. Renaming one definition can make another differ
   * (it refers to the renamed one), hence the loop until the names settle.
   */
  private namesFor(definitions: Record<string, JsonObject>, use: SchemaUse): Map<string, string> {
    const names = new Map(Object.keys(definitions).map((id) => [id, id]));
    if (use === "output") return names;
    for (;;) {
      let renamed = false;
      for (const [id, body] of Object.entries(definitions)) {
        const existing = this.components[id];
        if (names.get(id) !== id || existing === undefined) continue;
        if (!jsonEqual(existing, rewriteRefs(body, names))) {
          names.set(id, `${id}Input`);
          renamed = true;
        }
      }
      if (!renamed) return names;
    }
  }
}

function rewriteRefs(value: unknown, names: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, names));
  if (!isJsonObject(value)) return value;
  const rewritten: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (key === "$ref" && typeof member === "string" && member.startsWith(DEFS_PREFIX)) {
      const id = decodeURIComponent(member.slice(DEFS_PREFIX.length));
      rewritten[key] = `${COMPONENTS_PREFIX}${names.get(id) ?? id}`;
    } else {
      rewritten[key] = rewriteRefs(member, names);
    }
  }
  return rewritten;
}
