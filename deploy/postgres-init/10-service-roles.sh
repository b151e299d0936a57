#!/usr/bin/env bash
# Compose's counterpart of CloudNativePG's `managed.roles` (deploy/base/postgres-cluster.yaml):
# one login role per service, its password from .env. The postgres image runs this once, when
# it initialises an empty data directory; `lmis migrate`, as the owner `lmis`, then grants
# each role its own schema (and reporting's and notify's the event tables they replay).
# A password changed later in .env must be changed in the database too:
#   docker compose exec postgres psql -U lmis -c "alter role lmis_registry password '...'"
set -euo pipefail
for service in registry permits reporting notify; do
    variable="LMIS_DB_${service^^}_PASSWORD"
    # psql quotes the values (:"role", :'password'): a password may hold any character
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
        -v role="lmis_${service}" -v password="${!variable}" <<'SQL'
create role :"role" login password :'password';
SQL
done
