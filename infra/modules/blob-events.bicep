// An Event Grid system topic on a storage account behind a datastore, with one subscription per watched container
// that writes Microsoft.Storage.BlobCreated events to BLOB_EVENTS_QUEUE (docs/change-based.md, "Events mode").
// Deployed into the account's own resource group, which may be another one, in another subscription. An account
// has at most one system topic: for one that has a topic already, use the az commands of the docs instead.
// Sources: MicrosoftDocs/azure-docs articles/event-grid/handler-storage-queues.md (StorageQueue destination,
// dead-letter destination, delivery with a managed identity), event-filtering.md (includedEventTypes,
// subjectBeginsWith, advancedFilters), delivery-and-retry.md (retry policy, dead-lettering).

@description('Name of the storage account whose blob events feed change-based schedules, in this resource group.')
param storageAccountName string

@description('Blob containers of that account (the datastores\' containerName) whose BlobCreated events are delivered.')
param containers string[]

@description('Name of the Event Grid system topic to create on the account.')
param topicName string

@description('Resource id of the user-assigned identity Event Grid delivers and dead-letters with.')
param deliveryIdentityId string

@description('Resource id of the app\'s own storage account, which holds the queue and the dead-letter container.')
param destinationStorageAccountId string

@description('BLOB_EVENTS_QUEUE: the queue of the app\'s storage that the events are written to.')
param queueName string

@description('Blob container of the app\'s storage that undeliverable events are dead-lettered to.')
param deadLetterContainerName string

@description('Tags put on the system topic.')
param tags object = {}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: topicName
  // A system topic lives where its source does.
  location: storage.location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${deliveryIdentityId}': {}
    }
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource blobCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = [
  for container in containers: {
    parent: systemTopic
    name: 'blob-created-${container}'
    properties: {
      // The service reads the Event Grid schema (CONTRACT 2.3), not CloudEvents.
      eventDeliverySchema: 'EventGridSchema'
      filter: {
        includedEventTypes: [
          'Microsoft.Storage.BlobCreated'
        ]
        // "To match events from blobs created in specific container" (event-filtering.md): the trailing slash
        // keeps out other containers whose names start with this one.
        subjectBeginsWith: '/blobServices/default/containers/${container}/'
        // Data Lake writes a file in two events: a zero-length CreateFile, then FlushWithClose once the data is
        // committed (event-schema-blob-storage.md). Filters are ANDed, so "CreateFile and zero-length" cannot be
        // dropped as such; CreateFile always creates an empty file, so it is dropped by its API alone.
        advancedFilters: [
          {
            operatorType: 'StringNotIn'
            key: 'data.api'
            values: [
              'CreateFile'
            ]
          }
        ]
      }
      deliveryWithResourceIdentity: {
        identity: {
          type: 'UserAssigned'
          userAssignedIdentity: deliveryIdentityId
        }
        destination: {
          endpointType: 'StorageQueue'
          properties: {
            resourceId: destinationStorageAccountId
            queueName: queueName
            // Kept until read: a message that waits out an outage of the app still fires (once) when it is read.
            queueMessageTimeToLiveInSeconds: -1
          }
        }
      }
      deadLetterWithResourceIdentity: {
        identity: {
          type: 'UserAssigned'
          userAssignedIdentity: deliveryIdentityId
        }
        deadLetterDestination: {
          endpointType: 'StorageBlob'
          properties: {
            resourceId: destinationStorageAccountId
            blobContainerName: deadLetterContainerName
          }
        }
      }
      // Event Grid's defaults, written out: 30 attempts within 24 hours, then the dead-letter container. What is
      // dead-lettered is still fired by the next reconciliation listing.
      retryPolicy: {
        maxDeliveryAttempts: 30
        eventTimeToLiveInMinutes: 1440
      }
    }
  }
]

output topicName string = systemTopic.name
