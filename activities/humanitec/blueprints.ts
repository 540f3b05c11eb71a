// The 13 blueprints of Port's Humanitec guide (port-docs docs/guides/templates/humanitec/*.mdx), with the
// guide's identifiers, property names, types and relations. Changes over the guide, each explained in
// docs/humanitec.md ("Blueprints"): the application's title, and the properties no Humanitec API field
// fills (deployment set createdAt/createdBy/comment, value set version `version`) are left out.
import type { BlueprintBody } from '../port/schemas';

type Prop = BlueprintBody['schema']['properties'][string];

const str = (title: string, description?: string, icon = 'DefaultProperty'): Prop => ({ title, type: 'string', icon, ...(description ? { description } : {}) });
const date = (title: string, description?: string): Prop => ({ title, type: 'string', format: 'date-time', icon: 'DefaultProperty', ...(description ? { description } : {}) });
const bool = (title: string, description: string): Prop => ({ title, type: 'boolean', icon: 'DefaultProperty', description });
const obj = (title: string, description: string): Prop => ({ title, type: 'object', icon: 'DefaultProperty', description });
const arr = (title: string, description: string): Prop => ({ title, type: 'array', icon: 'DefaultProperty', description });
const rel = (target: string, title: string, many = false, description?: string) => ({ title, target, required: false, many, ...(description ? { description } : {}) });

const bp = (identifier: string, title: string, icon: string, properties: Record<string, Prop>, relations: BlueprintBody['relations'] = {}, description?: string): BlueprintBody => ({
  identifier,
  title,
  icon,
  ...(description ? { description } : {}),
  schema: { properties, required: [] },
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
  relations,
});

export const BP = {
  application: 'humanitecApplication',
  environment: 'humanitecEnvironment',
  workload: 'humanitecWorkload',
  resourceGraph: 'humanitecResourceGraph',
  resource: 'humanitecResource',
  secretStore: 'humanitecSecretStore',
  sharedValue: 'humanitecSharedValue',
  valueSetVersion: 'humanitecValueSetVersion',
  deploymentSet: 'humanitecDeploymentSet',
  pipeline: 'humanitecPipeline',
  deploymentDelta: 'humanitecDeploymentDelta',
  group: 'humanitecGroup',
  user: 'humanitecUser',
} as const;

const appRel = { humanitecApplication: rel(BP.application, 'Application') };
const envRel = { humanitecEnvironment: rel(BP.environment, 'Environment') };

