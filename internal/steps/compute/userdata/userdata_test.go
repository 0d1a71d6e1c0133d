package userdata_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"io"
	"os/exec"
	"regexp"
	"slices"
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
var blockNames = []string{"DEPLOYMENT_ID", "OS_NAME", "OS", "FILE_SYSTEM_ID", "EFS_DNS_NAME", "REGION", "SECRET_ARN", "N8N_SECURE_COOKIE", "COMPOSE_VERSION"}

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
			assert.LessOrEqual(t, len(raw), userdata.MaxSize, "fits EC2's limit without gzip")
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
		{"ubuntu 22.04 with https", userdata.Params{OS: document.OSUbuntu2204, Region: "eu-west-2", HTTPS: true}, "ubuntu", fsID + ".efs.eu-west-2.amazonaws.com"},
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
			}, block(t, s))
			assert.Contains(t, expanded(t, s), `N8N_SECURE_COOKIE: "`+block(t, s)["N8N_SECURE_COOKIE"]+`"`)
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
			assert.Contains(t, s, `aws secretsmanager get-secret-value --region "$SECRET_REGION" --secret-id "$SECRET_ID"`)
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
	assert.Less(t, strings.Index(s, "retry owner_setup"), strings.Index(s, "systemctl restart nginx"),
		"n8n's owner exists before nginx serves the new config")
}

// TestNginxServesN8NOnlyOnceItsOwnerExists: until the owner is set up,
// nothing loads the nginx.conf that proxies n8n: the bootstrap restarts
// nginx only after owner_setup, and runs apply-secrets only with --boot,
// under which apply-secrets leaves nginx alone.
func TestNginxServesN8NOnlyOnceItsOwnerExists(t *testing.T) {
	s := render(t, variants()[0])
	apply := scripts(t, variants()[0])[1]
	bootstrap := strings.Replace(s, apply, "", 1)
	owner := strings.Index(bootstrap, "retry owner_setup")
	require.Positive(t, owner)
	for _, m := range regexp.MustCompile(`systemctl (\S+) .*nginx`).FindAllStringIndex(bootstrap, -1) {
		line := bootstrap[m[0]:m[1]]
		if !strings.HasPrefix(line, "systemctl enable nginx") {
			assert.Greater(t, m[0], owner, "%q before the owner exists", line)
		}
	}
	calls := regexp.MustCompile(`(?m)^retry "\$APP_DIR/apply-secrets"(.*)$`).FindAllStringSubmatch(bootstrap, -1)
	require.Len(t, calls, 2, "before the services start, and once Postgres runs")
	for _, c := range calls {
		assert.Equal(t, " --boot", c[1])
	}
	assert.Equal(t, 1, strings.Count(apply, "nginx reload")+strings.Count(apply, "systemctl reload nginx"), "one reload")
	assert.Contains(t, apply, "if [ -z \"$boot\" ]; then\n  systemctl reload nginx\nfi", "only after a rotation")
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
		s := render(t, variant{os: document.OSAmazonLinux2023, gpu: true})
		enc, err := userdata.Encode(s)
		require.NoError(t, err)
		raw, err := base64.StdEncoding.DecodeString(enc)
		require.NoError(t, err)
		assert.Equal(t, s, string(raw))

		built, err := userdata.Build(userdata.Params{DeploymentID: "demo", FileSystemID: fsID, Region: "us-east-1", SecretARN: secretARN, OS: document.OSAmazonLinux2023, GPU: true, HTTPS: true})
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
