import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { HttpTriggerSpec } from "../trigger-list.js";

/**
 * A notification receiver served by the local host only (CONTRACT 5), standing in for a Logic App's HTTP
 * trigger: a schedule whose `notify.url` is `http://127.0.0.1:<port>/api/sandbox/notifications` shows its
 * notifications at `GET /api/sandbox/notifications`, newest last. It keeps the last 200, in memory.
 */
export interface ReceivedNotification {
  receivedAt: string;
  /** Whether an Authorization or x-functions-key header came with it: a notification carries neither. */
  credentials: boolean;
  body: unknown;
}

const KEPT = 200;
const MAX_BODY_BYTES = 256 * 1024;

export class NotificationSandbox {
  private readonly kept: ReceivedNotification[] = [];

  constructor(private readonly clock: () => Date = () => new Date()) {}

  get received(): readonly ReceivedNotification[] {
    return this.kept;
  }

  triggers(): HttpTriggerSpec[] {
    return [
      {
        kind: "http",
        name: "sandbox-notifications-receive",
        route: "sandbox/notifications",
        methods: ["POST"],
        handler: (request) => this.receive(request),
      },
      {
        kind: "http",
        name: "sandbox-notifications-list",
        route: "sandbox/notifications",
        methods: ["GET"],
        handler: () => Promise.resolve({ status: 200, jsonBody: { value: this.kept } }),
      },
    ];
  }

  private async receive(request: HttpRequest): Promise<HttpResponseInit> {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > MAX_BODY_BYTES) return { status: 413 };
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return { status: 400, jsonBody: { error: "The body is not JSON." } };
    }
    this.kept.push({
      receivedAt: this.clock().toISOString(),
      credentials: request.headers.has("authorization") || request.headers.has("x-functions-key"),
      body,
    });
    if (this.kept.length > KEPT) this.kept.splice(0, this.kept.length - KEPT);
    // As a Logic App's Request trigger without a Response action answers: accepted, at once.
    return { status: 202 };
  }
}
