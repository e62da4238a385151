import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
// @azure/functions is CommonJS: Node's ESM loader exposes only `app` as a named export, so take the classes
// from the default export.
import functions, { type HttpResponse, type HttpResponseInit, type LogHandler } from "@azure/functions";
import { problemResponse } from "../../api/problem.js";
import type { HttpTriggerSpec } from "../trigger-list.js";
import { refusalOf } from "./loopback-trust.js";

export interface LocalHttpServerOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  triggers: readonly HttpTriggerSpec[];
  /** The Functions host's `routePrefix` (host.json), `api` by default there. */
  routePrefix: string;
  /** Where the handlers' `context.log` goes; the Node.js console when absent, as in the Functions library. */
  logHandler?: LogHandler;
  /** Bodies larger than this are refused before any handler runs, as the Functions host does (100 MB there). */
  maxBodyBytes?: number;
  /**
   * Serve only this machine (loopback-trust.ts, CONTRACT 5): its own loopback Host, no foreign Origin, writes only as
   * JSON. The local host sets it; the API's tests, which stand in for the Azure Functions host, do not.
   */
  onlyThisMachine?: boolean;
}

export interface LocalHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Serves HTTP triggers as the Azure Functions host does: route templates with `{name}` parameters below the
 * route prefix, matched case-insensitively, literal segments before parameters, and the handler's
 * `HttpResponseInit` written back.
 */
