package internet

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"geusemaker/internal/sim/account"
	"geusemaker/internal/workload"
)

// The simulated workload is read from the instance's UserData, the way the
// real instance runs it: the bootstrap's variable block (SECRET_ARN,
// FILE_SYSTEM_ID, REGION), the nginx.conf it writes (listen port,
// locations, the API-key guard and where each proxies to), the env files
// it writes from the secret and which compose service reads each, and
// whether it sets up n8n's owner. Change the script and the simulated
// instance changes with it: drop a guard and the route opens, drop
// Crawl4AI's token and Crawl4AI stops answering.
//
// A UserData that is not GeuseMaker's bootstrap answers as a bare nginx
// that serves /healthz only.

// Bootstrap is what the simulated instance reads from its UserData.
type Bootstrap struct {
	SecretARN, FileSystemID, Region string
	// Listen is nginx's port.
	Listen int32
	// Locations are nginx's location blocks in the order written.
	Locations []Location
	// ServiceKeys maps a compose service to the secret fields its env
	// files hold, by variable name (QDRANT__SERVICE__API_KEY: api_key).
	ServiceKeys map[string]map[string]string
	// OwnerSetup is whether the bootstrap creates n8n's owner account.
	OwnerSetup bool
}

// Location is one nginx location block.
type Location struct {
	Exact bool
	Path  string
	// Guarded is whether the block returns 401 unless the API key map
	// (workload.APIKeyMap) matched the Authorization header.
	Guarded bool
	// Port and URI are its proxy_pass to 127.0.0.1: URI replaces the
	// matched prefix when present ("/" or "/healthz").
	Port int32
	URI  string
}

var (
	blockVarRe   = regexp.MustCompile(`(?m)^readonly ([A-Z_]+)='([^']*)'$`)
	listenRe     = regexp.MustCompile(`listen (\d+)`)
	locationRe   = regexp.MustCompile(`(?m)^\s*location\s+(=\s*)?(\S+)\s*\{`)
	proxyPassRe  = regexp.MustCompile(`proxy_pass\s+http://127\.0\.0\.1:(\d+)(\S*);`)
	guardVarRe   = regexp.MustCompile(`map \$http_authorization \$(\w+) \{\s*default 0;\s*include ` + regexp.QuoteMeta(workload.APIKeyMap) + `;\s*\}`)
	envWriteRe   = regexp.MustCompile(`write\(os\.path\.join\(out, "([\w.-]+)"\), "(\w+)=%s\\n" % s\["(\w+)"\]\)`)
	serviceRe    = regexp.MustCompile(`(?m)^  ([a-z0-9]+):\n((?:    .*\n|#.*\n)*)`)
	envFileRe    = regexp.MustCompile(`env_file: /etc/geusemaker/([\w.-]+)`)
	ownerSetupRe = regexp.MustCompile(`http://127\.0\.0\.1:5678/rest/owner/setup`)
)

// ParseBootstrap reads a UserData script, gzipped or not (cloud-init
// unpacks gzip); nil when it is not GeuseMaker's.
func ParseBootstrap(userData []byte) *Bootstrap {
	if bytes.HasPrefix(userData, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(userData))
		if err != nil {
			return nil
		}
		if userData, err = io.ReadAll(zr); err != nil {
			return nil
		}
	}
	script := string(userData)
	if !strings.Contains(script, "GeuseMaker workload bootstrap") {
		return nil
	}
	b := &Bootstrap{ServiceKeys: map[string]map[string]string{}}
	for _, m := range blockVarRe.FindAllStringSubmatch(script, -1) {
		switch m[1] {
		case "SECRET_ARN":
			b.SecretARN = m[2]
		case "FILE_SYSTEM_ID":
			b.FileSystemID = m[2]
		case "REGION":
			b.Region = m[2]
		}
	}
	conf := heredoc(script, "NGINX")
	if m := listenRe.FindStringSubmatch(conf); m != nil {
		p, _ := strconv.Atoi(m[1])
		b.Listen = int32(p)
	}
	guard := ""
	if m := guardVarRe.FindStringSubmatch(conf); m != nil {
		guard = "if ($" + m[1] + " = 0) { return 401; }"
	}
	for _, idx := range locationRe.FindAllStringSubmatchIndex(conf, -1) {
		body := block(conf[idx[1]:])
		l := Location{Exact: idx[2] >= 0, Path: conf[idx[4]:idx[5]]}
		l.Guarded = guard != "" && strings.Contains(body, guard)
		if m := proxyPassRe.FindStringSubmatch(body); m != nil {
			p, _ := strconv.Atoi(m[1])
			l.Port, l.URI = int32(p), m[2]
		}
		b.Locations = append(b.Locations, l)
	}
	files := map[string]map[string]string{}
	for _, m := range envWriteRe.FindAllStringSubmatch(script, -1) {
		if files[m[1]] == nil {
			files[m[1]] = map[string]string{}
		}
		files[m[1]][m[2]] = m[3]
	}
	for _, m := range serviceRe.FindAllStringSubmatch(heredoc(script, "COMPOSE"), -1) {
		keys := map[string]string{}
		for _, f := range envFileRe.FindAllStringSubmatch(m[2], -1) {
			for k, v := range files[f[1]] {
				keys[k] = v
			}
		}
		b.ServiceKeys[m[1]] = keys
	}
	b.OwnerSetup = ownerSetupRe.MatchString(script)
	return b
}

