@description('Name of the Function App (also its host name, <name>.azurewebsites.net).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags put on the plan and the app; the app also gets azd-service-name.')
param tags object = {}

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of that identity; the storage connection and DefaultAzureCredential select it by this id.')
param identityClientId string

@description('Name of the storage account holding the app\'s state (AzureWebJobsStorage) and its deployment package.')
param storageAccountName string

@description('Blob container of that account that Flex Consumption deploys the package to.')
param deploymentContainerName string

@description('Connection string of Application Insights (not a secret: local auth is off, ingestion needs a token).')
param applicationInsightsConnectionString string

@description('Node.js major version of the Functions runtime.')
@allowed(['20', '22'])
param nodeVersion string = '20'

@description('Upper bound of instances Flex Consumption scales the app out to (queue workers, HTTP).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('AML_SUBSCRIPTION_ID: subscription of the Azure ML workspace; empty when no workspace is configured.')
param amlSubscriptionId string = ''

@description('AML_RESOURCE_GROUP: resource group of the Azure ML workspace; empty when no workspace is configured.')
param amlResourceGroup string = ''

@description('AML_WORKSPACE_NAME: name of the Azure ML workspace; empty when no workspace is configured.')
param amlWorkspaceName string = ''

@description('AML_REGION: region of the Azure ML workspace (pipelines API host {region}.api.azureml.ms).')
param amlRegion string = ''

@description('AML_PIPELINES_BASE_URL: replaces https://{AML_REGION}.api.azureml.ms when set.')
param amlPipelinesBaseUrl string = ''

@description('AML_TOKEN_SCOPE: scope of the bearer token sent to pipeline endpoints.')
param amlTokenScope string

@description('AML_TOKEN_HOSTS: comma-separated host patterns that may receive the token.')
param amlTokenHosts string

@description('ALLOWED_ENDPOINT_HOSTS: comma-separated host patterns that endpointUrl targets may use.')
param allowedEndpointHosts string

@description('ALLOWED_DATASTORE_HOSTS: comma-separated host patterns a datastore accountUrl may name.')
param allowedDatastoreHosts string

@description('DATASTORE_CONNECTION_SETTINGS: comma-separated names of the app settings datastores may read a connection string from.')
param datastoreConnectionSettings string

@description('ALLOWED_NOTIFY_HOSTS: comma-separated host patterns a schedule\'s notify.url may name.')
param allowedNotifyHosts string

@description('SCHEDULER_TICK: six-field NCRONTAB of the scheduling timer, in UTC.')
param schedulerTick string

@description('SUBMIT_CONCURRENCY: POSTs each instance has in flight at most.')
param submitConcurrency string
@description('RUN_FOLLOW_HOURS: how many hours a submitted run is followed to its end.')
param runFollowHours string
@description('BLOB_EVENTS_QUEUE: the queue of the app\'s storage that Event Grid writes blob events to.')
param blobEventsQueue string
@description('AML_ARM_BASE_URL: Azure Resource Manager, for Azure ML v2 batch endpoint lookups and pipeline jobs.')
param amlArmBaseUrl string

@description('AML_ARM_TOKEN_SCOPE: scope of the token sent to AML_ARM_BASE_URL\'s host (and no other).')
param amlArmTokenScope string

@description('AML_INVOKE_TOKEN_SCOPE: scope of the token sent to Azure ML v2 batch endpoints.')
param amlInvokeTokenScope string

@description('AML_INVOKE_TOKEN_HOSTS: comma-separated host patterns of batch endpoint scoring URIs, the only hosts that get the invoke token.')
param amlInvokeTokenHosts string

@description('Turns on App Service authentication with Microsoft Entra ID in front of the HTTP API (function keys still apply).')
param enableEntraIdAuth bool = false

@description('Application (client) id of the Entra ID app registration that callers request tokens for.')
param entraClientId string = ''

@description('Tenant id of that app registration.')
param entraTenantId string = ''

@description('Token audiences accepted; default api://<entraClientId> (v1 tokens) and <entraClientId> (v2 tokens).')
param entraAllowedAudiences string[] = []

var storageSuffix = environment().suffixes.storage
var blobServiceUri = 'https://${storageAccountName}.blob.${storageSuffix}'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the service "api" of azure.yaml to the resource carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobServiceUri}/${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      // Flex Consumption takes the runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME and
      // FUNCTIONS_EXTENSION_VERSION must not be set here.
      appSettings: [
        // Identity-based AzureWebJobsStorage, read alike by the Functions host (timer leases, queue trigger)
        // and by the code (tables, queues): no connection string, no account key.
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__blobServiceUri', value: blobServiceUri }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: 'https://${storageAccountName}.queue.${storageSuffix}' }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: 'https://${storageAccountName}.table.${storageSuffix}' }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // DefaultAzureCredential picks the user-assigned identity by this id wherever the code gives none.
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
        // Telemetry is sent with a token of the managed identity (Application Insights has local auth off).
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        // CONTRACT 6. Empty values count as unset, so a deployment without a workspace still starts.
        { name: 'AML_SUBSCRIPTION_ID', value: amlSubscriptionId }
        { name: 'AML_RESOURCE_GROUP', value: amlResourceGroup }
        { name: 'AML_WORKSPACE_NAME', value: amlWorkspaceName }
        { name: 'AML_REGION', value: amlRegion }
        { name: 'AML_PIPELINES_BASE_URL', value: amlPipelinesBaseUrl }
        { name: 'AML_TOKEN_SCOPE', value: amlTokenScope }
        { name: 'AML_TOKEN_HOSTS', value: amlTokenHosts }
        { name: 'ALLOWED_ENDPOINT_HOSTS', value: allowedEndpointHosts }
        // The storage token of accountUrl datastores goes to these hosts only (CONTRACT 4, 6).
        { name: 'ALLOWED_DATASTORE_HOSTS', value: allowedDatastoreHosts }
        // Empty: no datastore reads a connection string.
        { name: 'DATASTORE_CONNECTION_SETTINGS', value: datastoreConnectionSettings }
        // Where notifications may be POSTed (CONTRACT 8); they carry no token or key.
        { name: 'ALLOWED_NOTIFY_HOSTS', value: allowedNotifyHosts }
        // The timer trigger's schedule is "%SCHEDULER_TICK%": the host fails to index it if this is missing.
        { name: 'SCHEDULER_TICK', value: schedulerTick }
        // The instance-wide submission gate; host.json batchSize + newBatchThreshold let enough messages in.
        { name: 'SUBMIT_CONCURRENCY', value: submitConcurrency }
        // CONTRACT 4: the follow-up reads of a submitted run stop this many hours after its submission.
        { name: 'RUN_FOLLOW_HOURS', value: runFollowHours }
        // The queue trigger of blob events listens to "%BLOB_EVENTS_QUEUE%" (change-based schedules, detection "events").
        { name: 'BLOB_EVENTS_QUEUE', value: blobEventsQueue }
        // Azure ML v2 (CONTRACT 6, 7): each token to its own hosts only.
        { name: 'AML_ARM_BASE_URL', value: amlArmBaseUrl }
        { name: 'AML_ARM_TOKEN_SCOPE', value: amlArmTokenScope }
        { name: 'AML_INVOKE_TOKEN_SCOPE', value: amlInvokeTokenScope }
        { name: 'AML_INVOKE_TOKEN_HOSTS', value: amlInvokeTokenHosts }
      ]
    }
  }

  // App Service authentication (Easy Auth): requests without a valid Entra ID token are refused with 401
  // before they reach the functions. Timer and queue triggers are not HTTP and are unaffected.
  resource entraIdAuth 'config' = if (enableEntraIdAuth) {
    name: 'authsettingsV2'
    properties: {
      platform: {
        enabled: true
      }
      globalValidation: {
        requireAuthentication: true
        unauthenticatedClientAction: 'Return401'
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            clientId: entraClientId
            openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
          }
          validation: {
            allowedAudiences: empty(entraAllowedAudiences) ? ['api://${entraClientId}', entraClientId] : entraAllowedAudiences
          }
        }
      }
      login: {
        tokenStore: {
          enabled: false
        }
      }
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
