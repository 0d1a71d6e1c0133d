#!/bin/bash
# GeuseMaker workload bootstrap. internal/steps/compute/userdata renders it
# without a template engine: it writes the deployment's values as readonly
# variables under the shebang (DEPLOYMENT_ID, OS_NAME, OS, FILE_SYSTEM_ID,
# EFS_DNS_NAME, N8N_SECURE_COOKIE, COMPOSE_VERSION) and drops the GPU
# sections (between the gpu marker lines) for instances without a GPU. It holds no secret: the Postgres password is generated here, at boot.
set -euo pipefail

STATUS_DIR=/var/lib/geusemaker
APP_DIR=/opt/geusemaker
EFS_DIR=/mnt/efs
mkdir -p "$STATUS_DIR" "$APP_DIR"

# fail records why the bootstrap stopped where `cat $STATUS_DIR/status`
# and the console log (cloud-init output) show it, and exits non-zero so
# cloud-init marks the script failed.
fail() {
  echo "geusemaker bootstrap failed: $*" | tee "$STATUS_DIR/status" >&2
  exit 1
}
trap 'fail "line $LINENO: $BASH_COMMAND"' ERR
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
    mkdir -p /usr/local/lib/docker/cli-plugins
    retry curl -fsSL -o /usr/local/lib/docker/cli-plugins/docker-compose \
      "https://github.com/docker/compose/releases/download/$COMPOSE_VERSION/docker-compose-linux-$(uname -m)"
    chmod 0755 /usr/local/lib/docker/cli-plugins/docker-compose
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
# The Postgres password is made here and kept on EFS next to the data it
# protects, so a replacement instance on the same file system reuses it.
SECRETS="$EFS_DIR/geusemaker/postgres.env"
if [ ! -s "$SECRETS" ]; then
  umask 077
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  [ ${#password} -eq 32 ] || fail "could not generate the Postgres password"
  printf 'POSTGRES_PASSWORD=%s\nDB_POSTGRESDB_PASSWORD=%s\n' "$password" "$password" >"$SECRETS"
  umask 022
fi
chmod 0600 "$SECRETS"

# --- Workload --------------------------------------------------------------
# The delimiter is unquoted so that $N8N_SECURE_COOKIE expands: the file
# must hold no other $, ` or \ (the package's tests check).
cat >"$APP_DIR/docker-compose.yml" <<COMPOSE
name: geusemaker
services:
  postgres:
    image: postgres:15
    restart: unless-stopped
    environment:
      POSTGRES_DB: geusemaker
      POSTGRES_USER: geusemaker
    env_file: /mnt/efs/geusemaker/postgres.env
    volumes:
      - /mnt/efs/postgres:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U geusemaker -d geusemaker"]
      interval: 10s
      timeout: 5s
      retries: 10
  n8n:
    image: n8nio/n8n
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
      N8N_PROXY_HOPS: "1"
    env_file: /mnt/efs/geusemaker/postgres.env
    ports:
      - "127.0.0.1:5678:5678"
    volumes:
      - /mnt/efs/n8n:/home/node/.n8n
  ollama:
    image: ollama/ollama
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
    image: qdrant/qdrant
    restart: unless-stopped
    ports:
      - "127.0.0.1:6333:6333"
      - "127.0.0.1:6334:6334"
    volumes:
      - /mnt/efs/qdrant:/qdrant/storage
  crawl4ai:
    image: unclecode/crawl4ai
    restart: unless-stopped
    shm_size: 1g
    ports:
      - "127.0.0.1:11235:11235"
COMPOSE

# nginx is the only listener on the network: every service above is bound
# to 127.0.0.1. /healthz answers 200 only when n8n does.
cat >/etc/nginx/nginx.conf <<'NGINX'
worker_processes auto;
pid /run/nginx.pid;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  client_max_body_size 100m;
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
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
      proxy_buffering off;
      proxy_read_timeout 600s;
      proxy_pass http://127.0.0.1:11434/;
    }
    location /qdrant/ {
      proxy_pass http://127.0.0.1:6333/;
    }
    location /crawl4ai/ {
      proxy_read_timeout 300s;
      proxy_pass http://127.0.0.1:11235/;
    }
    location / {
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

cd "$APP_DIR"
retry docker compose pull
retry docker compose up -d
echo "ok" >"$STATUS_DIR/status"
echo "geusemaker bootstrap complete"
