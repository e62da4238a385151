@description('Name of the storage account that holds the app\'s state (tables, queues) and its deployment package.')
param name string

@description('Azure region of the storage account.')
param location string

@description('Tags put on the storage account.')
param tags object = {}

@description('Name of the blob container that Flex Consumption deploys the app package to.')
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    // No account keys: the app and the Functions host reach it with the managed identity only.
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
    }
  }
}

output name string = storage.name
