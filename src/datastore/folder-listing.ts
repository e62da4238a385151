import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import {
  connectionStringMessage,
  parseStorageConnectionString,
} from "../settings/storage-connection-string.js";
import { blobServiceFromConnection } from "../state/storage-clients.js";
import { datastoreAccessProblem, type DatastoreAccessPolicy } from "./datastore-access.js";
import type { DatastoreRecord } from "./datastore-record.js";
import type { FolderListing, ListedBlob } from "./folder-changes.js";

/** List Blobs returns at most 5,000 items per page (Blob service REST API, `maxresults`). */
export const MAX_LISTING_PAGE_SIZE = 5_000;

/**
 * A datastore that cannot or must not be reached as registered (its app setting is missing or not a connection
 * string, or the access rules refuse it); retrying will not help.
 */
export class DatastoreConfigurationError extends Error {
  override name = "DatastoreConfigurationError";
}

export interface DatastoreConnection {
  /** For `accountUrl` datastores: DefaultAzureCredential (needs Storage Blob Data Reader on the account). */
  credential: TokenCredential;
  /** Reads an app setting when a check runs, so a rotated connection string is picked up. */
  appSetting(name: string): string | undefined;
  /** Where the credential's token and the app settings may be used (CONTRACT 4, 6). */
  policy: DatastoreAccessPolicy;
}

/**
 * The container of a registered datastore. Throws DatastoreConfigurationError, before any client exists (so no
 * token is asked for and nothing is sent), when the access rules refuse the datastore or its setting is unusable.
 */
export function openDatastoreContainer(
  datastore: DatastoreRecord,
  connection: DatastoreConnection,
): ContainerClient {
  const refused = datastoreAccessProblem(datastore, connection.policy);
  if (refused !== undefined) {
    throw new DatastoreConfigurationError(
      `datastore ${datastore.name} is refused, nothing was sent: its ${refused.path} ${refused.message}`,
    );
  }
  if (datastore.connectionStringSetting !== undefined) {
    const setting = datastore.connectionStringSetting;
    const connectionString = connection.appSetting(setting);
    if (connectionString === undefined || connectionString.trim() === "") {
      throw new DatastoreConfigurationError(
        `the app setting ${setting} of datastore ${datastore.name} is not set`,
      );
    }
    const parsed = parseStorageConnectionString(connectionString, ["blob"]);
    if (!parsed.ok) {
      throw new DatastoreConfigurationError(
        `the app setting ${setting} of datastore ${datastore.name} ${connectionStringMessage(parsed.problem)}`,
      );
    }
    return blobServiceFromConnection(parsed.connection).getContainerClient(datastore.containerName);
  }
  if (datastore.accountUrl === undefined) {
    throw new DatastoreConfigurationError(
      `datastore ${datastore.name} has neither accountUrl nor connectionStringSetting`,
    );
  }
  // The origin alone: the rules above allow nothing else in the URL, and nothing else is used.
  return new BlobServiceClient(
    new URL(datastore.accountUrl).origin,
    connection.credential,
  ).getContainerClient(datastore.containerName);
}

export interface ListingPage {
  blobs: ListedBlob[];
  /** The page response's `Date` header, epoch ms. */
  serviceTimeMs: number;
}

/**
 * The direct children of `prefix`, page by page: a hierarchical listing with the `/` delimiter, so that the
 * contents of subfolders are never listed (they come back as one prefix each, which is skipped).
 */
export async function* folderListingPages(
  container: ContainerClient,
  prefix: string,
  pageSize = MAX_LISTING_PAGE_SIZE,
): AsyncGenerator<ListingPage> {
  const pages = container.listBlobsByHierarchy("/", { prefix }).byPage({ maxPageSize: pageSize });
  for await (const page of pages) {
    if (page.date === undefined) throw new Error("The blob listing answered without a Date header");
    const blobs: ListedBlob[] = [];
    for (const item of page.segment.blobItems) {
      // A zero-length blob named like the folder itself (a "directory marker" some tools write) is no file.
      if (item.name === prefix || item.name.endsWith("/")) continue;
      blobs.push({
        name: item.name,
        etag: item.properties.etag,
        lastModifiedMs: item.properties.lastModified.getTime(),
      });
    }
    yield { blobs, serviceTimeMs: page.date.getTime() };
  }
}

/** The whole listing, timed by the service's clock when its first page was answered. */
export async function listFolder(
  container: ContainerClient,
  prefix: string,
  pageSize = MAX_LISTING_PAGE_SIZE,
): Promise<FolderListing> {
  const blobs: ListedBlob[] = [];
  let serviceTimeMs: number | undefined;
  for await (const page of folderListingPages(container, prefix, pageSize)) {
    serviceTimeMs ??= page.serviceTimeMs;
    for (const blob of page.blobs) blobs.push(blob);
  }
  if (serviceTimeMs === undefined) throw new Error("The blob listing returned no page");
  return { blobs, serviceTimeMs };
}
