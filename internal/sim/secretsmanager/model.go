// Package secretsmanager simulates AWS Secrets Manager as a deployment uses
// it: one secret per deployment created with its value and tags
// (CreateSecret, idempotent on ClientRequestToken), read by the instance
// and the smoke test (GetSecretValue), found again by name (DescribeSecret)
// and removed without a recovery window (DeleteSecret with
// ForceDeleteWithoutRecovery).
//
// What it refuses, as Secrets Manager does (API reference, "CreateSecret",
// "DeleteSecret", "GetSecretValue"):
//   - a name already taken: ResourceExistsException, unless the same
//     ClientRequestToken with the same value repeats the create, which is
//     ignored and answers the existing secret;
//   - a name whose secret is still being deleted: InvalidRequestException.
//     A forced delete is asynchronous ("Secrets Manager performs the actual
//     deletion with an asynchronous and separate mechanism"; the name is
//     free again only once it completes), so for LatencyForceDelete after
//     DeleteSecret the secret is still described with a DeletedDate, its
//     value is refused and its name cannot be reused;
//   - ForceDeleteWithoutRecovery together with RecoveryWindowInDays, or a
//     window outside 7–30 days: InvalidParameterException.
//
// Secrets are regional. It imports account and the SDK's Secrets Manager
// types; never steps or engine.
package secretsmanager

import (
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"geusemaker/internal/sim/account"
)

// ServiceID is the SDK's service id.
const ServiceID = "Secrets Manager"

// Constraints of the API reference.
const (
	maxNameLen      = 512
	minTokenLen     = 32
	maxTokenLen     = 64
	maxSecretBytes  = 65536
	maxTags         = 50
	minWindowDays   = 7
	maxWindowDays   = 30
	defaultWindow   = 30
	arnSuffixLength = 6
)

// nameRe is the characters a secret name may hold ("The secret name can
// contain ASCII letters, numbers, and the following characters: /_+=.@-").
var nameRe = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)

// Model is the simulated Secrets Manager of one account. Its methods run
// under the account's lock.
type Model struct {
	w       *account.Account
	secrets map[string]*secret // by ARN
	suffix  int
}

type secret struct {
	arn, name, region, description string
	token, value                   string
	created                        time.Time
	tags                           []types.Tag
	// deletedAt is when DeleteSecret was accepted; goneAt when the secret
	// no longer exists (its name free again). Both zero while alive.
	deletedAt, goneAt time.Time
}

func (s *secret) gone(now time.Time) bool    { return !s.goneAt.IsZero() && !now.Before(s.goneAt) }
func (s *secret) deleted(now time.Time) bool { return !s.deletedAt.IsZero() && !s.gone(now) }

// Register adds a simulated Secrets Manager to w and returns it.
func Register(w *account.Account) *Model {
	m := &Model{w: w, secrets: map[string]*secret{}}
	w.Register(m)
	return m
}

// ServiceID returns "Secrets Manager".
func (m *Model) ServiceID() string { return ServiceID }

// Operations maps Secrets Manager operation names to handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"CreateSecret":   account.Op(m.createSecret),
		"DescribeSecret": account.Op(m.describeSecret),
		"GetSecretValue": account.Op(m.getSecretValue),
		"DeleteSecret":   account.Op(m.deleteSecret),
	}
}

// Inventory lists every secret not yet gone: one being deleted still
// exists (and still holds its name).
func (m *Model) Inventory(now time.Time) []account.Resource {
	var out []account.Resource
	for _, s := range m.secrets {
		if s.gone(now) {
			continue
		}
		state := "active"
		if s.deleted(now) {
			state = "deleting"
		}
		tags := map[string]string{}
		for _, t := range s.tags {
			tags[*t.Key] = *t.Value
		}
		out = append(out, account.Resource{Service: ServiceID, Type: "secret", ID: s.arn, State: state, Region: s.region, Tags: tags})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Value returns the current value of the secret with the given ARN or
// name in region, for the simulated instance that reads it at boot: false
// when it does not exist or is being deleted.
func (m *Model) Value(region, id string) (string, bool) {
	s := m.find(region, id, m.w.Now())
	if s == nil || s.deleted(m.w.Now()) {
		return "", false
	}
	return s.value, true
}

// find returns the secret region knows by ARN or name (the live one for a
// name), or nil.
func (m *Model) find(region, id string, now time.Time) *secret {
	if s, ok := m.secrets[id]; ok && s.region == region && !s.gone(now) {
		return s
	}
	for _, s := range m.secrets {
		if s.region == region && s.name == id && !s.gone(now) {
			return s
		}
	}
	return nil
}

func cloneTags(tags []types.Tag) []types.Tag { return slices.Clone(tags) }
