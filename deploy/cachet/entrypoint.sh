#!/bin/sh
# Cachet's entrypoint: bring the schema up to date, then serve. Migrating
# here makes a restarted or upgraded container correct by itself; the
# health check (which needs the schema) turns green only afterwards.
set -eu
cd /var/www/html
php artisan migrate --force --no-interaction
php artisan optimize
exec "$@"
