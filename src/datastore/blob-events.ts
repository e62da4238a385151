import { z } from "zod";
import { blobFingerprint, type FolderCursor } from "./folder-changes.js";

/**
 * Event Grid's Microsoft.Storage.BlobCreated events as the events mode of a change-based schedule reads them
 * (CONTRACT 2.3), as pure functions of a queue message and of the schedule's baseline. The field names and their
 * meaning are those of MicrosoftDocs/azure-docs `articles/event-grid/event-schema-blob-storage.md` (Event Grid
 * event schema, "Event properties"); the other sources are named where they are used.
 */

/** The one event type that fires runs (event-schema-blob-storage.md, "Available event types"). */
export const BLOB_CREATED = "Microsoft.Storage.BlobCreated";

/** A BlobCreated event reduced to what decides whether, and for which blob, a run fires. */
export interface BlobCreatedEvent {
  /** `id`: unique per event; only for log lines, since a redelivered event keeps it but a duplicate may not. */
  id: string;
  /** `data.url`: the blob on the account's `blob` or `dfs` endpoint, its name percent-encoded as in a request. */
  url: string;
  /** `data.eTag`, without the quotes it sometimes has, as the blob listing gives it. */
  etag: string;
  /** `data.api`: the operation that made the blob (PutBlob, PutBlockList, CopyBlob, CreateFile, FlushWithClose, ...). */
  api: string;
  /** `data.contentLength`: the blob's size in bytes after that operation. */
  contentLength: number;
  /** `eventTime`: when storage generated the event, by its own clock, in epoch ms. */
  eventTimeMs: number;
}

/** What one queue message holds: the events that count, how many others it held, and what was wrong with it. */
export interface BlobEventMessage {
  events: BlobCreatedEvent[];
  /** Well-formed events of other types (BlobDeleted, ...), which fire nothing. */
  otherEvents: number;
  /** Why parts of the message are not Event Grid events, each with the index of the event in the message. */
  problems: string[];
}

/** An instant as Event Grid writes one: `2017-06-26T18:41:00.9584103Z` (seven fractional digits). */
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The top-level fields of the Event Grid event schema (event-schema-blob-storage.md, "Event properties"). */
const eventGridEventSchema = z.looseObject({
  id: z.string().min(1),
  eventType: z.string().min(1),
  subject: z.string().optional(),
  eventTime: z.string().refine((text) => EVENT_TIME.test(text) && !Number.isNaN(Date.parse(text)), {
    message: "must be an ISO 8601 instant",
  }),
  data: z.looseObject({}),
});

/** The `data` of a BlobCreated event, as far as it is read (same page, "The data object has the following properties"). */
const blobCreatedDataSchema = z.looseObject({
  api: z.string().min(1),
  eTag: z.string().min(1),
  contentLength: z.number().int().min(0),
  url: z.url({ protocol: /^https?$/ }),
});

/**
 * Reads a queue message of BLOB_EVENTS_QUEUE: one event or an array of events in the Event Grid schema
 * (handler-storage-queues.md: `"eventDeliverySchema": "EventGridSchema"`), as JSON or base64 of JSON. `value` is
 * what the queue trigger handed over: already parsed when the text was JSON, else the text.
 */
export function readBlobEventMessage(value: unknown): BlobEventMessage {
  const parsed = typeof value === "string" ? parseMessageText(value) : { value };
  if ("problem" in parsed) return { events: [], otherEvents: 0, problems: [parsed.problem] };
  const items: unknown[] = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  const message: BlobEventMessage = { events: [], otherEvents: 0, problems: [] };
  if (items.length === 0) message.problems.push("the message is an empty array, with no event");
  items.forEach((item, index) => {
    const read = readEvent(item);
    if (typeof read === "string") message.problems.push(`event ${index}: ${read}`);
    else if (read === undefined) message.otherEvents++;
    else message.events.push(read);
  });
  return message;
}

