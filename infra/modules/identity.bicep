@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags put on the identity.')
param tags object = {}

// One identity for everything the app reaches (its storage, the datastores, the workspace, Application Insights),
// so access survives recreating the app and can be granted before the app exists.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
