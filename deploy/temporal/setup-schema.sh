#!/bin/sh
# One-shot schema job for the temporal-schema service (temporalio/admin-tools image).
# Creates the two PostgreSQL databases Temporal needs and migrates them to the schema version this
# admin-tools image ships. Re-running is safe: `create` ignores an existing database, `setup-schema -v 0.0`
# leaves a newer recorded version alone, and `update-schema` applies only versions not yet applied,
# which is also how a Temporal image upgrade gets its schema changes.
# Adapted from temporalio/samples-server compose/scripts/setup-postgres.sh.
# Environment: DB (postgres12), POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, SQL_PASSWORD (read by the tool).
set -eu

schema_root=/etc/temporal/schema/postgresql/v12

setup() {
  database="$1"
  schema_dir="$2"
  echo "temporal-schema: preparing database $database"
  temporal-sql-tool --plugin "$DB" --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" --db "$database" create
  temporal-sql-tool --plugin "$DB" --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" --db "$database" setup-schema -v 0.0
  temporal-sql-tool --plugin "$DB" --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" --db "$database" update-schema -d "$schema_dir"
}

setup temporal "$schema_root/temporal/versioned"
setup temporal_visibility "$schema_root/visibility/versioned"
echo "temporal-schema: done"