/** A BlobCreated event, undefined for a well-formed event of another type, or what is wrong with it. */
function readEvent(item: unknown): BlobCreatedEvent | undefined | string {
  const envelope = eventGridEventSchema.safeParse(item);
  if (!envelope.success) {
    const looksLikeCloudEvent =
      typeof item === "object" && item !== null && "specversion" in item && "type" in item;
    if (looksLikeCloudEvent) {
      return 'is in the CloudEvents schema; the event subscription must deliver the Event Grid schema ("eventDeliverySchema": "EventGridSchema")';
    }
    return `is not an Event Grid event: ${issuesText(envelope.error)}`;
  }
  if (envelope.data.eventType !== BLOB_CREATED) return undefined;
  const data = blobCreatedDataSchema.safeParse(envelope.data.data);
  if (!data.success)
    return `is a BlobCreated event without a usable data: ${issuesText(data.error, "data.")}`;
  return {
    id: envelope.data.id,
    url: data.data.url,
    etag: listingEtag(data.data.eTag),
    api: data.data.api,
    contentLength: data.data.contentLength,
    eventTimeMs: Date.parse(envelope.data.eventTime),
  };
}

function parseMessageText(text: string): { value: unknown } | { problem: string } {
  const json = tryJson(text);
  if (json !== undefined) return { value: json };
  const compact = text.trim();
  if (compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = tryJson(Buffer.from(compact, "base64").toString("utf8"));
    if (decoded !== undefined) return { value: decoded };
  }
  return { problem: "the message is neither JSON nor base64 of JSON" };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function issuesText(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((issue) => `${prefix}${issue.path.map(String).join(".") || "(event)"} ${issue.message}`)
    .join("; ");
}

/**
 * An ETag as the blob listing gives it. Event Grid's examples show `data.eTag` both quoted (`"\"0x8D4BCC2E4835CD0\""`,
 * event-schema-blob-storage.md) and bare (`"0x8D83FACDC0C3402"`, delivery-and-retry.md); List Blobs answers it
 * bare, and the occurrence keys and fingerprints of the listing path are made of that form.
 */
export function listingEtag(etag: string): string {
  const trimmed = etag.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}

/**
 * Whether the event announces a blob to fire for. Data Lake Storage writes a file in two events: `CreateFile`,
 * zero-length, when the file is created, then `FlushWithClose` once its data is committed
 * (event-schema-blob-storage.md, "Data Lake Storage Gen 2 events": "filter the event for the FlushWithClose REST
 * API call"). Only the first is skipped; PutBlob, PutBlockList, CopyBlob, FlushWithClose and any other
 * BlobCreated API fire.
 */
export function announcesCommittedBlob(event: BlobCreatedEvent): boolean {
  return !(event.api === "CreateFile" && event.contentLength === 0);
}

/**
 * The container-relative path of the blob at `eventUrl` when it is in the container at `containerUrl` (the URL the
 * service lists the datastore with), else undefined. A Data Lake account announces its files on its `dfs`
 * endpoint (`<account>.dfs.core.windows.net/<file-system>/<path>`, event-schema-blob-storage.md, the `url`
 * property), which names the same container as the `blob` one. Scheme and host compare without case, the path
 * with case; the name is percent-decoded segment by segment.
 */
export function blobPathInContainer(eventUrl: string, containerUrl: string): string | undefined {
  let event: URL;
  let container: URL;
  try {
    event = new URL(eventUrl);
    container = new URL(containerUrl);
  } catch {
    return undefined;
  }
  if (event.search !== "" || event.hash !== "") return undefined;
  if (blobEndpointOrigin(event) !== blobEndpointOrigin(container)) return undefined;
  const folder = `${container.pathname.replace(/\/+$/, "")}/`;
  if (!event.pathname.startsWith(folder)) return undefined;
  const encodedName = event.pathname.slice(folder.length);
  if (encodedName === "" || encodedName.endsWith("/")) return undefined;
  const segments = encodedName.split("/").map(decodeSegment);
  return segments.some((segment) => segment === "") ? undefined : segments.join("/");
}

/** `https://acct.blob.core.windows.net` for both `acct.blob.…` and `acct.dfs.…` (URL lowercases the host). */
function blobEndpointOrigin(url: URL): string {
  const host = url.host.replace(/^([^.]+)\.dfs\./, "$1.blob.");
  return `${url.protocol}//${host}`;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A `%` not followed by two hex digits was not encoded: it is part of the name.
    return segment;
  }
}

