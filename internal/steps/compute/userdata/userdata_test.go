package userdata_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"

	"geusemaker/internal/document"
	"geusemaker/internal/steps/compute/userdata"
)

const fsID = "fs-0123456789abcdef0"

type variant struct {
	name string
	os   document.OSType
	gpu  bool
}

func variants() []variant {
	var out []variant
	for _, os := range []document.OSType{document.OSAmazonLinux2023, document.OSUbuntu2204, document.OSUbuntu2404} {
		out = append(out, variant{string(os) + "/cpu", os, false}, variant{string(os) + "/gpu", os, true})
	}
	return out
}

// has reports whether s holds want, naming only want on failure (the
// script is too long to print).
func has(t *testing.T, s, want string, yes bool) {
	t.Helper()
	if strings.Contains(s, want) != yes {
		t.Errorf("script contains %q: %v, want %v", want, !yes, yes)
	}
}

func render(t *testing.T, v variant) string {
	t.Helper()
	s, err := userdata.Render(userdata.Params{
		DeploymentID: "demo", FileSystemID: fsID, Region: "us-east-1", OS: v.os, GPU: v.gpu, HTTPS: v.gpu,
	})
	require.NoError(t, err)
	return s
}

func TestRenderedScriptHasTheWholeWorkload(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			s := render(t, v)
			assert.LessOrEqual(t, len(s), userdata.MaxSize, "fits EC2's limit without gzip")
			assert.Regexp(t, regexp.MustCompile(regexp.QuoteMeta(fsID)+`(\.efs\.us-east-1\.amazonaws\.com)?:/ \$EFS_DIR`), s, "EFS mounted by file system id")
			for _, want := range []string{
				"image: n8nio/n8n", `"127.0.0.1:5678:5678"`, "/mnt/efs/n8n:/home/node/.n8n",
				"image: ollama/ollama", `"127.0.0.1:11434:11434"`, "/mnt/efs/ollama:",
				"image: qdrant/qdrant", `"127.0.0.1:6333:6333"`, `"127.0.0.1:6334:6334"`, "/mnt/efs/qdrant:",
				"image: unclecode/crawl4ai", `"127.0.0.1:11235:11235"`,
				"image: postgres:15", "POSTGRES_DB: geusemaker", "POSTGRES_USER: geusemaker", "/mnt/efs/postgres:",
				"listen 80 default_server;",
				"location = /healthz", "proxy_pass http://127.0.0.1:5678/healthz;",
				"location /api/ollama/", "location /qdrant/", "location /crawl4ai/", "location / {",
				"proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;",
				"docker compose up -d",
			} {
				has(t, s, want, true)
			}
			assert.NotContains(t, s, "0.0.0.0", "nothing but nginx listens on the network")
		})
	}
}

func TestRenderedScriptCarriesNoSecret(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			s := render(t, v)
			assert.NotRegexp(t, regexp.MustCompile(`[0-9a-fA-F]{32}`), s, "no password in UserData")
			assert.NotRegexp(t, regexp.MustCompile(`POSTGRES_PASSWORD:`), s, "the password comes from the env file made at boot")
			assert.Contains(t, s, "od -An -N16 -tx1 /dev/urandom", "32 hex characters generated on the instance")
		})
	}
}

func TestGPUPartsOnlyForGPU(t *testing.T) {
	gpuOnly := []string{
		"nvidia-smi --query-gpu=name --format=csv,noheader",
		"nvidia-ctk runtime configure --runtime=docker",
		"runtime: nvidia",
		"count: all",
		"capabilities: [gpu]",
		`fail "no NVIDIA GPU visible`,
	}
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			s := render(t, v)
			for _, want := range gpuOnly {
				if v.gpu {
					has(t, s, want, true)
				} else {
					has(t, s, want, false)
				}
			}
			assert.NotContains(t, s, "GPU_COUNT", "no count variable left for a quoted heredoc to write literally")
			assert.Contains(t, s, `N8N_SECURE_COOKIE: "`+map[bool]string{true: "true", false: "false"}[v.gpu]+`"`)
		})
	}
}

