#!/usr/bin/env bash
# Install and run the real services that Muqing's tests and scale-out mode use:
# PostgreSQL, Redis and Elasticsearch on loopback (non-default ports), plus a
# headless Chromium for browser tests.
#
#   scripts/services.sh [start|stop|restart|status] [SERVICE...]
#
# SERVICE is one of postgres, redis, elasticsearch, chromium (default: all).
# `start` is idempotent: a service that already answers is reused untouched.
# Progress goes to stderr; `start` prints only `export ...` lines on stdout, so
#
#   eval "$(scripts/services.sh start)"
#
# sets MUQING_TEST_POSTGRES_URL, MUQING_TEST_REDIS_URL,
# MUQING_TEST_ELASTICSEARCH_URL and MUQING_TEST_CHROMIUM.
# See docs/services.md.
set -euo pipefail

# Ports may be overridden to run a second, separate set (use another
# MUQING_SERVICES_DIR too).
readonly PG_PORT="${MUQING_PG_PORT:-55432}"
readonly REDIS_PORT="${MUQING_REDIS_PORT:-56379}"
readonly ES_PORT="${MUQING_ES_PORT:-59200}"
readonly ES_TRANSPORT_PORT="${MUQING_ES_TRANSPORT_PORT:-$((ES_PORT + 100))}"
readonly DB_USER=muqing
readonly DB_PASSWORD=muqing
readonly DB_NAME=muqing

# Elasticsearch integration-test distribution from Maven Central: no bundled
# JDK, runs on Java 17+. The checksum is the .sha512 published beside it.
readonly ES_VERSION=8.19.21
readonly ES_SHA512=cf6b0a93860d329937ae7f913ec5073b0c726c77639764b93fc83a304aa1dd9d4defcfa2849948eea3b0b47c2065f994908603939fc2a4774c9c4d868c5ec1dd
readonly ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
readonly MVN_DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
readonly ES_HEAP="${MUQING_ES_HEAP:-512m}"
readonly ES_START_TIMEOUT="${MUQING_ES_START_TIMEOUT:-180}"
readonly ES_USER=muqing-es
readonly ES_MAIN=org.elasticsearch.server/org.elasticsearch.bootstrap.Elasticsearch

readonly SERVICES_DIR="${MUQING_SERVICES_DIR:-${HOME:?}/.cache/muqing/services}"
readonly CACHE_DIR="${MUQING_CACHE_DIR:-${HOME:?}/.cache/muqing}"

readonly PG_DIR="$SERVICES_DIR/postgres"
readonly PG_DATA="$PG_DIR/data"
readonly PG_LOG="$PG_DIR/postgres.log"
readonly REDIS_DIR="$SERVICES_DIR/redis"
readonly ES_BASE="$SERVICES_DIR/elasticsearch"
readonly ES_HOME="$ES_BASE/elasticsearch-$ES_VERSION"
readonly ES_DATA="$ES_BASE/data"
readonly ES_LOGS="$ES_BASE/logs"
readonly ES_PIDFILE="$ES_BASE/elasticsearch.pid"

readonly ALL_SERVICES=(postgres redis elasticsearch chromium)

SUDO=()
USER_PREFIX=()
PG_BIN=""
ES_LAUNCH_PID=""
ES_LAUNCHED_AT=0

# ---------------------------------------------------------------- helpers --

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_root() { [[ $EUID -eq 0 ]]; }

# Prints on the caller's real stdout (fd 3, set up in main).
out() { printf '%s\n' "$*" >&3; }

setup_sudo() {
    if is_root; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        SUDO=()
    fi
}

pkg_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

