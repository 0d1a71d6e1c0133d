#!/bin/bash
# GeuseMaker workload bootstrap. internal/steps/compute/userdata renders it
# without a template engine: it writes the deployment's values as readonly
# variables under the shebang (DEPLOYMENT_ID, OS_NAME, OS, FILE_SYSTEM_ID,
# EFS_DNS_NAME, REGION, SECRET_ARN, N8N_SECURE_COOKIE, N8N_PROXY_HOPS,
# COMPOSE_VERSION) and
# drops the GPU sections (between the gpu marker lines) for instances
# without a GPU. It holds no secret: the credentials are read at boot from
# the Secrets Manager secret SECRET_ARN names.
set -euo pipefail

STATUS_DIR=/var/lib/geusemaker
APP_DIR=/opt/geusemaker
EFS_DIR=/mnt/efs
SECRETS_DIR=/etc/geusemaker
mkdir -p "$STATUS_DIR" "$APP_DIR"

# fail records why the bootstrap stopped where `cat $STATUS_DIR/status`
# and the console log (cloud-init output) show it, and exits non-zero so
# cloud-init marks the script failed.
fail() {
  echo "geusemaker bootstrap failed: $*" | tee "$STATUS_DIR/status" >&2
  exit 1
}
trap 'fail "line $LINENO: $BASH_COMMAND"' ERR
# n8n's first owner (written by apply-secrets --boot) never outlives the run.
trap 'rm -f "$SECRETS_DIR/n8n-owner.json"' EXIT
echo "running" >"$STATUS_DIR/status"
echo "geusemaker bootstrap for deployment $DEPLOYMENT_ID on $OS_NAME"
[ "$OS" = ubuntu ] || [ "$OS" = al2023 ] || fail "unknown OS family $OS"

# retry runs a command up to 5 times with growing pauses: package mirrors
# and registries are often briefly unreachable while an instance boots.
retry() {
  local n
  for n in 1 2 3 4 5; do
    if "$@"; then
      return 0
    fi
    echo "attempt $n of '$*' failed" >&2
    sleep $((n * 10))
  done
  return 1
}

if [ "$OS" = ubuntu ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Boot-time unattended-upgrades holds the dpkg lock: wait for it.
  apt=(apt-get -y -o DPkg::Lock::Timeout=600)
  retry "${apt[@]}" update
  retry "${apt[@]}" install ca-certificates curl gnupg nfs-common nginx
  if ! command -v docker >/dev/null 2>&1; then
    retry "${apt[@]}" install docker.io
  fi
  if ! docker compose version >/dev/null 2>&1; then
    retry "${apt[@]}" install docker-compose-v2
  fi
fi
if [ "$OS" = al2023 ]; then
  retry dnf install -y amazon-efs-utils nginx
  if ! command -v docker >/dev/null 2>&1; then
    retry dnf install -y docker
  fi
  # Amazon Linux 2023 does not package the compose plugin: install the
  # release binary for this architecture.
  if ! docker compose version >/dev/null 2>&1; then
    # The release's published SHA-256 must match before it is installed.
    compose="docker-compose-linux-$(uname -m)"
    release="https://github.com/docker/compose/releases/download/$COMPOSE_VERSION"
    mkdir -p /usr/local/lib/docker/cli-plugins /tmp/compose
    retry curl -fsSL -o "/tmp/compose/$compose" "$release/$compose"
    retry curl -fsSL -o "/tmp/compose/$compose.sha256" "$release/$compose.sha256"
    (cd /tmp/compose && sha256sum -c "$compose.sha256") || fail "docker compose $COMPOSE_VERSION failed its checksum"
    install -m 0755 "/tmp/compose/$compose" /usr/local/lib/docker/cli-plugins/docker-compose
    rm -rf /tmp/compose
  fi
fi

# --- EFS ---------------------------------------------------------------
mkdir -p "$EFS_DIR"
if ! grep -q "$FILE_SYSTEM_ID" /etc/fstab; then
  if [ "$OS" = ubuntu ]; then
    # amazon-efs-utils is not packaged for Ubuntu: plain NFSv4.1 with the
    # options AWS recommends (no TLS in transit; the file system is
    # encrypted at rest and reachable only from the instance's group).
    echo "$EFS_DNS_NAME:/ $EFS_DIR nfs4 nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev 0 0" >>/etc/fstab
  fi
  if [ "$OS" = al2023 ]; then
    # The EFS mount helper, with TLS in transit.
    echo "$FILE_SYSTEM_ID:/ $EFS_DIR efs _netdev,tls 0 0" >>/etc/fstab
  fi
fi
# A fresh mount target's DNS name can take ~90 s to resolve, and the
# mount target itself may still be creating: retry for up to 10 minutes.
mounted=""
for attempt in $(seq 1 40); do
  if mountpoint -q "$EFS_DIR" || mount "$EFS_DIR"; then
    mounted=yes
    break
  fi
  echo "EFS mount attempt $attempt failed; retrying in 15 s" >&2
  sleep 15
done
[ -n "$mounted" ] || fail "could not mount EFS $FILE_SYSTEM_ID on $EFS_DIR after 10 minutes"
mkdir -p "$EFS_DIR/n8n" "$EFS_DIR/ollama" "$EFS_DIR/qdrant" "$EFS_DIR/postgres" "$EFS_DIR/geusemaker"
# n8n runs as the image's "node" user (uid 1000).
chown 1000:1000 "$EFS_DIR/n8n"

# Containers restart with docker at boot: docker must wait for EFS.
mkdir -p /etc/systemd/system/docker.service.d
cat >/etc/systemd/system/docker.service.d/geusemaker-efs.conf <<'UNIT'
[Unit]
RequiresMountsFor=/mnt/efs
UNIT
systemctl daemon-reload
systemctl enable --now docker

# >>> gpu
# --- GPU -----------------------------------------------------------------
# The Deep Learning AMI ships the driver; the device can take a moment to
# answer after boot. No GPU after 5 minutes means the instance type has
# none or the AMI lacks the driver: stop here, visibly.
gpus=""
for attempt in $(seq 1 30); do
  if gpus=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null) && [ -n "$gpus" ]; then
    break
  fi
  echo "nvidia-smi attempt $attempt: no GPU yet" >&2
  gpus=""
  sleep 10
