// Example: a Logic App (Consumption) that runs an Azure ML pipeline for every blob uploaded to a folder, through
// the scheduler's submit-and-wait API, and fails its run when the pipeline run fails or is canceled.
// Deploy into any resource group:
//   az deployment group create -g <rg> -f infra/examples/logic-app-submit-and-wait.bicep \
//     -p schedulerAppName=<function app> schedulerResourceGroup=<its rg> storageAccountName=<account> \
//        containerName=incoming pipelineId=<published pipeline id> experimentName=BlobRuns
// Then grant the workflow's identity (output principalId) "Storage Blob Data Reader" on the storage account.

@description('Azure region of the workflow and its blob connection.')
param location string = resourceGroup().location

@description('Name of the Logic App workflow.')
param workflowName string = 'la-submit-aml-pipeline'

@description('Name of the scheduler\'s Function App (the API is https://<name>.azurewebsites.net/api).')
param schedulerAppName string

@description('Resource group of the scheduler\'s Function App; its default function key is read from there.')
param schedulerResourceGroup string = resourceGroup().name

@description('Storage account whose container the trigger watches.')
param storageAccountName string

@description('Container (and optional folder) watched for new or changed blobs, e.g. incoming or incoming/daily.')
param containerName string

@description('Published pipeline id submitted for each blob.')
param pipelineId string

@description('ExperimentName of the runs.')
param experimentName string

@description('Pipeline DataPath parameter that receives the blob (DataStoreName/RelativePath).')
param dataPathParameterName string = 'input_datapath'

@description('Azure ML datastore registered on that container.')
param dataStoreName string = 'workspaceblobstore'

@description('Application ID URI of the scheduler\'s Entra app registration when App Service authentication is on (ENABLE_ENTRA_ID_AUTH), e.g. api://<client id>; empty when only function keys protect the API.')
param schedulerAudience string = ''

@description('How long one pipeline run may take before the step gives up waiting (ISO 8601 duration).')
param waitTimeout string = 'PT12H'

// The blob trigger reads with the workflow's managed identity: no storage key is stored anywhere.
resource blobConnection 'Microsoft.Web/connections@2016-06-01' = {
  name: 'azureblob-${workflowName}'
  location: location
  properties: {
    displayName: 'Blob storage (managed identity)'
    api: {
      id: subscriptionResourceId('Microsoft.Web/locations/managedApis', location, 'azureblob')
    }
    parameterValueSet: {
      name: 'managedIdentityAuth'
      values: {}
    }
  }
}

// The function key stays a secure workflow parameter: it is not shown in the run history or the definition.
var functionKey = listKeys(resourceId(schedulerResourceGroup, 'Microsoft.Web/sites/host', schedulerAppName, 'default'), '2023-12-01').functionKeys.default

var container = split(containerName, '/')[0]

var submitInputs = {
  method: 'POST'
  // `code` in the query (not a header): the scheduler copies it into the Location it answers, so the Logic App's
  // polls of GET /api/runs/{id}/wait carry the key too.
  uri: 'https://${schedulerAppName}.azurewebsites.net/api/pipelines/${pipelineId}/submit?code=@{parameters(\'schedulerKey\')}'
  headers: {
    'Content-Type': 'application/json'
  }
  body: {
    ExperimentName: experimentName
    ParameterAssignments: {
      blob_name: '@{triggerBody()?[\'Name\']}'
    }
    DataPathAssignments: {
      '${dataPathParameterName}': {
        DataStoreName: dataStoreName
        // The connector's Path is /<container>/<folder>/<name>; the datastore wants it relative to the container.
        RelativePath: '@{substring(triggerBody()?[\'Path\'], ${length(container) + 2})}'
      }
    }
    Tags: {
      caller: 'logic-app'
      workflowRun: '@{workflow()?[\'run\']?[\'name\']}'
    }
  }
}

resource workflow 'Microsoft.Logic/workflows@2019-05-01' = {
  name: workflowName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    state: 'Enabled'
    definition: {
      '$schema': 'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#'
      contentVersion: '1.0.0.0'
      parameters: {
        '$connections': {
          type: 'Object'
          defaultValue: {}
        }
        schedulerKey: {
          type: 'SecureString'
        }
      }
      triggers: {
        When_a_blob_is_added_or_modified: {
          type: 'ApiConnection'
          recurrence: {
            frequency: 'Minute'
            interval: 5
          }
          // One workflow run per blob.
          splitOn: '@triggerBody()'
          inputs: {
            host: {
              connection: {
                name: '@parameters(\'$connections\')[\'azureblob\'][\'connectionId\']'
              }
            }
            method: 'get'
            path: '/v2/datasets/@{encodeURIComponent(encodeURIComponent(\'${storageAccountName}\'))}/triggers/batch/onupdatedfile'
            queries: {
              folderId: containerName
              maxFileCount: 10
              checkBothCreatedAndModifiedDateTime: false
            }
          }
        }
      }
      actions: {
        // The HTTP action follows the asynchronous request-reply pattern by default: on 202 it polls the Location,
        // honouring Retry-After, until a final status. 200 ends the step successfully; the 424 of a failed or
        // canceled pipeline run fails it (a 4xx is not retried by the default retry policy).
        Submit_pipeline_and_wait: {
          type: 'Http'
          runAfter: {}
          limit: {
            timeout: waitTimeout
          }
          inputs: empty(schedulerAudience)
            ? submitInputs
            : union(submitInputs, {
                authentication: {
                  type: 'ManagedServiceIdentity'
                  audience: schedulerAudience
                }
              })
        }
      }
      outputs: {}
    }
    parameters: {
      '$connections': {
        value: {
          azureblob: {
            connectionId: blobConnection.id
            connectionName: blobConnection.name
            id: blobConnection.properties.api.id
            connectionProperties: {
              authentication: {
                type: 'ManagedServiceIdentity'
              }
            }
          }
        }
      }
      schedulerKey: {
        value: functionKey
      }
    }
  }
}

@description('Principal id of the workflow\'s identity: grant it Storage Blob Data Reader on the storage account.')
output principalId string = workflow.identity.principalId