/** The folder a blob is a direct child of, as `folderPrefix` writes folders: `a/b/` for `a/b/c.csv`, `""` at the root. */
export function parentFolderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash + 1);
}

/**
 * How long after a write storage may still stamp its event, at most: the event of a blob the activation listed
 * and no longer remembers was written at or before the baseline's watermark (the listing's Date less the
 * watermark margin), so its eventTime is at or before the watermark plus this. Well under the watermark margin, so
 * that a blob written after the listing began (eventTime after its Date, less clock skew) is never taken for one.
 */
export const EVENT_TIME_MARGIN_MS = 30_000;

/** An activation's baseline as the event path consults it: the watermark and the fingerprints above it. */
export interface EventBaseline {
  watermarkMs: number;
  seen: ReadonlySet<string>;
}

export function eventBaselineOf(baseline: Pick<FolderCursor, "watermarkMs" | "seen">): EventBaseline {
  return { watermarkMs: baseline.watermarkMs, seen: new Set(baseline.seen) };
}

/**
 * Whether an event is about the baseline of the schedule's activation (CONTRACT 2.3: blobs present at activation do
 * not fire, in events mode too). The baseline is the activation's listing: its watermark, and the fingerprints of
 * the (name, ETag) pairs it showed above the watermark. An event whose pair is among them is baseline; one whose
 * eventTime is at or before the watermark plus EVENT_TIME_MARGIN_MS was written before the listing began. Any other
 * is a change after the activation, including an older ETag that arrives after a newer one.
 */
export function isBaselineEvent(
  baseline: EventBaseline,
  path: string,
  event: Pick<BlobCreatedEvent, "etag" | "eventTimeMs">,
): boolean {
  if (event.eventTimeMs <= baseline.watermarkMs + EVENT_TIME_MARGIN_MS) return true;
  return baseline.seen.has(blobFingerprint(path, event.etag));
}

/** The properties of a committed blob that a BlobCreated event carries. */
export interface CommittedBlob {
  /** The blob's URL, as a blob client names it (its name percent-encoded). */
  url: string;
  /** Container-relative name. */
  name: string;
  containerName: string;
  accountName: string;
  /** The ETag, quoted or not. */
  etag: string;
  contentLength: number;
  contentType?: string | undefined;
  lastModified: Date;
}

/**
 * A Microsoft.Storage.BlobCreated event in the Event Grid schema, as Event Grid writes one for a blob written with
 * the Blob API (event-schema-blob-storage.md, "Microsoft.Storage.BlobCreated event", Event Grid event schema),
 * made of the blob's own properties; `eventTime` is its Last-Modified. For the local host's bridge, whose Azurite
 * has no Event Grid, and for tests; in Azure, Event Grid itself writes these.
 */
export function blobCreatedEventOf(
  blob: CommittedBlob,
  extra: { id: string; api?: string },
): Record<string, unknown> {
  return {
    topic: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/${blob.accountName}`,
    subject: `/blobServices/default/containers/${blob.containerName}/blobs/${blob.name}`,
    eventType: BLOB_CREATED,
    eventTime: blob.lastModified.toISOString(),
    id: extra.id,
    data: {
      api: extra.api ?? "PutBlob",
      eTag: `"${listingEtag(blob.etag)}"`,
      contentType: blob.contentType ?? "application/octet-stream",
      contentLength: blob.contentLength,
      blobType: "BlockBlob",
      url: blob.url,
    },
    dataVersion: "",
    metadataVersion: "1",
  };
}
