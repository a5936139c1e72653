#!/usr/bin/env bash
# deploy.sh: build and start the statusbridge stack (compose.yaml), seed
# Cachet, and prove the webhook path end to end. Re-runnable: what exists
# (.env values, secrets, the admin user, the API token) is kept, so a second
# run changes nothing. README.md ("Production deploy") walks through it.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: deploy/deploy.sh [--yes] [--env-file PATH]

Builds the images, starts Traefik, PostgreSQL, Cachet and statusbridge,
creates the Cachet admin user and statusbridge's API token, runs
`statusbridge setup`, and sends a test alert and its resolution through
Traefik to /webhook.

Options:
  --yes            answer yes to every question (apply setup, including
                   --prune); needs every value in the env file or defaults
  --env-file PATH  the compose env file to read and complete (default .env)
  -h, --help       show this help

Set in the env file (or answer the prompts): STATUS_DOMAIN, CACHET_ADMIN_EMAIL;
ACME_EMAIL turns on HTTPS with Let's Encrypt (deploy/compose.production.yaml).
Generated when missing, never overwritten: APP_KEY, DB_PASSWORD, APP_URL,
WEBHOOK_BASIC_AUTH, and under deploy/secrets/: webhook_password,
cachet_admin_password, cachet_api_token.
EOF
}

# The oldest compose tools deploy.sh drives: podman-compose 1.0.6 is the
# first release with the global --env-file (Debian 12's 1.0.3 fails with
# "invalid choice: '.env'"). docker compose 2.20.0 is the oldest we accept:
# older 2.x releases are untested here, and some (2.7.0) rejected the
# top-level name: that compose.yaml uses.
min_podman_compose=1.0.6
min_docker_compose=2.20.0