// heredoc is the body of the script's heredoc ending at delimiter.
func heredoc(script, delimiter string) string {
	for _, open := range []string{"<<'" + delimiter + "'\n", "<<" + delimiter + "\n"} {
		if i := strings.Index(script, open); i >= 0 {
			rest := script[i+len(open):]
			if j := strings.Index(rest, "\n"+delimiter+"\n"); j >= 0 {
				return rest[:j+1]
			}
		}
	}
	return ""
}

// block is the text up to the brace closing the one just opened.
func block(s string) string {
	depth := 1
	for i, c := range s {
		switch c {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return s[:i]
			}
		}
	}
	return s
}

// locate picks nginx's location for path: an exact match, else the
// longest matching prefix (regex locations are not used).
func (b *Bootstrap) locate(path string) *Location {
	var best *Location
	for i, l := range b.Locations {
		switch {
		case l.Exact && l.Path == path:
			return &b.Locations[i]
		case !l.Exact && strings.HasPrefix(path, l.Path) && (best == nil || len(l.Path) > len(best.Path)):
			best = &b.Locations[i]
		}
	}
	return best
}

// upstreams are the services behind nginx, by the port they publish on
// 127.0.0.1 (the compose file's).
var upstreams = map[int32]string{5678: "n8n", 11434: "ollama", 6333: "qdrant", 11235: "crawl4ai"}

// instanceWorkload answers as the instance's nginx on port. Callers have
// checked that the instance runs and its workload is up.
func (m *Model) instanceWorkload(instanceID string, port int32, req *http.Request) (*Response, error) {
	b := m.bootstrap(instanceID)
	if b == nil {
		if port != 80 {
			return nil, refused(req.URL.Host)
		}
		if req.URL.Path == workload.HealthPath {
			return answer(http.StatusOK, "ok\n"), nil
		}
		return answer(http.StatusNotFound, "404 Not Found"), nil
	}
	if port != b.Listen {
		return nil, refused(req.URL.Host)
	}
	l := b.locate(req.URL.Path)
	if l == nil {
		return answer(http.StatusNotFound, "404 Not Found"), nil
	}
	secret, _ := m.secret(b)
	if l.Guarded && (secret.APIKey == "" || req.Header.Get("Authorization") != workload.Authorization(secret.APIKey)) {
		return answer(http.StatusUnauthorized, "401 Authorization Required"), nil
	}
	path := req.URL.Path
	if l.URI != "" {
		path = l.URI + strings.TrimPrefix(path, l.Path)
		if l.Exact {
			path = l.URI
		}
		path = "/" + strings.TrimLeft(path, "/")
	}
	service, ok := upstreams[l.Port]
	if !ok {
		return answer(http.StatusBadGateway, "502 Bad Gateway"), nil
	}
	return m.service(b, secret, service, path, req)
}