done
[ -n "$gpus" ] || fail "no NVIDIA GPU visible to nvidia-smi: use a GPU instance type (g4dn, g5, g6, p4d, ...) and a Deep Learning AMI with the NVIDIA driver"
echo "GPUs: $(echo "$gpus" | wc -l) ($(echo "$gpus" | sort -u | paste -sd, -))"

if ! command -v nvidia-ctk >/dev/null 2>&1; then
  if [ "$OS" = ubuntu ]; then
    retry curl -fsSL -o /tmp/nvidia-gpgkey https://nvidia.github.io/libnvidia-container/gpgkey
    gpg --batch --yes --dearmor -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg /tmp/nvidia-gpgkey
    # $(ARCH) is apt's own variable, written literally.
    # shellcheck disable=SC2016
    echo 'deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /' \
      >/etc/apt/sources.list.d/nvidia-container-toolkit.list
    retry "${apt[@]}" update
    retry "${apt[@]}" install nvidia-container-toolkit
  fi
  if [ "$OS" = al2023 ]; then
    retry curl -fsSL -o /etc/yum.repos.d/nvidia-container-toolkit.repo \
      https://nvidia.github.io/libnvidia-container/stable/rpm/nvidia-container-toolkit.repo
    retry dnf install -y nvidia-container-toolkit
  fi
fi
nvidia-ctk runtime configure --runtime=docker
systemctl restart docker
# <<< gpu

# --- Secrets -----------------------------------------------------------
# The deployment's credentials live in Secrets Manager ($SECRET_ARN); the
# instance role may read that one secret. They never pass through UserData,
# the command line or the console log: apply-secrets writes each service's
# share into a root-only file, and only the file names appear here. It runs
# now, again once the services are up (Postgres's password), and after a
# rotation (docs/user-guide.md, "Rotating the credentials").
if ! command -v aws >/dev/null 2>&1; then
  # Ubuntu's server images carry snapd; the AWS CLI v2 is a classic snap.
  retry snap install aws-cli --classic
fi
printf 'SECRET_ID=%q\nSECRET_REGION=%q\n' "$SECRET_ARN" "$REGION" >"$APP_DIR/secret.conf"
cat >"$APP_DIR/apply-secrets" <<'APPLY'
#!/bin/bash
# apply-secrets [--boot]: writes the deployment's credentials from Secrets
# Manager into the files the services read; with the services up it also
# recreates those whose credentials changed and sets Postgres's password.
# At boot (--boot) it also writes n8n's first owner, which the bootstrap
# consumes, and leaves nginx alone: nginx serves n8n only once that owner
# exists. After a rotation it reloads nginx, which takes the new key.
set -euo pipefail
boot=""
if [ "${1:-}" = --boot ]; then
  boot=yes
fi
# shellcheck source=/dev/null
. /opt/geusemaker/secret.conf
out=/etc/geusemaker
umask 077
mkdir -p "$out"
# python runs the AWS CLI itself: the secret goes from its output into the
# files below, never onto disk whole, into a process argument or a log. A
# fresh role's inline policy can take seconds to apply: callers retry.
python3 - "$out" /etc/nginx/geusemaker-api-key.map "$boot" "$SECRET_REGION" "$SECRET_ID" <<'PY'
import json, os, subprocess, sys
out, key_map, boot, region, secret_id = sys.argv[1], sys.argv[2], sys.argv[3] == "yes", sys.argv[4], sys.argv[5]
got = subprocess.run(["aws", "secretsmanager", "get-secret-value", "--region", region, "--secret-id", secret_id,
    "--query", "SecretString", "--output", "text"], capture_output=True, text=True)