# version_ge reports whether version $1 is at least $2, comparing up to
# three dot-separated numbers; anything after them (+ds1, -rc1) is ignored.
version_ge() {
	local -a a b
	local i x y
	IFS=. read -r -a a <<<"${1%%[^0-9.]*}"
	IFS=. read -r -a b <<<"${2%%[^0-9.]*}"
	for i in 0 1 2; do
		x=$((10#${a[i]:-0})) y=$((10#${b[i]:-0}))
		if ((x != y)); then
			((x > y))
			return
		fi
	done
	return 0
}

# detect_compose picks the compose tool: podman-compose with podman, else
# docker compose, each only when new enough. It sets engine and
# compose_cmd, or prints what to install and returns 1.
detect_compose() {
	local out v problems=()
	if command -v podman >/dev/null 2>&1 && command -v podman-compose >/dev/null 2>&1; then
		# 1.0.3 prints "podman-composer version  1.0.3" after podman's own
		# version; later releases "podman-compose version[:] X".
		out=$(podman-compose version 2>&1 || true)
		v=$(grep -Eo 'podman-composer? version:? +v?[0-9]+(\.[0-9]+)+' <<<"$out" | grep -Eo '[0-9]+(\.[0-9]+)+' | head -n 1 || true)
		if [[ -z $v ]]; then
			printf 'deploy: cannot tell the podman-compose version from "%s"; trying it anyway (%s or newer is needed)\n' "${out%%$'\n'*}" "$min_podman_compose" >&2
			engine=podman compose_cmd=(podman-compose)
			return 0
		elif version_ge "$v" "$min_podman_compose"; then
			engine=podman compose_cmd=(podman-compose)
			compose_version=$v
			return 0
		fi
		problems+=("podman-compose $v is too old: deploy.sh needs $min_podman_compose or newer (the first with --env-file). Install a newer one with \`pipx install podman-compose\` (or \`pip install --user podman-compose\`), or from your distribution where it ships $min_podman_compose or newer (Debian 13, Ubuntu 24.04).")
	fi
	if command -v docker >/dev/null 2>&1; then
		if out=$(docker compose version 2>&1); then
			v=$(grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' <<<"$out" | head -n 1 || true)
			if [[ -z $v ]]; then
				printf 'deploy: cannot tell the docker compose version from "%s"; trying it anyway (%s or newer is needed)\n' "${out%%$'\n'*}" "$min_docker_compose" >&2
				engine=docker compose_cmd=(docker compose)
				return 0
			elif version_ge "$v" "$min_docker_compose"; then
				engine=docker compose_cmd=(docker compose)
				compose_version=$v
				return 0
			fi
			problems+=("docker compose $v is too old: deploy.sh needs $min_docker_compose or newer. Install the current docker-compose-plugin from Docker's repository (https://docs.docker.com/compose/install/linux/).")
		else
			problems+=("docker has no compose plugin (\`docker compose version\` failed; the older Python docker-compose is not supported). Install docker-compose-plugin $min_docker_compose or newer.")
		fi
	fi
	if ((${#problems[@]} == 0)); then
		problems+=("need podman with podman-compose $min_podman_compose or newer, or docker with the compose plugin $min_docker_compose or newer")
	fi
	printf 'deploy: %s\n' "${problems[@]}" >&2
	return 1
}

# Sourced (by deploy/compose_version_test.go), define the functions only.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0

yes=0
env_file=.env
while (($# > 0)); do
	case "$1" in
	-y | --yes) yes=1 ;;
	--env-file)
		(($# >= 2)) || { echo "deploy: --env-file needs a path" >&2; exit 2; }
		env_file=$2
		shift
		;;
	--env-file=*) env_file=${1#*=} ;;
	-h | --help) usage; exit 0 ;;
	*) echo "deploy: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
secrets=deploy/secrets
# The user statusbridge's image runs as (deploy/statusbridge/Containerfile).
image_uid=65532
project=statusbridge

log() { printf '\n==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() { printf 'deploy: %s\n' "$*" >&2; exit 1; }

# confirm asks a yes/no question; --yes answers yes, no terminal answers no.
confirm() {
	((yes)) && return 0
	[[ -t 0 ]] || return 1
	local answer
	read -r -p "$1 [y/N] " answer
	[[ $answer == [yY]* ]]
}

# ---------------------------------------------------------------- prerequisites

log "Checking prerequisites"
detect_compose || exit 1
for tool in openssl htpasswd curl; do
	command -v "$tool" >/dev/null 2>&1 || die "need $tool (htpasswd is in apache2-utils / httpd-tools)"
done
info "engine: ${compose_cmd[*]} ${compose_version:-(version unknown)}"

for f in config.json prometheus.yml; do
	[[ -f $f ]] || die "$f is missing; start from the example: cp $f.example $f (see README.md)"
done

# ---------------------------------------------------------------- env file

umask 077
mkdir -p "$secrets"
chmod 700 "$secrets"
[[ -e $env_file ]] || { : >"$env_file"; info "created $env_file"; }

# env_get prints KEY's value from the env file (quotes removed), or nothing.
env_get() {
	local line
	line=$(grep -E "^$1=" "$env_file" | tail -n 1 || true)
	line=${line#*=}
	line=${line#\'}
	line=${line%\'}
	printf '%s' "$line"
}

# env_init writes KEY='VALUE' unless the env file already sets KEY. Single
# quotes keep compose from interpolating the $ of a bcrypt hash.
env_init() {
	if [[ -n $(env_get "$1") ]]; then
		return 0
	fi
	[[ $2 != *"'"* ]] || die "$1 must not contain a single quote"
	printf "%s='%s'\n" "$1" "$2" >>"$env_file"
	info "$1 written to $env_file"
}

# ask prints KEY from the env file, or asks for it, or fails naming it.
ask() {
	local value
	value=$(env_get "$1")
	if [[ -z $value && -t 0 ]] && ((!yes)); then
		read -r -p "$2: " value
	fi
	[[ -n $value ]] || die "set $1 in $env_file ($2)"
	env_init "$1" "$value"
	printf '%s' "$value"
}

log "Completing $env_file"
domain=$(ask STATUS_DOMAIN "host name of the status page, e.g. status.example.com")
admin_email=$(ask CACHET_ADMIN_EMAIL "e-mail of the Cachet administrator")
acme_email=$(env_get ACME_EMAIL)
http_port=$(env_get HTTP_PORT)
http_port=${http_port:-80}
https_port=$(env_get HTTPS_PORT)
https_port=${https_port:-443}

files=(-f compose.yaml)
if [[ -n $acme_email ]]; then
	files+=(-f deploy/compose.production.yaml)
	scheme=https port=$https_port
	info "production: HTTPS with Let's Encrypt for $domain"
else
	scheme=http port=$http_port
	info "local: plain HTTP (set ACME_EMAIL for HTTPS)"
fi
public_url="$scheme://$domain"
if [[ ($scheme == http && $port != 80) || ($scheme == https && $port != 443) ]]; then
	public_url+=":$port"
fi
env_init APP_URL "$public_url"
env_init APP_KEY "base64:$(openssl rand -base64 32)"
# Hex keeps the password free of characters a URL or shell would mangle.
env_init DB_PASSWORD "$(openssl rand -hex 24)"

# secret_init writes a random secret to a file unless it exists.
secret_init() {
	if [[ ! -s $1 ]]; then
		openssl rand -base64 24 | tr -d '/+=' >"$1"
		info "generated $1"
	fi
}

log "Webhook credentials"
webhook_user=alertmanager
if [[ -z $(env_get WEBHOOK_BASIC_AUTH) ]]; then
	if [[ ! -s $secrets/webhook_password && -t 0 ]] && ((!yes)); then
		read -r -s -p "Password Alertmanager will use for the webhook (empty: generate one): " pw
		echo >&2
		[[ -z $pw ]] || printf '%s\n' "$pw" >"$secrets/webhook_password"
		unset pw
	fi
	secret_init "$secrets/webhook_password"
	# -i reads the password from stdin, so it never shows in the process list.
	hash=$(htpasswd -niB "$webhook_user" <"$secrets/webhook_password")
	env_init WEBHOOK_BASIC_AUTH "$hash"
	unset hash
	info "Alertmanager's password_file: $root/$secrets/webhook_password"
else
	info "WEBHOOK_BASIC_AUTH already set in $env_file; kept"
fi
secret_init "$secrets/cachet_admin_password"

compose() { "${compose_cmd[@]}" -p "$project" --env-file "$env_file" "${files[@]}" "$@"; }

# container prints the id of SERVICE's container; both compose tools label
# containers with the project and service.
container() {
	"$engine" ps -q --filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=$1" | head -n 1
}

# wait_healthy polls each service's health check until it passes, failing
# fast when one reports unhealthy or after a deadline.
wait_healthy() {
	local svc id state deadline=$((SECONDS + 300))
	for svc in "$@"; do
		info "waiting for $svc to be healthy"
		while :; do
			id=$(container "$svc")
			state=$([[ -n $id ]] && "$engine" inspect --format '{{.State.Health.Status}}' "$id" 2>/dev/null || echo missing)
			case $state in
			healthy) break ;;
			unhealthy)
				compose logs --tail 50 "$svc" >&2 || true
				die "$svc is unhealthy (logs above)"
				;;
			esac
			((SECONDS < deadline)) || die "$svc not healthy after 5 minutes (state: $state); see: ${compose_cmd[*]} logs $svc"
			sleep 2
		done
	done
}

# ---------------------------------------------------------------- build and check

log "Building images"
compose build

log "Validating config.json and prometheus.yml"
image="localhost/statusbridge:$(env_get STATUSBRIDGE_VERSION)"
[[ $image != *: ]] || image+=dev
"$engine" run --rm --network none \
	-v "$root/config.json:/etc/statusbridge/config.json:ro,Z" \
	-v "$root/prometheus.yml:/etc/statusbridge/prometheus.yml:ro,Z" \
	"$image" validate --config /etc/statusbridge/config.json --targets /etc/statusbridge/prometheus.yml

# ---------------------------------------------------------------- Cachet

log "Starting PostgreSQL and Cachet"
compose up -d postgres cachet
wait_healthy postgres cachet

log "Running Cachet's migrations"
compose exec -T cachet php artisan migrate --force --no-interaction

log "Cachet admin user and statusbridge's API token"
seed=(compose exec -T cachet php /usr/local/lib/statusbridge/seed.php)
"${seed[@]}" admin "$admin_email" <"$secrets/cachet_admin_password"
info "admin: $admin_email, password in $root/$secrets/cachet_admin_password"
token=$secrets/cachet_api_token
if [[ ! -s $token ]]; then
	"${seed[@]}" token "$admin_email" </dev/null >"$token.new"
	grep -qE '^[0-9]+\|' "$token.new" || { rm -f "$token.new"; die "the seeder printed no token"; }
	mv "$token.new" "$token"
	info "new API token (only statusbridge's abilities) in $token"
else
	info "API token exists in $token; kept (delete it to issue a new one)"
fi
chmod 600 "$token"
# The token is mounted into a container that runs as $image_uid; give it
# that owner so mode 0600 still lets statusbridge read it.
if [[ $engine == podman && $EUID -ne 0 ]]; then
	podman unshare chown "$image_uid:$image_uid" "$token"
elif [[ $EUID -eq 0 ]]; then
	chown "$image_uid:$image_uid" "$token"
else
	# Rootful docker used by a non-root user: the 0700 directory keeps other
	# users out; the file itself must be readable inside the container.
	chmod 644 "$token"
	info "cannot chown $token to uid $image_uid without root; made it 0644 inside the 0700 $secrets"
fi

# ---------------------------------------------------------------- setup

log "statusbridge setup: the plan"
setup=(compose run --rm --no-deps statusbridge setup)
"${setup[@]}" --dry-run --prune
if confirm "Apply this plan (create and adopt groups and components)?"; then
	prune=()
	if confirm "Also delete the hidden components of targets no longer configured (--prune)?"; then
		prune=(--prune)
	fi
	"${setup[@]}" "${prune[@]}"
else
	info "setup not applied; run deploy/deploy.sh again to apply it"
fi

# ---------------------------------------------------------------- serve

log "Starting statusbridge and Traefik"
compose up -d
wait_healthy statusbridge traefik

# ---------------------------------------------------------------- smoke test

done_marker=$secrets/smoke-test.done
url="$scheme://$domain:$port/webhook"
# post sends a sample alert through Traefik with the webhook credentials,
# retrying while statusbridge answers 503 (still loading Cachet's index).
# The credentials go to curl on stdin, never on its command line.
post() {
	local body code pw deadline=$((SECONDS + 120))
	pw=$(head -n 1 "$secrets/webhook_password")
	# curl's config syntax: backslash and double quote are escaped.
	pw=${pw//\\/\\\\}
	pw=${pw//\"/\\\"}
	while :; do
		body=$(printf 'user = "%s:%s"\n' "$webhook_user" "$pw" |
			curl -sS -K - --resolve "$domain:$port:127.0.0.1" -H 'Content-Type: application/json' \
				--data-binary "@deploy/sample-alerts/$1" -w '\n%{http_code}' "$url") || true
		code=${body##*$'\n'}
		body=${body%$'\n'*}
		if [[ $code != 503 ]] || ((SECONDS >= deadline)); then
			break
		fi
		sleep 2
	done
	[[ $code == 200 ]] || die "POST $1 to $url answered $code: $body"
	info "$1: $body"
}

if [[ -e $done_marker ]]; then
	log "Test alert already sent ($(cat "$done_marker")); delete $done_marker to send it again"
elif [[ ! -s $secrets/webhook_password ]]; then
	log "Skipping the test alert: $secrets/webhook_password is missing (WEBHOOK_BASIC_AUTH was set by hand)"
else
	log "Sending a test alert and its resolution to $url"
	post firing.json
	post resolved.json
	date -u '+%Y-%m-%dT%H:%M:%SZ' >"$done_marker"
fi

log "Done. Status page: $public_url  Webhook: $public_url/webhook (user $webhook_user)"