// service answers as one container of the compose file.
func (m *Model) service(b *Bootstrap, secret workload.Secret, service, path string, req *http.Request) (*Response, error) {
	keys := b.ServiceKeys[service]
	apiKey := func(variable string) string {
		if keys[variable] != "api_key" {
			return ""
		}
		return secret.APIKey
	}
	bearer := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	switch service {
	case "n8n":
		switch {
		case path == workload.HealthPath:
			return answer(http.StatusOK, `{"status":"ok"}`), nil
		case path == workload.SettingsPath:
			return answer(http.StatusOK, `{"data":{"userManagement":{"showSetupOnFirstLoad":`+strconv.FormatBool(!b.OwnerSetup)+`}}}`), nil
		case strings.HasPrefix(path, "/rest/"):
			return answer(http.StatusUnauthorized, `{"status":"error","message":"Unauthorized"}`), nil
		}
		return answer(http.StatusOK, "<!DOCTYPE html><title>n8n.io - Workflow Automation</title>"), nil
	case "ollama":
		if path == "/api/tags" {
			return answer(http.StatusOK, `{"models":[]}`), nil
		}
		return answer(http.StatusOK, "Ollama is running"), nil
	case "qdrant":
		// QDRANT__SERVICE__API_KEY: every request needs the key, as the
		// api-key header or a bearer token (Qdrant's security guide).
		if k := apiKey("QDRANT__SERVICE__API_KEY"); k != "" && bearer != k && req.Header.Get("api-key") != k {
			return answer(http.StatusUnauthorized, "Must provide an API key or an Authorization bearer token"), nil
		}
		return answer(http.StatusOK, `{"result":{"collections":[]},"status":"ok"}`), nil
	case "crawl4ai":
		// From 0.9, without CRAWL4AI_API_TOKEN the server binds its
		// container's loopback: the published port resets every
		// connection (unclecode/crawl4ai#2090), and nginx answers 502.
		k := apiKey("CRAWL4AI_API_TOKEN")
		if k == "" {
			return answer(http.StatusBadGateway, "502 Bad Gateway"), nil
		}
		if path != "/health" && bearer != k {
			return answer(http.StatusUnauthorized, `{"detail":"Not authenticated"}`), nil
		}
		return answer(http.StatusOK, `{"status":"ok"}`), nil
	}
	return answer(http.StatusBadGateway, "502 Bad Gateway"), nil
}

// bootstrap is the instance's parsed UserData, nil for another script.
func (m *Model) bootstrap(instanceID string) *Bootstrap {
	inst, ok := m.w.Network.Instance(instanceID)
	if !ok {
		return nil
	}
	return ParseBootstrap(inst.UserData)
}

// secret is the bootstrap's secret as the instance read it.
func (m *Model) secret(b *Bootstrap) (workload.Secret, bool) {
	if m.b.Secrets == nil || b.SecretARN == "" {
		return workload.Secret{}, false
	}
	v, ok := m.b.Secrets.Value(b.Region, b.SecretARN)
	if !ok {
		return workload.Secret{}, false
	}
	s, err := workload.ParseSecret(v)
	return s, err == nil
}

// Boots tells whether the instance's bootstrap succeeds, as the EC2
// model's Boot hook: its role must let it read the secret (and the secret
// must exist), and it must reach its file system's mount target in its
// zone on NFS (2049) through the mount target's security groups. Another
// UserData always boots.
func (m *Model) Boots(inst account.Instance) bool {
	b := ParseBootstrap(inst.UserData)
	if b == nil {
		return true
	}
	if _, ok := m.secret(b); !ok || m.b.Roles == nil ||
		!m.b.Roles.ProfileAllows(inst.Profile, "secretsmanager:GetSecretValue", b.SecretARN) {
		return false
	}
	if m.b.FileSystems == nil || m.w.Network == nil {
		return false
	}
	subnet, ok := m.w.Network.Subnet(inst.SubnetID)
	if !ok {
		return false
	}
	groups, ok := m.b.FileSystems.MountTarget(b.Region, b.FileSystemID, subnet.AvailabilityZone)
	return ok && m.w.Network.Admits(groups, nfsPort, account.Source{Groups: slices.Clone(inst.Groups), CIDRs: []string{inst.PrivateIP}})
}

// nfsPort is EFS's: mount targets accept NFS on TCP 2049 only (EFS user
// guide, "Using VPC security groups").
const nfsPort = 2049