if got.returncode != 0:
    sys.exit("get-secret-value failed: " + got.stderr.strip())
s = json.loads(got.stdout)
for k in ("n8n_owner_email", "n8n_owner_password", "api_key", "postgres_password"):
    v = s.get(k, "")
    # Generated alphanumeric (an email for the owner): safe in env files,
    # and in nginx's regular expression below.
    if not v or not all(c.isascii() and (c.isalnum() or c in "@.-_") for c in v):
        sys.exit("secret field %s is missing or malformed" % k)
def write(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)
write(os.path.join(out, "postgres.env"), "POSTGRES_PASSWORD=%s\n" % s["postgres_password"])
write(os.path.join(out, "n8n.env"), "DB_POSTGRESDB_PASSWORD=%s\n" % s["postgres_password"])
write(os.path.join(out, "qdrant.env"), "QDRANT__SERVICE__API_KEY=%s\n" % s["api_key"])
write(os.path.join(out, "crawl4ai.env"), "CRAWL4AI_API_TOKEN=%s\n" % s["api_key"])
if boot:
    write(os.path.join(out, "n8n-owner.json"), json.dumps({"email": s["n8n_owner_email"], "firstName": "GeuseMaker",
        "lastName": "Owner", "password": s["n8n_owner_password"]}))
# A regular expression, not a string: nginx compares map strings without
# case, and hashes them in buckets (64 bytes by default) that a 55-byte
# key overflows, failing nginx -t.
write(key_map, '"~^Bearer %s$" 1;\n' % s["api_key"])
PY
if [ -z "$boot" ]; then
  # A rotation: the old key stops opening the APIs before anything else.
  nginx -t -q
  systemctl reload nginx
fi
cd /opt/geusemaker
if [ -n "$(docker compose ps -q postgres 2>/dev/null)" ]; then
  # Compose recreates the services whose env files changed. The password
  # is the secret's also for data an earlier instance left on EFS (the
  # image sets it only when it initializes the data). psql reads it from
  # the container's environment (\getenv), never from its arguments, and
  # the statement, which would carry it, is never logged.
  docker compose up -d --wait postgres
  docker compose exec -T postgres psql -q -v ON_ERROR_STOP=1 -U geusemaker -d geusemaker <<'SQL'
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
\getenv pw POSTGRES_PASSWORD
ALTER USER geusemaker PASSWORD :'pw';
SQL
  docker compose up -d
fi
APPLY
chmod 0700 "$APP_DIR/apply-secrets"
retry "$APP_DIR/apply-secrets" --boot

# --- Workload --------------------------------------------------------------
# Images are pinned: a new release is taken on purpose (bump them here and
# in docs/user-guide.md). The delimiter is unquoted so that
# $N8N_SECURE_COOKIE and $N8N_PROXY_HOPS expand: the file must hold no
# other $, ` or \ (the package's tests check). Workflows may not read the
# environment (N8N_BLOCK_ENV_ACCESS_IN_NODE): it holds Postgres's password.
# The editor's push channel is server-sent events, not WebSockets: CloudFront
# VPC origins do not carry WebSockets (Developer Guide, "Restrict access with
# VPC origins"), and plain HTTP passes every proxy.
cat >"$APP_DIR/docker-compose.yml" <<COMPOSE
name: geusemaker
services:
  postgres:
    image: postgres:15.8
    restart: unless-stopped
    environment:
      POSTGRES_DB: geusemaker
      POSTGRES_USER: geusemaker
    env_file: /etc/geusemaker/postgres.env
    volumes:
      - /mnt/efs/postgres:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U geusemaker -d geusemaker"]
      interval: 10s
      timeout: 5s
      retries: 10
  n8n:
    image: n8nio/n8n:1.122.0
    restart: unless-stopped
    depends_on:
      postgres:
        condition: service_healthy
    environment:
      DB_TYPE: postgresdb
      DB_POSTGRESDB_HOST: postgres
      DB_POSTGRESDB_DATABASE: geusemaker
      DB_POSTGRESDB_USER: geusemaker
      N8N_SECURE_COOKIE: "$N8N_SECURE_COOKIE"
      N8N_PROXY_HOPS: "$N8N_PROXY_HOPS"
      N8N_PUSH_BACKEND: sse
      N8N_DIAGNOSTICS_ENABLED: "false"
      N8N_BLOCK_ENV_ACCESS_IN_NODE: "true"
    env_file: /etc/geusemaker/n8n.env
    ports:
      - "127.0.0.1:5678:5678"
    volumes:
      - /mnt/efs/n8n:/home/node/.n8n
  ollama:
    image: ollama/ollama:0.12.0
    restart: unless-stopped
    ports:
      - "127.0.0.1:11434:11434"
    volumes:
      - /mnt/efs/ollama:/root/.ollama
