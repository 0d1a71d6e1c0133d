// Package workload is the contract of the stack that runs on the instance
// (n8n, Ollama, Qdrant, Crawl4AI and Postgres behind nginx), shared by the
// step that creates its secret, the UserData that boots it, the smoke test
// that proves it refuses strangers, and the simulated instance:
//
//   - Secret, the deployment's one Secrets Manager secret (JSON): the n8n
//     owner's email and password, the API key of the /api/ollama/,
//     /qdrant/ and /crawl4ai/ routes, and the Postgres password;
//   - the routes and how a caller authenticates: nginx serves a protected
//     route only with "Authorization: Bearer <api_key>" and answers 401
//     otherwise; Qdrant and Crawl4AI check the same key themselves;
//     /healthz is anonymous and answers nothing but n8n's liveness; n8n's
//     editor has its own login, whose owner the bootstrap sets up before
//     nginx opens port 80.
//
// It imports the standard library only.
package workload

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// HealthPath is nginx's anonymous health check, what the ALB's target group
// and the smoke test request.
const HealthPath = "/healthz"

// SettingsPath is n8n's public settings document; its
// data.userManagement.showSetupOnFirstLoad is true while the owner account
// can still be claimed by whoever opens the editor first.
const SettingsPath = "/rest/settings"

// Route is one API nginx forwards to a service behind the API key.
type Route struct {
	// Service names the container ("ollama", "qdrant", "crawl4ai").
	Service string
	// Prefix is nginx's location, e.g. "/api/ollama/".
	Prefix string
	// Probe is a read-only request under Prefix that the service answers
	// with 200 once it is up: what the smoke test sends.
	Probe string
}

// Routes are the protected APIs, in the order nginx.conf lists them.
func Routes() []Route {
	return []Route{
		{Service: "ollama", Prefix: "/api/ollama/", Probe: "/api/ollama/api/tags"},
		{Service: "qdrant", Prefix: "/qdrant/", Probe: "/qdrant/collections"},
		{Service: "crawl4ai", Prefix: "/crawl4ai/", Probe: "/crawl4ai/health"},
	}
}

// APIKeyMap is the nginx map file the bootstrap writes from the secret:
// one line, "Bearer <api_key>" 1; (the value nginx's guard compares).
const APIKeyMap = "/etc/nginx/geusemaker-api-key.map"

// Authorization is the header value that opens a protected route.
func Authorization(apiKey string) string { return "Bearer " + apiKey }

// OwnerEmail is the n8n owner's login: a reserved domain (RFC 2606), so
// n8n never sends mail to somebody else's address.
const OwnerEmail = "owner@geusemaker.invalid"

// Secret is the value of the deployment's secret.
type Secret struct {
	N8NOwnerEmail    string `json:"n8n_owner_email"`
	N8NOwnerPassword string `json:"n8n_owner_password"`
	APIKey           string `json:"api_key"`
	PostgresPassword string `json:"postgres_password"`
}

// String hides the values, so a Secret logged or formatted by mistake
// reveals nothing.
func (Secret) String() string { return "workload.Secret{…}" }

// GoString hides the values from %#v too.
func (s Secret) GoString() string { return s.String() }

// Lengths of the generated values. n8n wants 8–64 characters with a digit
// and an upper-case letter in its passwords.
const (
	passwordLen = 32
	apiKeyLen   = 48
)

const (
	alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upper        = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits       = "0123456789"
)

// NewSecret draws fresh values from r (crypto/rand.Reader outside tests).
func NewSecret(r io.Reader) (Secret, error) {
	password, err := randomString(r, passwordLen-2, alphanumeric)
	if err != nil {
		return Secret{}, err
	}
	// One upper-case letter and one digit at the front, whatever the draw.
	u, err := randomString(r, 1, upper)
	if err != nil {
		return Secret{}, err
	}
	d, err := randomString(r, 1, digits)
	if err != nil {
		return Secret{}, err
	}
	key, err := randomString(r, apiKeyLen, alphanumeric)
	if err != nil {
		return Secret{}, err
	}
	pg, err := randomString(r, passwordLen, alphanumeric)
	if err != nil {
		return Secret{}, err
	}
	return Secret{N8NOwnerEmail: OwnerEmail, N8NOwnerPassword: u + d + password, APIKey: key, PostgresPassword: pg}, nil
}

// Generate draws a Secret from crypto/rand.
func Generate() (Secret, error) { return NewSecret(rand.Reader) }

func randomString(r io.Reader, n int, alphabet string) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(r, max)
		if err != nil {
			return "", fmt.Errorf("draw a secret value: %w", err)
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b), nil
}

// JSON is the secret's SecretString.
func (s Secret) JSON() string {
	b, _ := json.Marshal(struct {
		N8NOwnerEmail    string `json:"n8n_owner_email"`
		N8NOwnerPassword string `json:"n8n_owner_password"`
		APIKey           string `json:"api_key"`
		PostgresPassword string `json:"postgres_password"`
	}(s)) // a struct of strings always marshals
	return string(b)
}

// ParseSecret reads a SecretString; every field must be present.
func ParseSecret(value string) (Secret, error) {
	var s Secret
	if err := json.Unmarshal([]byte(value), &s); err != nil {
		return Secret{}, errors.New("the secret is not the workload's JSON object")
	}
	var missing []string
	for _, f := range [][2]string{
		{"n8n_owner_email", s.N8NOwnerEmail}, {"n8n_owner_password", s.N8NOwnerPassword},
		{"api_key", s.APIKey}, {"postgres_password", s.PostgresPassword},
	} {
		if f[1] == "" {
			missing = append(missing, f[0])
		}
	}
	if len(missing) > 0 {
		return Secret{}, fmt.Errorf("the secret lacks %v", missing)
	}
	return s, nil
}

// Values lists the secret values, for tests that grep outputs for leaks.
func (s Secret) Values() []string {
	return []string{s.N8NOwnerPassword, s.APIKey, s.PostgresPassword}
}
