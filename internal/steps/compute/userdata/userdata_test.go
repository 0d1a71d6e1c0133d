package userdata_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"

	"geusemaker/internal/document"
	"geusemaker/internal/steps/compute/userdata"
	"geusemaker/internal/workload"
)

const (
	fsID      = "fs-0123456789abcdef0"
	secretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:geusemaker/demo/workload-AbCdEf"
)

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
		DeploymentID: "demo", FileSystemID: fsID, Region: "us-east-1", SecretARN: secretARN, OS: v.os, GPU: v.gpu, HTTPS: v.gpu,
	})
	require.NoError(t, err)
	return s
}

// blockNames are the variables Render writes under the shebang.
var blockNames = []string{"DEPLOYMENT_ID", "OS_NAME", "OS", "FILE_SYSTEM_ID", "EFS_DNS_NAME", "REGION", "SECRET_ARN", "N8N_SECURE_COOKIE", "N8N_PROXY_HOPS", "COMPOSE_VERSION"}

func parse(t *testing.T, s string) *syntax.File {
	t.Helper()
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(s), "userdata")
	require.NoError(t, err)
	return f
}

func printed(t *testing.T, n syntax.Node) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, syntax.NewPrinter().Print(&b, n))
	return strings.TrimSpace(b.String())
}

// block returns the readonly variables at the script's top level, each
// required to be one single-quoted word (so nothing in it expands).
func block(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, st := range parse(t, s).Stmts {
		d, ok := st.Cmd.(*syntax.DeclClause)
		if !ok || d.Variant.Value != "readonly" {
			continue
		}
		for _, a := range d.Args {
			require.Len(t, a.Value.Parts, 1, "%s is one word", a.Name.Value)
			q, ok := a.Value.Parts[0].(*syntax.SglQuoted)
			require.True(t, ok, "%s is single-quoted", a.Name.Value)
			out[a.Name.Value] = q.Value
		}
	}
	return out
}

// expanded is s with the block's variables substituted, as bash would.
func expanded(t *testing.T, s string) string {
	t.Helper()
	names := slices.Clone(blockNames)
	// Longest first, so $OS does not match the start of $OS_NAME.
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	vars := block(t, s)
	var pairs []string
	for _, n := range names {
		pairs = append(pairs, "$"+n, vars[n])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// guards returns, for every command whose text contains needle, the
// conditions of the if statements around it.
func guards(t *testing.T, s, needle string) [][]string {
	t.Helper()
	var stack []syntax.Node
	var out [][]string
	syntax.Walk(parse(t, s), func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if c, ok := n.(*syntax.CallExpr); ok && strings.Contains(printed(t, c), needle) {
			var conds []string
			for _, a := range stack {
				if ifc, ok := a.(*syntax.IfClause); ok && len(ifc.Cond) > 0 {
					conds = append(conds, printed(t, ifc.Cond[0]))
				}
			}
			out = append(out, conds)
		}
		stack = append(stack, n)
		return true
	})
	return out
}

func TestRenderedScriptHasTheWholeWorkload(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			raw := render(t, v)
			if !v.gpu {
				assert.LessOrEqual(t, len(raw), userdata.MaxSize, "a CPU instance's fits EC2's limit without gzip")
			}
			encoded, err := userdata.Encode(raw)
			require.NoError(t, err)
			assert.LessOrEqual(t, base64.StdEncoding.DecodedLen(len(encoded)), userdata.MaxSize, "fits EC2's limit, gzipped when needed")
			s := expanded(t, raw)
			assert.Contains(t, s, `if ! grep -q "`+fsID+`" /etc/fstab`, "EFS mounted by file system id")
			for _, want := range []string{
				"image: n8nio/n8n", `"127.0.0.1:5678:5678"`, "/mnt/efs/n8n:/home/node/.n8n",
				"image: ollama/ollama", `"127.0.0.1:11434:11434"`, "/mnt/efs/ollama:",
				"image: qdrant/qdrant", `"127.0.0.1:6333:6333"`, `"127.0.0.1:6334:6334"`, "/mnt/efs/qdrant:",
				"image: unclecode/crawl4ai", `"127.0.0.1:11235:11235"`,
				"image: postgres:15.8", "POSTGRES_DB: geusemaker", "POSTGRES_USER: geusemaker", "/mnt/efs/postgres:",
				"listen 80 default_server;",
				"location = /healthz", "proxy_pass http://127.0.0.1:5678/healthz;",
				"location /api/ollama/", "location /qdrant/", "location /crawl4ai/", "location / {",
				"proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;",
				"docker compose up -d",
				"server_tokens off;",
			} {
				has(t, s, want, true)
			}
			assert.NotContains(t, s, "0.0.0.0", "nothing but nginx listens on the network")
		})
	}
}