# apt_install PKG...: install the packages that are not installed yet.
apt_install() {
    local pkg missing=()
    for pkg in "$@"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    if ! is_root && ((${#SUDO[@]} == 0)); then
        die "need root or sudo to install: ${missing[*]}"
    fi
    log "installing ${missing[*]} ..."
    local apt=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0)
    if ! "${apt[@]}" install -y "${missing[@]}" </dev/null >&2 3>&- 9>&-; then
        log "install failed; refreshing the package lists and retrying"
        "${apt[@]}" update </dev/null >&2 3>&- 9>&-
        "${apt[@]}" install -y "${missing[@]}" </dev/null >&2 3>&- 9>&- ||
            die "could not install ${missing[*]}"
    fi
}

# user_prefix USER: set USER_PREFIX to the command prefix that runs a command
# as USER (only root switches users; anyone else runs as themselves).
user_prefix() {
    local user=$1
    USER_PREFIX=()
    if is_root && [[ $user != root ]]; then
        USER_PREFIX=(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups
            env HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" LOGNAME="$user")
    fi
}

as_user() { # as_user USER CMD...
    user_prefix "$1"
    shift
    "${USER_PREFIX[@]}" "$@"
}

ensure_system_user() {
    local user=$1 home=$2
    id -u "$user" >/dev/null 2>&1 && return 0
    log "creating system user $user"
    useradd --system --user-group --no-create-home --home-dir "$home" \
        --shell /usr/sbin/nologin "$user"
}

# ensure_reachable USER DIR: when root, let USER traverse every ancestor of DIR
# (a home directory, root's above all, is usually mode 0700). Grants only the
# search bit, to USER alone, through an ACL when the file system has them.
ensure_reachable() {
    local user=$1 dir=$2 d path=""
    is_root || return 0
    as_user "$user" test -x "$dir" 2>/dev/null && return 0
    local -a parts
    IFS=/ read -r -a parts <<<"${dir#/}"
    for d in "${parts[@]}"; do
        path="$path/$d"
        as_user "$user" test -x "$path" 2>/dev/null && continue
        command -v setfacl >/dev/null 2>&1 || apt_install acl
        if setfacl -m "u:$user:x" "$path" 2>/dev/null; then
            log "granted $user search access to $path (ACL)"
        else
            chmod o+x "$path"
            log "granted search access to $path for all users (chmod o+x; no ACL support)"
        fi
    done
}

wait_until() { # wait_until SECONDS CMD...: poll CMD every 0.5 s
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

http_get() { curl -fsS --max-time "${2:-5}" "$1" 2>/dev/null; }

# ------------------------------------------------------------------- java --

java_major() { # java_major JAVA_BINARY
    "$1" -XshowSettings:properties -version 2>&1 |
        awk -F' = ' '/java.specification.version/ { sub(/^1\./, "", $2); print $2 }'
}

# Prints a Java home with Java 17 or newer: JAVA_HOME if set, else the default java.
java_home() {
    local home="" java
    if [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME}/bin/java ]]; then
        home=$JAVA_HOME
    elif java=$(command -v java 2>/dev/null); then
        java=$(readlink -f "$java")
        home=${java%/bin/java}
    fi
    if [[ -n $home ]] && (($(java_major "$home/bin/java") >= 17)); then
        printf '%s\n' "$home"
        return 0
    fi
    apt_install openjdk-17-jdk-headless
    printf '/usr/lib/jvm/java-17-openjdk-%s\n' "$(dpkg --print-architecture)"
}

# ------------------------------------------------------------- postgresql --

find_pg_bin() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [[ -x $dir/pg_ctl && -x $dir/initdb ]]; then
            PG_BIN=$dir
            return 0
        fi
    fi
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    if [[ -n $dir && -x $dir/pg_ctl && -x $dir/initdb ]]; then
        PG_BIN=$dir
        return 0
    fi
    return 1
}

pg_psql() { # pg_psql DB SQL: run SQL over TCP as the muqing role
    PGPASSWORD=$DB_PASSWORD PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -q -t -A \
        -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$1" -c "$2" 2>/dev/null
}

pg_answering() { [[ "$(pg_psql postgres 'SELECT 1' || true)" == 1 ]]; }

# The OS user that owns (and so runs) the data directory.
pg_owner() {
    if [[ -d $PG_DATA ]]; then
        stat -c %U "$PG_DATA"
    elif is_root; then
        echo postgres
    else
        id -un
    fi
}

pg_ensure_database() {
    if [[ "$(pg_psql postgres "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]]; then
        log "postgres: creating database $DB_NAME"
        pg_psql postgres "CREATE DATABASE $DB_NAME" >/dev/null || die "postgres: cannot create database $DB_NAME"
    fi
}

pg_init() {
    local owner=$1 pwfile
    log "postgres: initialising $PG_DATA"
    pwfile=$(mktemp "$PG_DIR/.pwfile.XXXXXX")
    printf '%s\n' "$DB_PASSWORD" >"$pwfile"
    is_root && chown "$owner" "$pwfile"
    as_user "$owner" "$PG_BIN/initdb" -D "$PG_DATA" -U "$DB_USER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 || {
        rm -f "$pwfile"
        tail -n 20 "$PG_DIR/initdb.log" >&2
        die "postgres: initdb failed"
    }
    rm -f "$pwfile"
    # A Unix socket path must stay under about 100 bytes.
    local socket_dir=$PG_DIR
    ((${#socket_dir} <= 80)) || socket_dir=/tmp
    # Test database: durability traded for speed; reset by deleting the directory.
    cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- muqing test service ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$socket_dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

pg_start() {
    local t0=$SECONDS owner
    find_pg_bin || die "postgres: no pg_ctl/initdb found (is the postgresql package installed?)"
    if pg_answering; then
        pg_ensure_database
        log "postgres: already running on 127.0.0.1:$PG_PORT, reused"
        return 0
    fi
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; then
        die "postgres: port $PG_PORT answers but login as $DB_USER fails; another server holds it"
    fi
    owner=$(pg_owner)
    if is_root && [[ $owner == root ]]; then
        die "postgres: $PG_DATA is owned by root; PostgreSQL cannot run as root (delete it to start over)"
    fi
    if is_root; then
        id -u postgres >/dev/null 2>&1 || ensure_system_user postgres /var/lib/postgresql
    fi
    mkdir -p "$PG_DIR"
    if is_root; then
        chown "$owner:" "$PG_DIR"
        ensure_reachable "$owner" "$PG_DIR"
    fi
    chmod 700 "$PG_DIR"
    [[ -s $PG_DATA/PG_VERSION ]] || pg_init "$owner"
    log "postgres: starting on 127.0.0.1:$PG_PORT ..."
    if ! as_user "$owner" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start \
        </dev/null >/dev/null 3>&- 9>&-; then
        tail -n 30 "$PG_LOG" >&2 || true
        die "postgres: failed to start (log: $PG_LOG)"
    fi
    wait_until 30 pg_answering || die "postgres: started but does not accept logins (log: $PG_LOG)"
    pg_ensure_database
    log "postgres: ready in $((SECONDS - t0))s"
}

pg_running_here() {
    [[ -s $PG_DATA/postmaster.pid ]] && find_pg_bin &&
        as_user "$(pg_owner)" "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_stop() {
    if pg_running_here; then
        log "postgres: stopping"
        as_user "$(pg_owner)" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop \
            </dev/null >/dev/null 3>&- 9>&-
        log "postgres: stopped"
    elif find_pg_bin && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; then
        log "postgres: port $PG_PORT is served from outside $PG_DATA; left alone"
    else
        log "postgres: not running"
    fi
}

pg_status() {
    local version
    if find_pg_bin && pg_answering; then
        version=$(pg_psql postgres 'SHOW server_version')
        out "postgres       running  127.0.0.1:$PG_PORT  PostgreSQL $version  data=$PG_DATA"
    else
        out "postgres       stopped  127.0.0.1:$PG_PORT"
        return 1
    fi
}

pg_export() {
    out "export MUQING_TEST_POSTGRES_URL=postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
}

# ------------------------------------------------------------------ redis --

redis_cli() { timeout 5 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@" 2>/dev/null; }

redis_answering() { [[ "$(redis_cli ping || true)" == PONG ]]; }

redis_start() {
    local t0=$SECONDS
    if redis_answering; then
        log "redis: already running on 127.0.0.1:$REDIS_PORT, reused"
        return 0
    fi
    mkdir -p "$REDIS_DIR"
    cat >"$REDIS_DIR/redis.conf" <<EOF
# Written by scripts/services.sh; rewritten at every start.
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile "$REDIS_DIR/redis.pid"
logfile "$REDIS_DIR/redis.log"
dir "$REDIS_DIR"
save ""
appendonly no
EOF
    log "redis: starting on 127.0.0.1:$REDIS_PORT ..."
    redis-server "$REDIS_DIR/redis.conf" </dev/null >/dev/null 3>&- 9>&- ||
        die "redis: failed to start (log: $REDIS_DIR/redis.log)"
    if ! wait_until 30 redis_answering; then
        tail -n 30 "$REDIS_DIR/redis.log" >&2 || true
        die "redis: does not answer (log: $REDIS_DIR/redis.log)"
    fi
    log "redis: ready in $((SECONDS - t0))s"
}

redis_stop() {
    if redis_answering; then
        log "redis: stopping"
        redis_cli shutdown nosave >/dev/null || true
        wait_until 30 sh -c "! redis-cli -h 127.0.0.1 -p $REDIS_PORT ping >/dev/null 2>&1" ||
            die "redis: still answering after shutdown"
        log "redis: stopped"
    else
        log "redis: not running"
    fi
}

redis_status() {
    local version
    if redis_answering; then
        version=$(redis_cli info server | tr -d '\r' | sed -n 's/^redis_version://p')
        out "redis          running  127.0.0.1:$REDIS_PORT  Redis $version  dir=$REDIS_DIR"
    else
        out "redis          stopped  127.0.0.1:$REDIS_PORT"
        return 1
    fi
}

redis_export() {
    out "export MUQING_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

# ---------------------------------------------------------- elasticsearch --

es_url() { printf 'http://127.0.0.1:%s%s' "$ES_PORT" "${1:-}"; }

# (The integration-test distribution does not serve `GET /`.)
es_answering() { http_get "$(es_url /_cluster/health)" 3 >/dev/null; }

# Prints the pid of the Elasticsearch server run from ES_HOME, if any: the
# pidfile's when alive, else found by its command line.
es_server_pid() {
    local pid cmdline args
    pid=$(cat "$ES_PIDFILE" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        echo "$pid"
        return 0
    fi
    # The launcher (CLI) process carries the same home; the server is the one
    # running the bootstrap class.
    for cmdline in /proc/[0-9]*/cmdline; do
        args=$(tr '\0' '\n' <"$cmdline" 2>/dev/null) || continue
        if grep -qxF -- "-Des.path.home=$ES_HOME" <<<"$args" &&
            grep -qxF -- "$ES_MAIN" <<<"$args"; then
            pid=${cmdline#/proc/}
            echo "${pid%/cmdline}"
            return 0
        fi
    done
    return 1
}

es_zip() { printf '%s/downloads/elasticsearch-%s.zip' "$CACHE_DIR" "$ES_VERSION"; }

es_checksum_ok() { [[ "$(sha512sum "$1" | cut -d' ' -f1)" == "$ES_SHA512" ]]; }

# Downloads the distribution from Maven Central with Maven, into the cache.
es_download() {
    local zip tmp
    zip=$(es_zip)
    if [[ -f $zip ]] && es_checksum_ok "$zip"; then
        return 0
    fi
    rm -f "$zip"
    mkdir -p "${zip%/*}"
    command -v mvn >/dev/null 2>&1 || apt_install maven
    log "elasticsearch: downloading $ES_ARTIFACT from Maven Central ..."
    tmp=$(mktemp -d "$CACHE_DIR/downloads/.es.XXXXXX")
    # Run from an empty directory so no project pom is picked up.
    # (sed drops the stray colour-reset codes that Debian's Maven prints.)
    if ! (cd "$tmp" && JAVA_HOME=$(java_home) mvn -B -q --strict-checksums \
        -Dmaven.repo.local="$CACHE_DIR/m2" "$MVN_DEPENDENCY_PLUGIN:copy" \
        -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$tmp" </dev/null 2>&1 3>&- 9>&- |
        sed 's/\x1b\[0m//g' >&2); then
        rm -rf "$tmp"
        die "elasticsearch: download failed"
    fi
    # The zip now lives in $tmp; drop Maven's second copy of it.
    rm -rf "$CACHE_DIR/m2/org/elasticsearch/distribution"
    if ! es_checksum_ok "$tmp/elasticsearch-$ES_VERSION.zip"; then
        rm -rf "$tmp"
        die "elasticsearch: SHA-512 mismatch for the downloaded zip"
    fi
    mv "$tmp/elasticsearch-$ES_VERSION.zip" "$zip"
    rm -rf "$tmp"
    log "elasticsearch: cached $zip (SHA-512 verified)"
}

es_unpack() {
    [[ -f $ES_HOME/.unpacked ]] && return 0
    es_download
    log "elasticsearch: unpacking into $ES_HOME"
    rm -rf "$ES_HOME" "$ES_BASE/.unpack"
    mkdir -p "$ES_BASE/.unpack"
    unzip -q "$(es_zip)" -d "$ES_BASE/.unpack"
    mv "$ES_BASE/.unpack/elasticsearch-$ES_VERSION" "$ES_HOME"
    rmdir "$ES_BASE/.unpack"
    touch "$ES_HOME/.unpacked"
}

# Writes our settings. The integration-test distribution ships only a few
# modules, so settings of modules it lacks must not be set.
es_configure() {
    local conf="$ES_HOME/config"
    {
        echo "# Written by scripts/services.sh; rewritten at every start."
        echo "cluster.name: muqing-test"
        echo "node.name: muqing-test-node"
        echo "discovery.type: single-node"
        echo "network.host: 127.0.0.1"
        echo "http.port: $ES_PORT"
        echo "transport.port: $ES_TRANSPORT_PORT"
        echo "path.data: \"$ES_DATA\""
        echo "path.logs: \"$ES_LOGS\""
        echo "cluster.routing.allocation.disk.threshold_enabled: false"
        echo "action.destructive_requires_name: false"
        [[ -d $ES_HOME/modules/x-pack-security ]] && echo "xpack.security.enabled: false"
        [[ -d $ES_HOME/modules/x-pack-ml ]] && echo "xpack.ml.enabled: false"
        [[ -d $ES_HOME/modules/ingest-geoip ]] && echo "ingest.geoip.downloader.enabled: false"
        true
    } >"$conf/elasticsearch.yml"
    printf -- '-Xms%s\n-Xmx%s\n' "$ES_HEAP" "$ES_HEAP" >"$conf/jvm.options.d/muqing.options"
}

es_launch() {
    local user java_home_dir pid
    ES_LAUNCH_PID=""
    if es_answering; then
        log "elasticsearch: already running on 127.0.0.1:$ES_PORT, reused"
        return 0
    fi
    if pid=$(es_server_pid); then
        log "elasticsearch: pid $pid runs from $ES_HOME but does not answer yet; waiting for it"
        ES_LAUNCH_PID=$pid
        ES_LAUNCHED_AT=$SECONDS
        return 0
    fi
    if ! [[ -f $ES_HOME/.unpacked ]]; then
        es_unpack
    fi
    es_configure
    java_home_dir=$(java_home)
    mkdir -p "$ES_DATA" "$ES_LOGS" "$ES_BASE/tmp"
    user=$(id -un)
    if is_root; then
        user=$ES_USER
        ensure_system_user "$ES_USER" "$ES_BASE"
        chown -R "$ES_USER:" "$ES_BASE"
        ensure_reachable "$ES_USER" "$ES_BASE"
    fi
    rm -f "$ES_PIDFILE"
    log "elasticsearch: starting $ES_VERSION on 127.0.0.1:$ES_PORT (heap $ES_HEAP, Java $(java_major "$java_home_dir/bin/java")) ..."
    ES_LAUNCHED_AT=$SECONDS
    (
        cd "$ES_BASE"
        user_prefix "$user"
        exec setsid "${USER_PREFIX[@]}" env -u JAVA_HOME \
            ES_JAVA_HOME="$java_home_dir" ES_PATH_CONF="$ES_HOME/config" ES_TMPDIR="$ES_BASE/tmp" \
            "$ES_HOME/bin/elasticsearch" -p "$ES_PIDFILE"
    ) </dev/null >>"$ES_LOGS/console.log" 2>&1 3>&- 9>&- &
    ES_LAUNCH_PID=$!
}

es_log_tail() {
    local file
    for file in "$ES_LOGS/muqing-test.log" "$ES_LOGS/console.log"; do
        [[ -f $file ]] || continue
        log "elasticsearch: last lines of $file:"
        tail -n 30 "$file" >&2 || true
    done
}

es_healthy() { http_get "$(es_url '/_cluster/health?wait_for_status=yellow&timeout=5s')" 10 >/dev/null; }

es_wait() {
    [[ -n $ES_LAUNCH_PID ]] || return 0
    local deadline=$((ES_LAUNCHED_AT + ES_START_TIMEOUT))
    until es_healthy; do
        if ! kill -0 "$ES_LAUNCH_PID" 2>/dev/null; then
            es_log_tail
            die "elasticsearch: exited during start-up"
        fi
        if ((SECONDS >= deadline)); then
            es_log_tail
            es_stop
            kill -TERM "$ES_LAUNCH_PID" 2>/dev/null || true
            die "elasticsearch: not healthy after ${ES_START_TIMEOUT}s"
        fi
        sleep 1
    done
    log "elasticsearch: ready in $((SECONDS - ES_LAUNCHED_AT))s"
}

es_start() {
    es_launch
    es_wait
}

es_stop() {
    local pid
    if pid=$(es_server_pid); then
        log "elasticsearch: stopping (pid $pid)"
        kill -TERM "$pid"
        if ! wait_until 60 sh -c "! kill -0 $pid 2>/dev/null"; then
            log "elasticsearch: still running after 60s; killing"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$ES_PIDFILE"
        log "elasticsearch: stopped"
    elif es_answering; then
        log "elasticsearch: port $ES_PORT is served from outside $ES_BASE; left alone"
    else
        log "elasticsearch: not running"
    fi
}

es_status() {
    local version
    if es_answering; then
        version=$(http_get "$(es_url '/_nodes/_local?filter_path=nodes.*.version')" |
            sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p')
        out "elasticsearch  running  127.0.0.1:$ES_PORT  Elasticsearch $version  dir=$ES_BASE"
    else
        out "elasticsearch  stopped  127.0.0.1:$ES_PORT"
        return 1
    fi
}

es_export() {
    out "export MUQING_TEST_ELASTICSEARCH_URL=$(es_url)"
}

# --------------------------------------------------------------- chromium --

chromium_path() {
    local name
    for name in chromium chromium-browser; do
        command -v "$name" 2>/dev/null && return 0
    done
    return 1
}

chinese_font_installed() {
    command -v fc-list >/dev/null 2>&1 && [[ -n $(fc-list :lang=zh family 2>/dev/null) ]]
}

chromium_start() {
    local path
    path=$(chromium_path) || die "chromium: not found after installation"
    log "chromium: $path ($("$path" --version 2>/dev/null || echo 'version unknown'))"
}

chromium_stop() { :; }

chromium_status() {
    local path
    if path=$(chromium_path); then
        out "chromium       installed  $path  $("$path" --version 2>/dev/null || true)"
    else
        out "chromium       missing"
        return 1
    fi
}

chromium_export() {
    local path
    path=$(chromium_path) || return 0
    out "export MUQING_TEST_CHROMIUM=$(printf '%q' "$path")"
}

# ------------------------------------------------------------------- main --

# Packages that the selected services still need, installed in one apt run.
install_missing() {
    local service pkgs=()
    for service in "$@"; do
        case $service in
        postgres) find_pg_bin || pkgs+=(postgresql) ;;
        redis) command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server) ;;
        elasticsearch)
            es_answering && continue
            command -v curl >/dev/null 2>&1 || pkgs+=(curl)
            if ! [[ -f $ES_HOME/.unpacked ]]; then
                command -v unzip >/dev/null 2>&1 || pkgs+=(unzip)
                [[ -f $(es_zip) ]] || command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
            fi
            command -v java >/dev/null 2>&1 || [[ -n ${JAVA_HOME:-} ]] || pkgs+=(openjdk-17-jdk-headless)
            ;;
        chromium)
            chromium_path >/dev/null || pkgs+=(chromium)
            command -v chromedriver >/dev/null 2>&1 || pkgs+=(chromium-driver)
            # Screenshots of the Chinese UI need a CJK font; Chromium renders boxes without one.
            chinese_font_installed || pkgs+=(fonts-noto-cjk)
            ;;
        esac
    done
    ((${#pkgs[@]} == 0)) || apt_install "${pkgs[@]}"
}

usage() {
    cat >&2 <<EOF
usage: scripts/services.sh [start|stop|restart|status] [SERVICE...]
services: ${ALL_SERVICES[*]} (default: all)
EOF
    exit 2
}

normalise_service() {
    case $1 in
    postgres | postgresql | pg) echo postgres ;;
    redis) echo redis ;;
    elasticsearch | es) echo elasticsearch ;;
    chromium | chrome) echo chromium ;;
    *) return 1 ;;
    esac
}

do_start() {
    local service
    install_missing "$@"
    # Elasticsearch starts slowest: launch it first, bring up the rest while
    # it boots, then wait for it.
    for service in "$@"; do
        [[ $service == elasticsearch ]] && es_launch
    done
    for service in "$@"; do
        case $service in
        postgres) pg_start ;;
        redis) redis_start ;;
        chromium) chromium_start ;;
        esac
    done
    for service in "$@"; do
        [[ $service == elasticsearch ]] && es_wait
    done
    for service in "$@"; do
        case $service in
        postgres) pg_export ;;
        redis) redis_export ;;
        elasticsearch) es_export ;;
        chromium) chromium_export ;;
        esac
    done
}