func TestOSDifferences(t *testing.T) {
	tests := []struct {
		os      document.OSType
		want    []string
		notWant []string
	}{
		{document.OSAmazonLinux2023,
			[]string{"dnf install -y amazon-efs-utils", fsID + ":/ $EFS_DIR efs _netdev,tls 0 0", "docker-compose-linux-$(uname -m)"},
			[]string{"apt-get", "nfs4"}},
		{document.OSUbuntu2204,
			[]string{"apt-get", "nfs-common", fsID + ".efs.us-east-1.amazonaws.com:/ $EFS_DIR nfs4", "_netdev", "docker-compose-v2"},
			[]string{"dnf ", "amazon-efs-utils nginx"}},
	}
	for _, tc := range tests {
		t.Run(string(tc.os), func(t *testing.T) {
			s := render(t, variant{os: tc.os})
			for _, w := range tc.want {
				has(t, s, w, true)
			}
			for _, w := range tc.notWant {
				has(t, s, w, false)
			}
		})
	}
}

func TestChinaRegionsUseTheirDNSSuffix(t *testing.T) {
	s, err := userdata.Render(userdata.Params{DeploymentID: "demo", FileSystemID: fsID, Region: "cn-north-1", OS: document.OSUbuntu2404})
	require.NoError(t, err)
	assert.Contains(t, s, fsID+".efs.cn-north-1.amazonaws.com.cn:/")
}

func TestEveryScriptParses(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			_, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(render(t, v)), v.name)
			require.NoError(t, err)
		})
	}
}

func TestShellcheckFindsNoWarnings(t *testing.T) {
	bin, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck not installed (apt-get install -y shellcheck); CI installs it")
	}
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			cmd := exec.Command(bin, "--severity=warning", "--shell=bash", "-")
			cmd.Stdin = strings.NewReader(render(t, v))
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "shellcheck:\n%s", out)
		})
	}
}

func TestRenderRejectsBadParams(t *testing.T) {
	good := userdata.Params{DeploymentID: "demo", FileSystemID: fsID, Region: "us-east-1", OS: document.OSAmazonLinux2023}
	tests := []struct {
		name   string
		change func(*userdata.Params)
		want   string
	}{
		{"deployment id", func(p *userdata.Params) { p.DeploymentID = "demo; rm -rf /" }, "deployment id"},
		{"file system id", func(p *userdata.Params) { p.FileSystemID = "fs-1 /etc" }, "file system id"},
		{"missing file system", func(p *userdata.Params) { p.FileSystemID = "" }, "file system id"},
		{"region", func(p *userdata.Params) { p.Region = "us-east-1$(id)" }, "region"},
		{"os", func(p *userdata.Params) { p.OS = "windows" }, "unsupported OS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.change(&p)
			_, err := userdata.Render(p)
			require.ErrorContains(t, err, tc.want)
			_, err = userdata.Build(p)
			require.Error(t, err)
		})
	}
}

func TestEncode(t *testing.T) {
	t.Run("small scripts are plain base64", func(t *testing.T) {
		s := render(t, variant{os: document.OSAmazonLinux2023, gpu: true})
		enc, err := userdata.Encode(s)
		require.NoError(t, err)
		raw, err := base64.StdEncoding.DecodeString(enc)
		require.NoError(t, err)
		assert.Equal(t, s, string(raw))

		built, err := userdata.Build(userdata.Params{DeploymentID: "demo", FileSystemID: fsID, Region: "us-east-1", OS: document.OSAmazonLinux2023, GPU: true, HTTPS: true})
		require.NoError(t, err)
		assert.Equal(t, enc, built)
	})
	t.Run("large scripts are gzipped", func(t *testing.T) {
		s := "#!/bin/bash\n" + strings.Repeat("echo padding padding padding\n", 1000)
		require.Greater(t, len(s), userdata.MaxSize)
		enc, err := userdata.Encode(s)
		require.NoError(t, err)
		raw, err := base64.StdEncoding.DecodeString(enc)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(raw), userdata.MaxSize)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		require.NoError(t, err)
		plain, err := io.ReadAll(zr)
		require.NoError(t, err)
		assert.Equal(t, s, string(plain))
	})
	t.Run("too large even gzipped", func(t *testing.T) {
		noise := make([]byte, 3*userdata.MaxSize)
		_, _ = rand.Read(noise)
		_, err := userdata.Encode(base64.StdEncoding.EncodeToString(noise))
		require.ErrorContains(t, err, "over EC2's")
	})
}