func TestVariableBlockHoldsTheDeploymentValues(t *testing.T) {
	tests := []struct {
		name   string
		p      userdata.Params
		family string
		efsDNS string
	}{
		{"amazon linux", userdata.Params{OS: document.OSAmazonLinux2023, Region: "us-east-1"}, "al2023", fsID + ".efs.us-east-1.amazonaws.com"},
		{"ubuntu 22.04 behind CloudFront", userdata.Params{OS: document.OSUbuntu2204, Region: "eu-west-2", HTTPS: true, Proxies: 2}, "ubuntu", fsID + ".efs.eu-west-2.amazonaws.com"},
		{"ubuntu 24.04 in china", userdata.Params{OS: document.OSUbuntu2404, Region: "cn-north-1"}, "ubuntu", fsID + ".efs.cn-north-1.amazonaws.com.cn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.DeploymentID, tc.p.FileSystemID = "demo", fsID
			tc.p.SecretARN = "arn:aws:secretsmanager:" + tc.p.Region + ":123456789012:secret:geusemaker/demo/workload-AbCdEf"
			s, err := userdata.Render(tc.p)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(s, "#!/bin/bash\n"), "the shebang stays first")
			assert.Equal(t, map[string]string{
				"DEPLOYMENT_ID": "demo", "OS_NAME": string(tc.p.OS), "OS": tc.family,
				"FILE_SYSTEM_ID": fsID, "EFS_DNS_NAME": tc.efsDNS, "REGION": tc.p.Region, "SECRET_ARN": tc.p.SecretARN,
				"N8N_SECURE_COOKIE": map[bool]string{true: "true", false: "false"}[tc.p.HTTPS], "COMPOSE_VERSION": "v2.29.7",
				"N8N_PROXY_HOPS": strconv.Itoa(tc.p.Proxies + 1),
			}, block(t, s))
			assert.Contains(t, expanded(t, s), `N8N_SECURE_COOKIE: "`+block(t, s)["N8N_SECURE_COOKIE"]+`"`)
			assert.Contains(t, expanded(t, s), `N8N_PROXY_HOPS: "`+strconv.Itoa(tc.p.Proxies+1)+`"`, "nginx's hop and the proxies in front")
		})
	}
}

func TestRenderedScriptCarriesNoSecret(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			s := render(t, v)
			assert.NotRegexp(t, regexp.MustCompile(`[0-9A-Za-z]{32}`), strings.ReplaceAll(s, secretARN, ""), "no credential in UserData")
			for _, env := range []string{"POSTGRES_PASSWORD:", "QDRANT__SERVICE__API_KEY:", "CRAWL4AI_API_TOKEN:", "DB_POSTGRESDB_PASSWORD:"} {
				assert.NotContains(t, s, env, "credentials come from the env files written at boot")
			}
			x := expanded(t, s)
			assert.Contains(t, x, `printf 'SECRET_ID=%q\nSECRET_REGION=%q\n' "`+secretARN+`" "us-east-1" >"$APP_DIR/secret.conf"`)
			assert.Contains(t, s, `. /opt/geusemaker/secret.conf`)
			assert.Contains(t, s, `"get-secret-value", "--region", region, "--secret-id", secret_id`)
			assert.Contains(t, s, `"$SECRET_REGION" "$SECRET_ID" <<'PY'`, "apply-secrets hands python the secret's place")
			assert.NotContains(t, x, "set -x", "no trace would print the values")
		})
	}
}

