#!/usr/bin/env bash
# Run once by the postgres container on an empty volume: one database and one role per service, each
# reachable only by its own role. compose/stack does the same for the local cluster. psql finds the
# server on PGPORT, which the compose file sets for both the server and this script.
set -euo pipefail
for s in auth billing jobs storage; do
  pw_var="${s^^}_DB_PASSWORD"
  psql -v ON_ERROR_STOP=1 -U postgres <<SQL
CREATE ROLE imageswiss_$s LOGIN PASSWORD '${!pw_var}';
CREATE DATABASE imageswiss_$s OWNER imageswiss_$s;
REVOKE CONNECT ON DATABASE imageswiss_$s FROM PUBLIC;
SQL
done
