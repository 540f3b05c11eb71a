// Humanitec API responses, checked at the edge (docs: /work/shared/specs/humanitec-openapi.json, v0.28.37).
// Objects are loose, so fields the API adds later pass through to the mapping untouched; the fields the
// connector itself reads, and the identifiers the mapping builds from, are required as the spec says.
import { z } from 'zod';

const id = z.string().min(1);

/** `EnvironmentBaseResponse`: the envs listed inside an application. */
export const envBaseSchema = z.looseObject({ id, name: z.string(), type: z.string() });

/** `ApplicationResponse` (GET apps, GET apps/{appId}). */
export const applicationSchema = z.looseObject({
  id,
  name: z.string(),
  created_at: z.string(),
  envs: z.array(envBaseSchema),
});
export type Application = z.infer<typeof applicationSchema>;

/** `DeploymentResponse`, as `last_deploy` of an environment (absent before the first deployment). */
export const deploymentSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  created_at: z.string(),
  dependency_graph_id: z.string().nullish(),
  set_id: z.string(),
});

/** `EnvironmentResponse` (GET apps/{appId}/envs). */
export const environmentSchema = z.looseObject({
  id,
  name: z.string(),
  type: z.string(),
  created_at: z.string(),
  last_deploy: deploymentSchema.nullish(),
});
export type Environment = z.infer<typeof environmentSchema>;

/** `ActiveResourceResponse` (GET apps/{appId}/envs/{envId}/resources). */
export const activeResourceSchema = z.looseObject({
  res_id: id,
  gu_res_id: z.string(),
  def_id: z.string(),
  type: z.string(),
  class: z.string(),
  status: z.string(),
});
export type ActiveResource = z.infer<typeof activeResourceSchema>;

/** `NodeBodyResponse`, one node of a `DependencyGraphResponse`. */
export const graphNodeSchema = z.looseObject({
  id: z.string(),
  guresid: id,
  def_id: z.string(),
  type: z.string(),
  depends_on: z.array(z.string()),
});
export type GraphNode = z.infer<typeof graphNodeSchema>;

/** `DependencyGraphResponse` (GET apps/{appId}/envs/{envId}/resources/graphs/{graphId}). */
export const dependencyGraphSchema = z.looseObject({ id: z.string(), nodes: z.array(graphNodeSchema) });
export type DependencyGraph = z.infer<typeof dependencyGraphSchema>;

/** `SecretStoreResponse` (GET secretstores). */
export const secretStoreSchema = z.looseObject({ id, primary: z.boolean(), created_at: z.string() });

/** `ValueResponse` (GET apps/{appId}/values, GET apps/{appId}/envs/{envId}/values). */
export const valueSchema = z.looseObject({
  key: id,
  value: z.string(),
  is_secret: z.boolean(),
  source: z.enum(['app', 'env']),
  secret_store_id: z.string().nullable(),
});
export type Value = z.infer<typeof valueSchema>;

/** `ValueSetVersionResponse` (GET apps/{appId}/value-set-versions). */
export const valueSetVersionSchema = z.looseObject({ id, created_at: z.string() });

/** `SetResponse` (GET apps/{appId}/sets): content-addressed, `version` is an integer schema version. */
export const deploymentSetSchema = z.looseObject({ id, version: z.int() });

/** `Pipeline` (GET pipelines, GET apps/{appId}/pipelines; paginated). */
export const pipelineSchema = z.looseObject({
  id,
  app_id: id,
  name: z.string(),
  status: z.string(),
  version: z.string(),
  created_at: z.string(),
  trigger_types: z.array(z.string()),
});
export type Pipeline = z.infer<typeof pipelineSchema>;

/** `DeltaResponse` (GET apps/{appId}/deltas): the creation fields live under `metadata`. */
export const deltaSchema = z.looseObject({
  id,
  metadata: z.looseObject({ archived: z.boolean(), created_at: z.string(), created_by: z.string(), env_id: z.string().nullish(), name: z.string().nullish() }),
});

/** `UserRoleResponse` (GET users): users, groups, service users and system subjects of the org. */
export const userRoleSchema = z.looseObject({ id, name: z.string(), type: z.string(), role: z.string(), created_at: z.string() });
export type UserRole = z.infer<typeof userRoleSchema>;

/** `UserProfileResponse` (GET groups/{groupId}/users). */
export const userProfileSchema = z.looseObject({ id, name: z.string() });

export const listOf = <S extends z.ZodType>(item: S) => z.array(item);