// TestEveryProtectedRouteNeedsTheAPIKey reads nginx.conf as the script
// writes it: each of workload.Routes is guarded, and the guard's map comes
// from the key file the bootstrap writes from the secret.
func TestEveryProtectedRouteNeedsTheAPIKey(t *testing.T) {
	s := render(t, variants()[0])
	conf := s[strings.Index(s, "<<'NGINX'"):strings.Index(s, "\nNGINX\n")]
	assert.Contains(t, conf, "map $http_authorization $geusemaker_api_authorized {\n    default 0;\n    include "+workload.APIKeyMap+";")
	for _, r := range workload.Routes() {
		i := strings.Index(conf, "location "+r.Prefix+" {")
		require.GreaterOrEqual(t, i, 0, r.Prefix)
		body := conf[i : i+strings.Index(conf[i:], "\n    }")]
		assert.Contains(t, body, "if ($geusemaker_api_authorized = 0) { return 401; }", r.Prefix)
	}
	assert.Contains(t, s, `python3 - "$out" `+workload.APIKeyMap+` `, "apply-secrets writes the key map nginx includes")
	assert.Less(t, strings.Index(s, "  if owner_setup; then"), strings.Index(s, "systemctl restart nginx"),
		"n8n's owner exists before nginx serves the new config")
}

// TestNginxServesN8NOnlyOnceItsOwnerExists: until the owner is set up and
// checked, no nginx.conf proxies n8n: the bootstrap writes it and
// restarts nginx only after owner_setup, and runs apply-secrets only with
// --boot, under which apply-secrets leaves nginx alone.
func TestNginxServesN8NOnlyOnceItsOwnerExists(t *testing.T) {
	s := render(t, variants()[0])
	apply := scripts(t, variants()[0])[1]
	bootstrap := strings.Replace(s, apply, "", 1)
	owner := strings.Index(bootstrap, "  if owner_setup; then")
	require.Positive(t, owner)
	for _, m := range regexp.MustCompile(`systemctl (\S+) .*nginx`).FindAllStringIndex(bootstrap, -1) {
		line := bootstrap[m[0]:m[1]]
		if !strings.HasPrefix(line, "systemctl enable nginx") {
			assert.Greater(t, m[0], owner, "%q before the owner exists", line)
		}
	}
	assert.Greater(t, strings.Index(bootstrap, "cat >/etc/nginx/nginx.conf"), owner,
		"the config that proxies n8n is written only once its owner exists: a reboot mid-way cannot load it early")
	assert.Contains(t, bootstrap, `[ -n "$owned" ] || fail "n8n's owner could not be set up within 10 minutes: nginx stays closed"`)
	assert.Contains(t, bootstrap, `[ "$(owner_state)" = owned ]`, "the setup is checked, not assumed")
	calls := regexp.MustCompile(`(?m)^retry "\$APP_DIR/apply-secrets"(.*)$`).FindAllStringSubmatch(bootstrap, -1)
	require.Len(t, calls, 2, "before the services start, and once Postgres runs")
	for _, c := range calls {
		assert.Equal(t, " --boot", c[1])
	}
	assert.Equal(t, 1, strings.Count(apply, "systemctl reload nginx"), "one reload")
	assert.Contains(t, apply, "if [ -z \"$boot\" ]; then\n  # A rotation: the old key stops opening the APIs before anything else.\n  nginx -t -q\n  systemctl reload nginx\nfi", "only after a rotation")
	assert.Less(t, strings.Index(apply, "systemctl reload nginx"), strings.Index(apply, "docker compose"), "the key changes first")
}

func TestGPUPartsOnlyForGPU(t *testing.T) {
	gpuOnly := []string{
		"nvidia-smi --query-gpu=name --format=csv,noheader",
		"nvidia-ctk runtime configure --runtime=docker",
		"nvidia-container-toolkit",
		"runtime: nvidia",
		"count: all",
		"capabilities: [gpu]",
		`fail "no NVIDIA GPU visible`,
	}
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			s := render(t, v)
			for _, want := range gpuOnly {
				has(t, s, want, v.gpu)
			}
			has(t, s, "# >>> gpu", false)
			has(t, s, "# <<< gpu", false)
			has(t, s, "    volumes:\n      - /mnt/efs/ollama:/root/.ollama\n"+
				map[bool]string{true: "    runtime: nvidia\n", false: "  qdrant:\n"}[v.gpu], true) // Ollama's GPU reservation sits in its service
		})
	}
}

