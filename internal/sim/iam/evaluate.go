package iam

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// ProfileAllows tells whether the role in the instance profile (a name or
// an instance-profile ARN) may call action on resource, as IAM evaluates
// the role's identity policies: an explicit Deny wins, else an Allow is
// needed ("Policy evaluation logic", IAM user guide). Action names match
// without case, both sides may use the * and ? wildcards. Only inline
// policies are read: the AWS managed policies the simulation knows grant
// nothing the simulated instance asks for (Secrets Manager), which is what
// makes a missing inline grant fail. Conditions are not modeled: a
// statement with one never applies.
func (m *Model) ProfileAllows(profile, action, resource string) bool {
	if i := strings.LastIndex(profile, ":instance-profile/"); i >= 0 {
		profile = profile[i+len(":instance-profile/"):]
		profile = profile[strings.LastIndex(profile, "/")+1:]
	}
	p, ok := m.profiles[strings.ToLower(profile)]
	if !ok || p.role == "" {
		return false
	}
	r, ok := m.roles[p.role]
	if !ok {
		return false
	}
	// A permissions boundary caps the role: an action must be allowed by
	// the boundary and by the role's own policies ("Permissions boundaries
	// for IAM entities", IAM user guide).
	if r.boundary != "" {
		b, ok := m.policies[r.boundary]
		if !ok || !allows([]string{b.document}, action, resource) {
			return false
		}
	}
	return allows(slices.Collect(maps.Values(r.inline)), action, resource)
}

// allows evaluates identity policies: an explicit Deny wins, else an Allow
// is needed. A statement with a condition never applies.
func allows(docs []string, action, resource string) bool {
	allowed := false
	for _, doc := range docs {
		for _, s := range statements(doc) {
			if s.Condition != nil || !matchAny(s.Action, action, true) || !matchAny(s.Resource, resource, false) {
				continue
			}
			switch s.Effect {
			case "Deny":
				return false
			case "Allow":
				allowed = true
			}
		}
	}
	return allowed
}

// policyStatement is one statement as IAM reads it: Action and Resource
// may be a string or a list.
type policyStatement struct {
	Effect    string
	Action    stringOrList
	Resource  stringOrList
	Condition json.RawMessage
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*s = many
	return err
}

func statements(doc string) []policyStatement {
	var one struct{ Statement policyStatement }
	var many struct{ Statement []policyStatement }
	if json.Unmarshal([]byte(doc), &many) == nil {
		return many.Statement
	}
	if json.Unmarshal([]byte(doc), &one) == nil {
		return []policyStatement{one.Statement}
	}
	return nil
}

func matchAny(patterns []string, value string, fold bool) bool {
	for _, p := range patterns {
		expr := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if fold {
			expr = "(?i)" + expr
		}
		if regexp.MustCompile(expr).MatchString(value) {
			return true
		}
	}
	return false
}
