// Example: a Logic App (Consumption) that receives the scheduler's notifications (CONTRACT 8, docs/notifications.md)
// on an HTTP request trigger and posts each one to a Teams channel or sends it by mail.
// Deploy into any resource group:
//   az deployment group create -g <rg> -f infra/examples/logic-app-notify.bicep \
//     -p deliverBy=teams teamsWebhookUrl='<URL of a Teams "When a Teams webhook request is received" workflow>'
//   az deployment group create -g <rg> -f infra/examples/logic-app-notify.bicep \
//     -p deliverBy=mail mailTo=ml-team@contoso.com
// With deliverBy=mail, authorise the Office 365 connection once (portal: API connections > office365-<name> > Edit
// API connection > Authorize): mail is sent as the account that signs in there.
// Then read the trigger's URL (it carries the trigger's signature: treat it as a secret) and put it in notify.url:
//   az rest --method post --uri "$(az logic workflow show -g <rg> -n la-aml-notifications --query id -o tsv)/triggers/When_a_notification_arrives/listCallbackUrl?api-version=2019-05-01" --query value -o tsv
// Its host, <region>.logic.azure.com, matches the default ALLOWED_NOTIFY_HOSTS (*.logic.azure.com).

@description('Azure region of the workflow and its mail connection.')
param location string = resourceGroup().location

@description('Name of the Logic App workflow.')
param workflowName string = 'la-aml-notifications'

@description('Where each notification goes: a Teams channel (through a Teams webhook workflow) or a mailbox.')
@allowed([
  'teams'
  'mail'
])
param deliverBy string = 'teams'

@description('With deliverBy=teams: the URL of a Teams workflow made from the template "Post to a channel when a webhook request is received"; kept as a secure workflow parameter, out of the run history.')
@secure()
param teamsWebhookUrl string = ''

@description('With deliverBy=mail: the recipients, separated by semicolons.')
param mailTo string = ''

// The trigger checks the body against the schema of src/notifications/notification-payload.ts (the fields this
// workflow reads); test/infra/logic-app-notify.test.ts keeps the two in step. A body that does not match is
// answered 400, which the scheduler does not retry (src/submit/retry-policy.ts retries 408, 429 and 5xx only).
var notificationSchema = loadJsonContent('logic-app-notify.schema.json')

// Words for the event names of CONTRACT 8.
var headline = '@{if(equals(triggerBody()?[\'event\'], \'schedule.paused\'), \'Schedule paused\', concat(\'Run \', triggerBody()?[\'run\']?[\'outcome\']))}: @{triggerBody()?[\'schedule\']?[\'name\']}'
var errorText = '@{coalesce(triggerBody()?[\'run\']?[\'error\'], \'no error message\')}'
// A run that never reached Azure ML (its submission failed, or it was skipped) has studioUrl null.
var studioMarkdown = '@{if(empty(triggerBody()?[\'run\']?[\'studioUrl\']), \'Not in Azure ML studio: the run was not submitted.\', concat(\'[Open the run in Azure ML studio](\', triggerBody()?[\'run\']?[\'studioUrl\'], \')\'))}'
// The mail body is HTML and the error is the endpoint's text: escaped, so that it shows as text.
var errorHtml = '@{replace(replace(replace(coalesce(triggerBody()?[\'run\']?[\'error\'], \'no error message\'), \'&\', \'&amp;\'), \'<\', \'&lt;\'), \'>\', \'&gt;\')}'
var studioHtml = '@{if(empty(triggerBody()?[\'run\']?[\'studioUrl\']), \'The run was not submitted to Azure ML.\', concat(\'<a href="\', triggerBody()?[\'run\']?[\'studioUrl\'], \'">Open the run in Azure ML studio</a>\'))}'

// An Adaptive Card, the message shape Teams webhook workflows post
// (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook).
var teamsAction = {
  Post_to_Teams: {
    type: 'Http'
    runAfter: {}
    inputs: {
      method: 'POST'
      uri: '@parameters(\'teamsWebhookUrl\')'
      headers: {
        'Content-Type': 'application/json'
      }
      body: {
        type: 'message'
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive'
            content: {
              '$schema': 'http://adaptivecards.io/schemas/adaptive-card.json'
              type: 'AdaptiveCard'
              version: '1.4'
              body: [
                {
                  type: 'TextBlock'
                  text: headline
                  weight: 'Bolder'
                  size: 'Medium'
                  wrap: true
                }
                {
                  type: 'FactSet'
                  facts: [
                    {
                      title: 'Reason'
                      value: '@{triggerBody()?[\'run\']?[\'reason\']}'
                    }
                    {
                      title: 'At'
                      value: '@{triggerBody()?[\'at\']}'
                    }
                    {
                      title: 'Run'
                      value: '@{triggerBody()?[\'run\']?[\'id\']}'
                    }
                  ]
                }
                {
                  type: 'TextBlock'
                  text: errorText
                  wrap: true
                }
                {
                  type: 'TextBlock'
                  text: studioMarkdown
                  wrap: true
                }
              ]
            }
          }
        ]
      }
    }
  }
}

// Office 365 Outlook's "Send an email (V2)" (https://learn.microsoft.com/connectors/office365/#send-an-email-(v2)).
var mailAction = {
  Send_mail: {
    type: 'ApiConnection'
    runAfter: {}
    inputs: {
      host: {
        connection: {
          name: '@parameters(\'$connections\')[\'office365\'][\'connectionId\']'
        }
      }
      method: 'post'
      path: '/v2/Mail'
      body: {
        To: mailTo
        Subject: headline
        Body: '<p>@{triggerBody()?[\'event\']} at @{triggerBody()?[\'at\']}, @{triggerBody()?[\'run\']?[\'reason\']} run @{triggerBody()?[\'run\']?[\'id\']}.</p><p>${errorHtml}</p><p>${studioHtml}</p>'
        Importance: 'High'
      }
    }
  }
}

resource mailConnection 'Microsoft.Web/connections@2016-06-01' = if (deliverBy == 'mail') {
  name: 'office365-${workflowName}'
  location: location
  properties: {
    displayName: 'Office 365 Outlook (notifications)'
    api: {
      id: subscriptionResourceId('Microsoft.Web/locations/managedApis', location, 'office365')
    }
  }
}

resource workflow 'Microsoft.Logic/workflows@2019-05-01' = {
  name: workflowName
  location: location
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
        teamsWebhookUrl: {
          type: 'SecureString'
          defaultValue: ''
        }
      }
      triggers: {
        // With no Response action the trigger answers 202 Accepted as soon as the run starts: the scheduler's first
        // 2xx, so it POSTs the event once (CONTRACT 8).
        When_a_notification_arrives: {
          type: 'Request'
          kind: 'Http'
          inputs: {
            method: 'POST'
            schema: notificationSchema
          }
          // Rejects bodies that do not match the schema with 400 instead of starting a run.
          operationOptions: 'EnableSchemaValidation'
        }
      }
      actions: deliverBy == 'teams' ? teamsAction : mailAction
      outputs: {}
    }
    parameters: union(
      {
        teamsWebhookUrl: {
          value: teamsWebhookUrl
        }
      },
      deliverBy == 'mail'
        ? {
            '$connections': {
              value: {
                office365: {
                  connectionId: mailConnection.id
                  connectionName: mailConnection.name
                  id: subscriptionResourceId('Microsoft.Web/locations/managedApis', location, 'office365')
                }
              }
            }
          }
        : {}
    )
  }
}

@description('Resource id of the workflow; read its trigger URL with listCallbackUrl (see the top of this file).')
output workflowId string = workflow.id