func TestOSBranchesAreGuardedByTheOSFamily(t *testing.T) {
	tests := []struct {
		family  string
		needles []string
	}{
		{"al2023", []string{"dnf install", "amazon-efs-utils", "$FILE_SYSTEM_ID:/ $EFS_DIR efs _netdev,tls 0 0", "docker-compose-linux-$(uname -m)", "nvidia-container-toolkit.repo"}},
		{"ubuntu", []string{"apt-get", "nfs-common", "$EFS_DNS_NAME:/ $EFS_DIR nfs4 nfsvers=4.1", "docker-compose-v2", "nvidia-container-toolkit-keyring"}},
	}
	for _, tc := range tests {
		t.Run(tc.family, func(t *testing.T) {
			s := render(t, variant{os: document.OSUbuntu2404, gpu: true})
			for _, needle := range tc.needles {
				found := guards(t, s, needle)
				require.NotEmpty(t, found, "%q is in the script", needle)
				for _, conds := range found {
					assert.Contains(t, conds, `[ "$OS" = `+tc.family+` ]`, "%q runs only on %s", needle, tc.family)
				}
			}
		})
	}
	for _, v := range variants() {
		t.Run("family of "+v.name, func(t *testing.T) {
			want := map[bool]string{true: "ubuntu", false: "al2023"}[v.os != document.OSAmazonLinux2023]
			assert.Equal(t, want, block(t, render(t, v))["OS"])
		})
	}
}

// TestHeredocsExpandOnlyTheVariableBlock: a quoted heredoc writes $NAME
// literally, an unquoted one expands $, ` and \ — each must be the kind
// its content needs.
func TestHeredocsExpandOnlyTheVariableBlock(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			unquoted := 0
			syntax.Walk(parse(t, render(t, v)), func(n syntax.Node) bool {
				r, ok := n.(*syntax.Redirect)
				if !ok || r.Hdoc == nil {
					return true
				}
				body := printed(t, r.Hdoc)
				if r.Word.Lit() == "" { // quoted delimiter: the body is literal
					for _, name := range blockNames {
						assert.NotContains(t, body, "$"+name, "%s would be written literally", name)
					}
					return true
				}
				unquoted++
				for _, part := range r.Hdoc.Parts {
					switch p := part.(type) {
					case *syntax.Lit:
						assert.NotContains(t, p.Value, "`", "no command substitution")
						assert.NotContains(t, p.Value, `\`, "no escapes")
					case *syntax.ParamExp:
						assert.Contains(t, blockNames, p.Param.Value, "expands only the variable block")
					default:
						t.Errorf("unexpected %T in an unquoted heredoc", p)
					}
				}
				return true
			})
			assert.Equal(t, 1, unquoted, "only the compose file expands (N8N_SECURE_COOKIE)")
		})
	}
}

func TestShellQuoteDefusesHostileInput(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	for _, in := range []string{
		"plain", "", "it's", "'", "''", `$(id)`, "`id`", `${PATH}`, `\`, `"; rm -rf / #`,
		"a\nb; touch /tmp/pwned", `'; id; '`, `*`, `$((1+1))`, "!!", "\t-n",
	} {
		t.Run(in, func(t *testing.T) {
			out, err := exec.Command(bash, "-c", "printf %s "+userdata.ShellQuote(in)).Output()
			require.NoError(t, err)
			assert.Equal(t, in, string(out), "bash sees exactly the input, as one word")
		})
	}
}

func TestSections(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		cpu     string
		gpu     string
		wantErr string
	}{
		{"kept for gpu, dropped for cpu", "a\n# >>> gpu\nb\n# <<< gpu\nc\n", "a\nc\n", "a\nb\nc\n", ""},
		{"markers must be whole lines", "a # >>> gpu\n", "a # >>> gpu\n", "a # >>> gpu\n", ""},
		{"nested", "# >>> gpu\n# >>> gpu\n", "", "", "inside a GPU section"},
		{"end without begin", "# <<< gpu\n", "", "", "outside a GPU section"},
		{"not closed", "# >>> gpu\nb\n", "", "", "not closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cpu, err := userdata.Sections(tc.script, false)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			gpu, err := userdata.Sections(tc.script, true)
			require.NoError(t, err)
			assert.Equal(t, tc.cpu, cpu)
			assert.Equal(t, tc.gpu, gpu)
		})
	}
}

// scripts are the rendered bootstrap and the scripts it writes to the
// instance (the heredocs that start with a shebang, such as apply-secrets).
func scripts(t *testing.T, v variant) []string {
	t.Helper()
	s := render(t, v)
	all := []string{s}
	syntax.Walk(parse(t, s), func(n syntax.Node) bool {
		if r, ok := n.(*syntax.Redirect); ok && r.Hdoc != nil {
			if body := printed(t, r.Hdoc); strings.HasPrefix(body, "#!/bin/bash\n") {
				all = append(all, body)
			}
		}
		return true
	})
	require.Len(t, all, 2, "the bootstrap writes apply-secrets")
	return all
}

func TestEveryScriptParses(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			for _, s := range scripts(t, v) {
				_, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(s), v.name)
				require.NoError(t, err)
			}
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
			for _, s := range scripts(t, v) {
				cmd := exec.Command(bin, "--severity=warning", "--shell=bash", "-")
				cmd.Stdin = strings.NewReader(s)
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "shellcheck:\n%s", out)
			}
		})
	}
}