do_stop() {
    local service
    for service in "$@"; do
        case $service in
        postgres) pg_stop ;;
        redis) redis_stop ;;
        elasticsearch) es_stop ;;
        chromium) chromium_stop ;;
        esac
    done
}

do_status() {
    local service rc=0
    for service in "$@"; do
        case $service in
        postgres) pg_status || rc=3 ;;
        redis) redis_status || rc=3 ;;
        elasticsearch) es_status || rc=3 ;;
        chromium) chromium_status || rc=3 ;;
        esac
    done
    return "$rc"
}

main() {
    local action=${1:-start} service name
    local -a services=()
    (($# == 0)) || shift
    for name in "$@"; do
        service=$(normalise_service "$name") || usage
        services+=("$service")
    done
    ((${#services[@]})) || services=("${ALL_SERVICES[@]}")

    # Keep the real stdout for the export/status lines; everything else,
    # including the output of the tools we run, goes to stderr.
    exec 3>&1 1>&2
    setup_sudo

    case $action in
    status)
        command -v curl >/dev/null 2>&1 || apt_install curl
        do_status "${services[@]}"
        return
        ;;
    start | stop | restart) ;;
    -h | --help | help) usage ;;
    *) usage ;;
    esac

    # One start/stop at a time per services directory; a concurrent start
    # waits here, then finds the services running and reuses them.
    mkdir -p "$SERVICES_DIR"
    exec 9>"$SERVICES_DIR/.lock"
    flock -w 600 9 || die "another services.sh holds $SERVICES_DIR/.lock"

    case $action in
    start) do_start "${services[@]}" ;;
    stop) do_stop "${services[@]}" ;;
    restart)
        do_stop "${services[@]}"
        do_start "${services[@]}"
        ;;
    esac
}

main "$@"