/** In dependency order: every relation's target comes before the blueprint that points at it. */
export const HUMANITEC_BLUEPRINTS: BlueprintBody[] = [
  // The guide's title is the identifier itself ("humanitecApplication"); the script's repository says "Application".
  bp(BP.application, 'Humanitec Application', 'Apps', { createdAt: { type: 'string', title: 'Created At', format: 'date-time' } }, {}, 'Humanitec Application'),
  bp(
    BP.environment,
    'Humanitec Environment',
    'Environment',
    {
      type: { title: 'Type', icon: 'DefaultProperty', type: 'string' },
      createdAt: { type: 'string', format: 'date-time', title: 'Creation Date', description: 'The date and time when the environment was created.' },
      lastDeploymentStatus: { type: 'string', title: 'Last Deployment Status', description: 'The status of the last deployment.' },
      lastDeploymentDate: { type: 'string', format: 'date-time', title: 'Last Deployment Date', description: 'The date and time of the last time the environment was deployed.' },
      lastDeploymentComment: { type: 'string', title: 'Last Deployment Comment', description: 'comment on the last deployment' },
    },
    appRel,
  ),
  bp(
    BP.workload,
    'Workload',
    'Cluster',
    {
      class: str('Class', 'The class of the workload'),
      driverType: str('Driver Type', 'The driver type of the workload'),
      definitionId: str('Definition ID', 'The definition ID of the workload'),
      definitionVersionId: str('Definition Version ID', 'The definition version ID of the workload'),
      status: str('Status', 'The status of the workload'),
      updatedAt: date('Update Date', 'The date and time when the workload was last updated'),
    },
    envRel,
  ),
  bp(BP.resourceGraph, 'Resource Graph', 'Microservice', {}, { humanitecResourceGraph: rel(BP.resourceGraph, 'Resource Graph', true) }, 'Humanitec Resource Graph'),
  bp(
    BP.resource,
    'Humanitec Resource',
    'Microservice',
    {
      type: str('Type', 'The type of the resource'),
      class: str('Class', 'The class of the resource'),
      resource: obj('Resource', 'The resource'),
      resourceSchema: obj('Resource Schema', 'The schema of the resource'),
      guresid: str('GU Resource ID', 'The GU resource ID'),
    },
    {
      humanitecResourceGraph: rel(BP.resourceGraph, 'Depends On', true, 'Resource Graph'),
      humanitecWorkload: rel(BP.workload, 'Humanitec Workload'),
    },
  ),
  bp(BP.secretStore, 'Humanitec Secret Store', 'Lock', {
    primary: bool('Primary', 'Whether this is the primary secret store'),
    createdAt: date('Created At', 'The date and time when the secret store was created'),
    createdBy: str('Created By', 'The user who created the secret store'),
    updatedAt: date('Updated At', 'The date and time when the secret store was last updated'),
    updatedBy: str('Updated By', 'The user who last updated the secret store'),
    awssm: obj('AWS Secrets Manager', 'AWS Secrets Manager configuration'),
    azurekv: obj('Azure Key Vault', 'Azure Key Vault configuration'),
    gcpsm: obj('Google Cloud Secret Manager', 'Google Cloud Secret Manager configuration'),
    humanitec: obj('Humanitec', 'Humanitec secret store configuration'),
    vault: obj('Vault', 'HashiCorp Vault configuration'),
  }),
  bp(
    BP.sharedValue,
    'Humanitec Shared Value',
    'Settings',
    {
      description: str('Description', 'A human friendly description of what the Shared Value is'),
      isSecret: bool('Is Secret', 'Specified that the Shared Value contains a secret'),
      secretKey: str('Secret Key', 'Location of the secret value in the secret store'),
      secretVersion: str('Secret Version', 'Version of the current secret value as returned by the secret store'),
      source: str('Source', "Source of the value, 'app' for app level, 'env' for app env level"),
      value: str('Value', 'The value that will be stored (will be always empty for secrets)'),
      createdAt: date('Created At', 'The date and time when the shared value was created'),
      updatedAt: date('Updated At', 'The date and time when the shared value was last updated'),
    },
    { ...appRel, ...envRel, humanitecSecretStore: rel(BP.secretStore, 'Secret Store') },
  ),
  // The guide's `version` property is left out: a value set version has no such field (SPEC ValueSetVersionResponse).
  bp(
    BP.valueSetVersion,
    'Humanitec Value Set Version',
    'Version',
    {
      createdAt: date('Created At', 'The date and time when the value set version was created'),
      createdBy: str('Created By', 'The user who created the value set version'),
      comment: str('Comment', 'Comment for the value set version'),
    },
    appRel,
  ),
  // createdAt/createdBy/comment of the guide are left out: a set is content-addressed and has none (SPEC SetResponse).
  // `version` stays a string, as in the guide, so existing blueprints keep working; the mapping sends the integer as text.
  bp(BP.deploymentSet, 'Humanitec Deployment Set', 'Deployment', { version: str('Version', 'The version of the deployment set') }, appRel),
  bp(
    BP.pipeline,
    'Humanitec Pipeline',
    'Pipeline',
    {
      etag: str('ETag', 'Entity tag for the pipeline'),
      name: str('Name', 'The name of the pipeline'),
      status: str('Status', 'The status of the pipeline'),
      version: str('Version', 'The version of the pipeline'),
      createdAt: date('Created At', 'The date and time when the pipeline was created'),
      triggerTypes: arr('Trigger Types', 'Types of triggers for the pipeline'),
      metadata: obj('Metadata', 'Additional metadata for the pipeline'),
    },
    appRel,
  ),
  bp(
    BP.deploymentDelta,
    'Humanitec Deployment Delta',
    'Deployment',
    {
      archived: bool('Archived', 'Whether the deployment delta is archived'),
      contributers: arr('Contributers', 'The contributers of the deployment delta'),
      createdAt: date('Created At', 'The date and time when the deployment delta was created'),
      createdBy: str('Created By', 'The user who created the deployment delta'),
      modules: obj('Modules', 'The modules for the deployment delta'),
      shared: arr('Shared', 'The shared for the deployment delta'),
    },
    { ...appRel, ...envRel },
  ),
  bp(BP.group, 'Humanitec Group', 'TwoUsers', {
    role: str('Role', 'The role of the group in the organization', 'Role'),
    idp_id: str('IDP ID', 'The identity provider ID'),
    createdAt: date('Created At', 'The date and time when the group was created'),
  }),
  bp(
    BP.user,
    'Humanitec User',
    'User',
    {
      email: { title: 'Email', description: 'The email address of the user', type: 'string', icon: 'User', format: 'user' },
      role: str('Role', 'The role of the user in the organization', 'Role'),
      invite: str('Invite Status', "The status of the user's invitation"),
      createdAt: date('Created At', 'The date and time when the user was created'),
    },
    { humanitecGroup: rel(BP.group, 'Groups', true) },
  ),
];