func TestRenderRejectsBadParams(t *testing.T) {
	good := userdata.Params{DeploymentID: "demo", FileSystemID: fsID, Region: "us-east-1", SecretARN: secretARN, OS: document.OSAmazonLinux2023}
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
		{"missing secret", func(p *userdata.Params) { p.SecretARN = "" }, "not a Secrets Manager secret ARN"},
		{"secret with a quote", func(p *userdata.Params) { p.SecretARN = secretARN + "'$(id)" }, "not a Secrets Manager secret ARN"},
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
		s := render(t, variant{os: document.OSAmazonLinux2023})
		enc, err := userdata.Encode(s)
		require.NoError(t, err)
		raw, err := base64.StdEncoding.DecodeString(enc)
		require.NoError(t, err)
		assert.Equal(t, s, string(raw))

		built, err := userdata.Build(userdata.Params{DeploymentID: "demo", FileSystemID: fsID, Region: "us-east-1", SecretARN: secretARN, OS: document.OSAmazonLinux2023})
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

// heredocBody is the body of the heredoc that opens with open (e.g.
// "<<'PY'\n") and ends at the line delimiter.
func heredocBody(t *testing.T, s, open, delimiter string) string {
	t.Helper()
	i := strings.Index(s, open)
	require.GreaterOrEqual(t, i, 0, open)
	rest := s[i+len(open):]
	j := strings.Index(rest, "\n"+delimiter+"\n")
	require.GreaterOrEqual(t, j, 0, delimiter)
	return rest[:j+1]
}

// applySecrets runs apply-secrets' python, as the script does, with an
// aws command that prints secret, and returns the files it wrote.
func applySecrets(t *testing.T, secret string, boot bool) (dir, keyMap string, err error) {
	t.Helper()
	shim, lookErr := exec.LookPath("python3")
	if lookErr != nil {
		t.Skip("python3 not installed")
	}
	// The interpreter itself: a version manager's shim would put its own
	// directories, and a real aws, first on PATH.
	real, lookErr := exec.Command(shim, "-c", "import sys; print(sys.executable)").Output()
	require.NoError(t, lookErr)
	python := strings.TrimSpace(string(real))
	apply := scripts(t, variants()[0])[1]
	prog := heredocBody(t, apply, `"$SECRET_REGION" "$SECRET_ID" <<'PY'`+"\n", "PY")
	dir, bin := t.TempDir(), t.TempDir()
	fake := "#!/bin/sh\n[ \"$*\" = 'secretsmanager get-secret-value --region us-east-1 --secret-id " + secretARN +
		" --query SecretString --output text' ] || { echo \"unexpected: $*\" >&2; exit 2; }\ncat <<'JSON'\n" + secret + "\nJSON\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "aws"), []byte(fake), 0o755))
	keyMap = filepath.Join(dir, "key.map")
	mode := ""
	if boot {
		mode = "yes"
	}
	cmd := exec.Command(python, "-", dir, keyMap, mode, "us-east-1", secretARN)
	cmd.Stdin = strings.NewReader(prog)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("%w: %s", err, out)
	}
	return dir, keyMap, err
}

