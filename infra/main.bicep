// aml-pipeline-scheduler on Azure Functions Flex Consumption, with no secret anywhere: the app reaches its
// storage, the datastores, the Azure ML workspace and Application Insights with one user-assigned managed identity.
// Deploy with `azd up` (azure.yaml, main.parameters.json); see README "Deploy to Azure".
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Azure region of all resources; must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Name of the resource group to create; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Resource id of the Azure ML workspace (/subscriptions/.../resourceGroups/.../providers/Microsoft.MachineLearningServices/workspaces/<name>). Sets AML_SUBSCRIPTION_ID, AML_RESOURCE_GROUP, AML_WORKSPACE_NAME and AML_REGION, and grants AzureML Data Scientist on it (v1 pipeline runs; v2 batch endpoint invocations and pipeline jobs). Empty: no workspace; schedules then target pipelines by endpointUrl only.')
param amlWorkspaceResourceId string = ''

@description('Resource ids of the storage accounts behind the Azure ML datastores that change-based schedules watch; each gets Storage Blob Data Reader for the app. The accounts may be in other resource groups or subscriptions.')
param datastoreStorageAccountIds string[] = []

@description('AML_PIPELINES_BASE_URL: replaces https://{AML_REGION}.api.azureml.ms when set.')
param amlPipelinesBaseUrl string = ''

@description('AML_TOKEN_SCOPE: scope of the bearer token sent to pipeline endpoints.')
param amlTokenScope string = 'https://management.azure.com/.default'

@description('AML_TOKEN_HOSTS: comma-separated host patterns ("*." matches any subdomain) that may receive the token.')
param amlTokenHosts string = '*.api.azureml.ms'

@description('ALLOWED_ENDPOINT_HOSTS: comma-separated host patterns that endpointUrl targets may use.')
param allowedEndpointHosts string = '*.api.azureml.ms'

@description('ALLOWED_DATASTORE_HOSTS: comma-separated host patterns a datastore accountUrl may name; the app\'s storage token goes to these hosts only. Sovereign clouds and private endpoints add theirs (docs/settings.md).')
param allowedDatastoreHosts string = '*.blob.core.windows.net'

@description('DATASTORE_CONNECTION_SETTINGS: comma-separated names of the app settings datastores may read a connection string from (set those settings yourself, e.g. as Key Vault references); empty for none.')
param datastoreConnectionSettings string = ''

@description('ALLOWED_NOTIFY_HOSTS: comma-separated host patterns a schedule\'s notify.url may name (a Logic App HTTP trigger by default; docs/notifications.md). No token is sent to them.')
param allowedNotifyHosts string = '*.logic.azure.com'

@description('SCHEDULER_TICK: six-field NCRONTAB (seconds first, UTC) of the scheduling timer.')
param schedulerTick string = '0 * * * * *'

@description('SUBMIT_CONCURRENCY: POSTs to pipeline endpoints each instance has in flight at most (1-1000); a 429 slows the whole instance (docs/operations.md).')
param submitConcurrency string = '100'
@description('RUN_FOLLOW_HOURS: how many hours a submitted run is followed to its end, 1-720 (docs/settings.md).')
param runFollowHours string = '72'
@description('BLOB_EVENTS_QUEUE: the queue of the app\'s storage that Event Grid writes blob events to, for change-based schedules with detection "events".')
param blobEventsQueue string = 'blob-events'

@description('Delivers the BlobCreated events of the containers in blobEventSources to BLOB_EVENTS_QUEUE: an Event Grid system topic on each of their storage accounts, one subscription per container, and a dead-letter container in the app\'s storage.')
param enableBlobEvents bool = false

@description('With enableBlobEvents, the storage accounts and containers behind the datastores of events-mode schedules: [{ "storageAccountId": "/subscriptions/.../storageAccounts/<name>", "containers": ["<containerName>"] }]. An account takes one system topic only: for an account that has one, use the az commands of docs/change-based.md instead.')
param blobEventSources array = []
@description('AML_ARM_BASE_URL: Azure Resource Manager, for Azure ML v2 batch endpoint lookups and pipeline jobs (sovereign clouds: docs/settings.md).')
param amlArmBaseUrl string = 'https://management.azure.com'

@description('AML_ARM_TOKEN_SCOPE: scope of the token sent to AML_ARM_BASE_URL\'s host (and no other).')
param amlArmTokenScope string = 'https://management.azure.com/.default'

@description('AML_INVOKE_TOKEN_SCOPE: scope of the token sent to Azure ML v2 batch endpoints (the https://ml.azure.com audience).')
param amlInvokeTokenScope string = 'https://ml.azure.com/.default'

