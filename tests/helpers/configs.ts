// Config texts shared by the config unit tests and the CLI tests.

export const INLINED_SECRET = 'sk-123 456';

/** Four different mistakes, one per kind: an unknown type, a bad cron, an inlined secret, a missing option. */
export const BAD_CONFIG_YAML = `
integrations:
  - id: jira
    type: jira
    options: {}
  - id: demo
    type: demo
    schedule: { cron: "every tuesday" }
    options: { apiUrl: "http://127.0.0.1:4010", apiKeyEnv: "${INLINED_SECRET}" }
  - id: humanitec
    type: humanitec
    options: {}
`;
