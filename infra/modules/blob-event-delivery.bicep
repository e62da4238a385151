// Where Event Grid delivers blob events for change-based schedules with detection "events" (docs/change-based.md):
// the queue BLOB_EVENTS_QUEUE in the app's own storage, a container for what Event Grid cannot deliver, and the
// identity Event Grid delivers with, since the app's storage refuses shared keys.

@description('Name of the app\'s own storage account, in this resource group.')
param storageAccountName string

@description('BLOB_EVENTS_QUEUE: the queue Event Grid writes the events to and the app\'s queue trigger reads.')
param queueName string

@description('Blob container that Event Grid dead-letters the events it could not deliver to.')
param deadLetterContainerName string

@description('Name of the user-assigned identity that Event Grid delivers and dead-letters with.')
param identityName string

@description('Azure region of the identity.')
param location string

@description('Tags put on the identity.')
param tags object = {}

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
// Message Sender: put messages on the one queue, nothing more. Blob Data Contributor: write dead-letter blobs.
var storageQueueDataMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource queueService 'queueServices' existing = {
    name: 'default'
  }

  resource blobService 'blobServices' existing = {
    name: 'default'
  }
}

// Event Grid checks that the destination queue exists when a subscription is created.
resource queue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: storage::queueService
  name: queueName
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: storage::blobService
  name: deadLetterContainerName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

resource queueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, identity.id, storageQueueDataMessageSender)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSender)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, identity.id, storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output identityId string = identity.id
output storageAccountId string = storage.id
output queueName string = queue.name
output deadLetterContainerName string = deadLetterContainer.name
