#!/bin/bash
# Runs once, on the primary's first start (docker-entrypoint-initdb.d): the role the replica streams
# with, and pg_hba lines for replication and for the app (the image's default covers only `all`, not `replication`).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD 'replicator';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