@description('AML_INVOKE_TOKEN_HOSTS: comma-separated host patterns of batch endpoint scoring URIs, the only hosts that get the invoke token.')
param amlInvokeTokenHosts string = '*.inference.ml.azure.com'

@description('Node.js major version of the Functions runtime.')
@allowed(['20', '22'])
param nodeVersion string = '20'

@description('Upper bound of instances Flex Consumption scales the app out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Turns on App Service authentication with Microsoft Entra ID in front of the HTTP API, in addition to function keys.')
param enableEntraIdAuth bool = false

@description('Application (client) id of the Entra ID app registration that callers request tokens for; required when enableEntraIdAuth is true.')
param entraClientId string = ''

@description('Tenant id of that app registration; default the tenant of the deployment.')
param entraTenantId string = tenant().tenantId

@description('Token audiences the API accepts; default api://<entraClientId> and <entraClientId>.')
param entraAllowedAudiences string[] = []

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var blobEventsDeadLetterContainerName = 'blob-events-deadletter'

// /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{name}
var workspaceGiven = !empty(amlWorkspaceResourceId)
var workspaceIdParts = split(amlWorkspaceResourceId, '/')
var amlSubscriptionId = workspaceGiven ? workspaceIdParts[2] : ''
var amlResourceGroup = workspaceGiven ? workspaceIdParts[4] : ''
var amlWorkspaceName = workspaceGiven ? last(workspaceIdParts) : ''

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module appRoles 'modules/app-roles.bicep' = {
  name: 'app-roles'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
  }
}

module datastoreReaders 'modules/datastore-reader.bicep' = [
  for (accountId, index) in datastoreStorageAccountIds: {
    name: 'datastore-reader-${index}'
    scope: resourceGroup(split(accountId, '/')[2], split(accountId, '/')[4])
    params: {
      storageAccountName: last(split(accountId, '/'))
      principalId: identity.outputs.principalId
    }
  }
]

module blobEventDelivery 'modules/blob-event-delivery.bicep' = if (enableBlobEvents) {
  name: 'blob-event-delivery'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    queueName: blobEventsQueue
    deadLetterContainerName: blobEventsDeadLetterContainerName
    identityName: 'id-events-${resourceToken}'
    location: location
    tags: tags
  }
}

module blobEvents 'modules/blob-events.bicep' = [
  for (source, index) in blobEventSources: if (enableBlobEvents) {
    name: 'blob-events-${index}'
    scope: resourceGroup(split(source.storageAccountId, '/')[2], split(source.storageAccountId, '/')[4])
    params: {
      storageAccountName: last(split(source.storageAccountId, '/'))
      containers: source.containers
      topicName: 'evgt-${resourceToken}-${index}'
      deliveryIdentityId: blobEventDelivery!.outputs.identityId
      destinationStorageAccountId: blobEventDelivery!.outputs.storageAccountId
      queueName: blobEventDelivery!.outputs.queueName
      deadLetterContainerName: blobEventDelivery!.outputs.deadLetterContainerName
      tags: tags
    }
  }
]

module workspaceAccess 'modules/workspace-access.bicep' = if (workspaceGiven) {
  name: 'workspace-access'
  scope: resourceGroup(workspaceGiven ? amlSubscriptionId : subscription().subscriptionId, workspaceGiven ? amlResourceGroup : rg.name)
  params: {
    workspaceName: amlWorkspaceName
    principalId: identity.outputs.principalId
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  // The host needs its storage roles at its first start, or it fails to take its leases.
  dependsOn: [appRoles]
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    amlSubscriptionId: amlSubscriptionId
    amlResourceGroup: amlResourceGroup
    amlWorkspaceName: amlWorkspaceName
    amlRegion: workspaceGiven ? workspaceAccess!.outputs.location : ''
    amlPipelinesBaseUrl: amlPipelinesBaseUrl
    amlTokenScope: amlTokenScope
    amlTokenHosts: amlTokenHosts
    allowedEndpointHosts: allowedEndpointHosts
    allowedDatastoreHosts: allowedDatastoreHosts
    datastoreConnectionSettings: datastoreConnectionSettings
    allowedNotifyHosts: allowedNotifyHosts
    schedulerTick: schedulerTick
    submitConcurrency: submitConcurrency
    runFollowHours: runFollowHours
    blobEventsQueue: blobEventsQueue
    amlArmBaseUrl: amlArmBaseUrl
    amlArmTokenScope: amlArmTokenScope
    amlInvokeTokenScope: amlInvokeTokenScope
    amlInvokeTokenHosts: amlInvokeTokenHosts
    enableEntraIdAuth: enableEntraIdAuth
    entraClientId: entraClientId
    entraTenantId: entraTenantId
    entraAllowedAudiences: entraAllowedAudiences
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