# >>> gpu
    runtime: nvidia
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: all
              capabilities: [gpu]
# <<< gpu
  qdrant:
    image: qdrant/qdrant:v1.15.0
    restart: unless-stopped
    env_file: /etc/geusemaker/qdrant.env
    ports:
      - "127.0.0.1:6333:6333"
      - "127.0.0.1:6334:6334"
    volumes:
      - /mnt/efs/qdrant:/qdrant/storage
  crawl4ai:
    # From 0.9 Crawl4AI serves its API only with a token (else it binds
    # its container's loopback and nothing reaches it).
    image: unclecode/crawl4ai:0.9.2
    restart: unless-stopped
    shm_size: 1g
    env_file: /etc/geusemaker/crawl4ai.env
    ports:
      - "127.0.0.1:11235:11235"
COMPOSE

cd "$APP_DIR"
retry docker compose pull
retry docker compose up -d

# Now that Postgres runs, its password becomes the secret's.
retry "$APP_DIR/apply-secrets" --boot

# n8n's owner account is set up here, on loopback, before nginx proxies
# port 80 to n8n (its config is written only below): nobody can claim the
# editor first, not even after a reboot that interrupted this script. An
# owner from an earlier instance on the same EFS stays as it is.
# owner_state prints "setup" while n8n offers its owner setup, "owned"
# once it has an owner, and fails on anything else.
owner_state() {
  curl -fsS http://127.0.0.1:5678/rest/settings | python3 -c '
import json, sys
show = json.load(sys.stdin)["data"]["userManagement"]["showSetupOnFirstLoad"]
if not isinstance(show, bool):
    sys.exit("showSetupOnFirstLoad is not a boolean")
print("setup" if show else "owned")'
}
owner_setup() {
  curl -fsS http://127.0.0.1:5678/healthz >/dev/null || return 1
  local state
  state=$(owner_state) || return 1
  if [ "$state" = setup ]; then
    curl -fsS -X POST -H 'Content-Type: application/json' --data-binary "@$SECRETS_DIR/n8n-owner.json" \
      http://127.0.0.1:5678/rest/owner/setup >/dev/null || return 1
  fi
  [ "$(owner_state)" = owned ]
}
# n8n's first start migrates its database on EFS: give it up to 10 minutes.
owned=""
for attempt in $(seq 1 60); do
  if owner_setup; then
    owned=yes
    break
  fi
  echo "n8n owner set-up attempt $attempt: n8n not ready yet" >&2
  sleep 10
done
[ -n "$owned" ] || fail "n8n's owner could not be set up within 10 minutes: nginx stays closed"
rm -f "$SECRETS_DIR/n8n-owner.json"

# nginx is the only listener on the network: every service above is bound
# to 127.0.0.1. /healthz answers 200 only when n8n does and tells nothing
# else; the APIs open only with "Authorization: Bearer <api_key>" (the key
# map is written above, from the secret); n8n's editor has its own login.
cat >/etc/nginx/nginx.conf <<'NGINX'
worker_processes auto;
pid /run/nginx.pid;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  server_tokens off;
  client_max_body_size 100m;
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
  }
  map $http_authorization $geusemaker_api_authorized {
    default 0;
    include /etc/nginx/geusemaker-api-key.map;
  }
  server {
    listen 80 default_server;
    server_name _;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
    location = /healthz {
      access_log off;
      proxy_connect_timeout 2s;
      proxy_read_timeout 5s;
      proxy_pass http://127.0.0.1:5678/healthz;
    }
    location /api/ollama/ {
      if ($geusemaker_api_authorized = 0) { return 401; }
      proxy_set_header Authorization "";
      proxy_buffering off;
      proxy_read_timeout 600s;
      proxy_pass http://127.0.0.1:11434/;
    }
    location /qdrant/ {
      if ($geusemaker_api_authorized = 0) { return 401; }
      proxy_pass http://127.0.0.1:6333/;
    }
    location /crawl4ai/ {
      if ($geusemaker_api_authorized = 0) { return 401; }
      proxy_read_timeout 300s;
      proxy_pass http://127.0.0.1:11235/;
    }
    location / {
      # A location that sets headers inherits none of the server's: n8n
      # needs Host and the forwarded ones (its origin check, client IPs).
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 3600s;
      proxy_pass http://127.0.0.1:5678;
    }
  }
}
NGINX
rm -f /etc/nginx/sites-enabled/default
nginx -t
systemctl enable nginx
systemctl restart nginx
echo "ok" >"$STATUS_DIR/status"
echo "geusemaker bootstrap complete"
