// Deployed into the Azure ML workspace's resource group, which may differ from the app's.

@description('Name of the Azure ML workspace whose published pipelines and pipeline endpoints the schedules run.')
param workspaceName string

@description('Principal (object) id of the app\'s managed identity.')
param principalId string

// AzureML Data Scientist: may submit pipeline runs (and read pipelines) in the workspace, but not manage it. It covers
// what Azure ML v2 targets need too: reading batch endpoints, invoking them and creating jobs (MicrosoftDocs/azure-ai-docs
// articles/machine-learning/how-to-access-data-batch-endpoints-jobs.md, prerequisites: "You can use the AzureML Data
// Scientist, Contributor, and Owner roles to run a deployment"; how-to-authenticate-batch-endpoint.md lists the actions:
// batchEndpoints/read, batchEndpoints/jobs/write, experiments/runs/submit/action, ...), and reading components and
// creating and reading jobs, which a pipeline component target does through Resource Manager (the role grants the
// workspace's sub-resources, Microsoft.MachineLearningServices/workspaces/*, but not writing the workspace itself).
var azureMLDataScientist = 'f6c7c914-8db3-469d-8ca1-694a8f32e121'

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-10-01' existing = {
  name: workspaceName
}

resource dataScientist 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, azureMLDataScientist)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', azureMLDataScientist)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The pipelines API is regional: https://{region}.api.azureml.ms (CONTRACT 6, AML_REGION).
output location string = workspace.location
