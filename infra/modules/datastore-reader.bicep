// Deployed once per datastore storage account, into that account's resource group (which may be another one,
// in another subscription), because a role assignment is created at the scope of the resource it grants.

@description('Name of a storage account that backs an Azure ML datastore watched by change-based schedules.')
param storageAccountName string

@description('Principal (object) id of the app\'s managed identity.')
param principalId string

// Storage Blob Data Reader: list and read blobs, nothing more; the folder checks never write to a datastore.
var storageBlobDataReader = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageBlobDataReader)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