func TestApplySecretsWritesEachServiceItsShare(t *testing.T) {
	s, err := workload.Generate()
	require.NoError(t, err)
	dir, keyMap, err := applySecrets(t, s.JSON(), true)
	require.NoError(t, err)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, "POSTGRES_PASSWORD="+s.PostgresPassword+"\n", read("postgres.env"))
	assert.Equal(t, "DB_POSTGRESDB_PASSWORD="+s.PostgresPassword+"\n", read("n8n.env"))
	assert.Equal(t, "QDRANT__SERVICE__API_KEY="+s.APIKey+"\n", read("qdrant.env"))
	assert.Equal(t, "CRAWL4AI_API_TOKEN="+s.APIKey+"\n", read("crawl4ai.env"))
	var owner map[string]string
	require.NoError(t, json.Unmarshal([]byte(read("n8n-owner.json")), &owner))
	assert.Equal(t, s.N8NOwnerEmail, owner["email"])
	assert.Equal(t, s.N8NOwnerPassword, owner["password"])
	b, err := os.ReadFile(keyMap)
	require.NoError(t, err)
	assert.Equal(t, `"~^Bearer `+s.APIKey+`$" 1;`+"\n", string(b))
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	assert.ElementsMatch(t, []string{"postgres.env", "n8n.env", "qdrant.env", "crawl4ai.env", "n8n-owner.json", "key.map"}, names,
		"the whole secret is never written")

	t.Run("after boot, no owner file", func(t *testing.T) {
		dir, _, err := applySecrets(t, s.JSON(), false)
		require.NoError(t, err)
		assert.NoFileExists(t, filepath.Join(dir, "n8n-owner.json"))
	})
	t.Run("a malformed secret changes nothing", func(t *testing.T) {
		bad := s
		bad.APIKey = `x" 1; default 1; "`
		dir, keyMap, err := applySecrets(t, bad.JSON(), true)
		require.ErrorContains(t, err, "secret field api_key is missing or malformed")
		assert.NoFileExists(t, keyMap)
		assert.NoFileExists(t, filepath.Join(dir, "postgres.env"))
	})
}

// TestNginxAcceptsTheConfig runs the real nginx -t on the nginx.conf the
// bootstrap writes, with the key map apply-secrets writes for a generated
// key: a config nginx refuses would fail every instance's boot.
func TestNginxAcceptsTheConfig(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx" // outside root's PATH on some systems
		if _, serr := os.Stat(bin); serr != nil {
			t.Skip("nginx not installed (apt-get install -y nginx); CI installs it")
		}
	}
	s, err := workload.Generate()
	require.NoError(t, err)
	dir, keyMap, err := applySecrets(t, s.JSON(), true)
	require.NoError(t, err)
	conf := heredocBody(t, render(t, variants()[0]), "cat >/etc/nginx/nginx.conf <<'NGINX'\n", "NGINX")
	mime := filepath.Join(dir, "mime.types")
	require.NoError(t, os.WriteFile(mime, []byte("types { text/html html; }\n"), 0o644))
	conf = strings.NewReplacer(
		"include /etc/nginx/mime.types;", "include "+mime+";",
		"include "+workload.APIKeyMap+";", "include "+keyMap+";",
		"pid /run/nginx.pid;", "pid "+filepath.Join(dir, "nginx.pid")+";",
	).Replace(conf)
	require.NotContains(t, conf, "/etc/nginx/", "every path the test can rewrite")
	path := filepath.Join(dir, "nginx.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	out, err := exec.Command(bin, "-t", "-q", "-e", "stderr", "-p", dir, "-c", path).CombinedOutput()
	require.NoError(t, err, "nginx -t:\n%s", out)
}

// TestOwnerStateFailsClosed runs owner_state's reading of n8n's settings:
// only a boolean decides, anything else fails, so a changed or broken
// answer can never pass for "owned" and open nginx on an unclaimed n8n.
func TestOwnerStateFailsClosed(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	prog := heredocBody(t, render(t, variants()[0]), "| python3 -c '\n", "print(\"setup\" if show else \"owned\")'")
	prog += `print("setup" if show else "owned")` + "\n"
	tests := []struct{ settings, want string }{
		{`{"data":{"userManagement":{"showSetupOnFirstLoad":true}}}`, "setup"},
		{`{"data":{"userManagement":{"showSetupOnFirstLoad":false}}}`, "owned"},
		{`{"data":{"userManagement":{"showSetupOnFirstLoad":"false"}}}`, ""},
		{`{"data":{"userManagement":{}}}`, ""},
		{`<html>502 Bad Gateway</html>`, ""},
	}
	for _, tt := range tests {
		cmd := exec.Command(python, "-c", prog)
		cmd.Stdin = strings.NewReader(tt.settings)
		out, err := cmd.Output()
		if tt.want == "" {
			assert.Error(t, err, tt.settings)
			continue
		}
		require.NoError(t, err, tt.settings)
		assert.Equal(t, tt.want, strings.TrimSpace(string(out)), tt.settings)
	}
}