export async function startLocalHttpServer(options: LocalHttpServerOptions): Promise<LocalHttpServer> {
  const routes = options.triggers.map(compileRoute);
  const prefix = splitPath(options.routePrefix);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let trustedPort: number | undefined;
  const server = createServer((incoming, outgoing) => {
    serveRequest(incoming, outgoing, routes, prefix, maxBodyBytes, trustedPort, options.logHandler).catch(
      (error: unknown) => {
        outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (options.onlyThisMachine === true) trustedPort = port;
  const hostText = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostText}:${port}${prefix.length ? `/${prefix.join("/")}` : ""}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface CompiledRoute {
  trigger: HttpTriggerSpec;
  /**
   * Lowercase literal, or the parameter's name; `rest` is a last `{*name}`, the catch-all of ASP.NET Core routing
   * that Azure Functions routes take, which matches the rest of the path (one segment at least).
   */
  segments: ({ literal: string } | { parameter: string } | { rest: string })[];
}

function compileRoute(trigger: HttpTriggerSpec): CompiledRoute {
  return {
    trigger,
    segments: splitPath(trigger.route).map((segment) => {
      const rest = /^\{\*([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment)?.[1];
      if (rest !== undefined) return { rest };
      const parameter = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}$/.exec(segment)?.[1];
      return parameter === undefined ? { literal: segment.toLowerCase() } : { parameter };
    }),
  };
}

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

/** The route's parameters when it matches the path segments, else undefined. */
function matchRoute(route: CompiledRoute, segments: string[]): Record<string, string> | undefined {
  const last = route.segments.at(-1);
  const catchAll = last !== undefined && "rest" in last;
  if (catchAll ? segments.length < route.segments.length : route.segments.length !== segments.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (const [index, pattern] of route.segments.entries()) {
    const segment = segments[index] ?? "";
    if ("literal" in pattern) {
      if (pattern.literal !== segment.toLowerCase()) return undefined;
    } else if ("rest" in pattern) {
      params[pattern.rest] = segments.slice(index).join("/");
    } else {
      params[pattern.parameter] = segment;
    }
  }
  return params;
}

/** Negative when `left` is more specific: at the first segment where they differ, a literal wins. */
function bySpecificity(left: CompiledRoute, right: CompiledRoute): number {
  for (const [index, segment] of left.segments.entries()) {
    const other = right.segments[index];
    if (other === undefined) break;
    const leftLiteral = "literal" in segment;
    if (leftLiteral !== "literal" in other) return leftLiteral ? -1 : 1;
  }
  return 0;
}

async function serveRequest(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  routes: readonly CompiledRoute[],
  prefix: readonly string[],
  maxBodyBytes: number,
  trustedPort: number | undefined,
  logHandler: LogHandler | undefined,
): Promise<void> {
  const method = (incoming.method ?? "GET").toUpperCase();
  const refusal =
    trustedPort === undefined
      ? undefined
      : refusalOf(
          {
            method,
            host: incoming.headers.host,
            origin: incoming.headers.origin,
            contentType: incoming.headers["content-type"],
            hasBody:
              incoming.headers["transfer-encoding"] !== undefined ||
              Number(incoming.headers["content-length"] ?? "0") > 0,
          },
          trustedPort,
        );
  if (refusal !== undefined) {
    incoming.resume();
    return writeResponse(
      outgoing,
      problemResponse(refusal.status, refusal.detail, undefined, refusal.headers),
    );
  }
  let url: URL;
  try {
    url = new URL(incoming.url ?? "/", `http://${incoming.headers.host ?? "localhost"}`);
  } catch {
    incoming.resume();
    return writeResponse(outgoing, problemResponse(400, "The request target or Host is not a valid URL."));
  }
  let segments: string[];
  try {
    segments = splitPath(url.pathname).map((segment) => decodeURIComponent(segment));
  } catch {
    return writeResponse(outgoing, problemResponse(400, "The path is not valid percent-encoded text."));
  }
  const underPrefix = prefix.every((part, index) => segments[index]?.toLowerCase() === part.toLowerCase());
  const matches = underPrefix
    ? routes
        .map((route) => ({ route, params: matchRoute(route, segments.slice(prefix.length)) }))
        .filter((match) => match.params !== undefined)
        .sort((left, right) => bySpecificity(left.route, right.route))
    : [];
  if (matches.length === 0) {
    incoming.resume();
    return writeResponse(outgoing, problemResponse(404, `No route matches ${url.pathname}.`));
  }
  const match = matches.find(({ route }) => route.trigger.methods.includes(method as never));
  if (match === undefined) {
    incoming.resume();
    const allowed = [...new Set(matches.flatMap(({ route }) => route.trigger.methods))].join(", ");
    return writeResponse(
      outgoing,
      problemResponse(405, `${method} is not allowed on ${url.pathname}; use ${allowed}.`, undefined, {
        Allow: allowed,
      }),
    );
  }
  const body = await readBody(incoming, maxBodyBytes);
  if (body === undefined) {
    return writeResponse(
      outgoing,
      problemResponse(413, `The body is larger than ${maxBodyBytes} bytes.`),
      true,
    );
  }
  const request = new functions.HttpRequest({
    method,
    url: url.toString(),
    headers: headersOf(incoming),
    ...(body.length > 0 ? { body: { bytes: body } } : {}),
    params: match.params ?? {},
  });
  const context = new functions.InvocationContext({
    invocationId: randomUUID(),
    functionName: match.route.trigger.name,
    ...(logHandler === undefined ? {} : { logHandler }),
  });
  let result: HttpResponseInit | HttpResponse;
  try {
    result = (await match.route.trigger.handler(request, context)) ?? {};
  } catch (error) {
    context.error(`Unhandled error in ${context.functionName}:`, error);
    result = problemResponse(
      500,
      `The request failed unexpectedly; see the log of invocation ${context.invocationId}.`,
    );
  }
  await writeResponse(outgoing, result);
}

/** The body, or undefined when it exceeds the limit (the rest is not read). */
async function readBody(incoming: IncomingMessage, maxBodyBytes: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of incoming) {
    const buffer = chunk as Buffer;
    length += buffer.length;
    if (length > maxBodyBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function headersOf(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headersDistinct)) {
    if (value !== undefined) headers[name] = value.join(", ");
  }
  return headers;
}

async function writeResponse(
  outgoing: ServerResponse,
  result: HttpResponseInit | HttpResponse,
  closeConnection = false,
): Promise<void> {
  const response = result instanceof functions.HttpResponse ? result : new functions.HttpResponse(result);
  const body = Buffer.from(await response.arrayBuffer());
  outgoing.statusCode = response.status;
  response.headers.forEach((value, name) => outgoing.setHeader(name, value));
  if (closeConnection) outgoing.setHeader("Connection", "close");
  outgoing.end(body);
}
