// Package iam simulates AWS Identity and Access Management as the
// deployment uses it: roles with trust policies, managed and inline
// policies, instance profiles holding at most one role, tags, AWS's
// deletion preconditions, and the delay before a fresh instance profile is
// usable by EC2 (ProfileReady).
//
// IAM is global: names are unique per account whatever region the client
// signs for. It imports account and the IAM SDK's types; never steps, engine
// or another service model (the sim facade wires ProfileReady into EC2).
package iam

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"geusemaker/internal/sim/account"
)

// Quotas and constraints of IAM.
const (
	maxRoleNameLen       = 64
	maxPolicyNameLen     = 128
	maxProfileNameLen    = 128
	maxTags              = 50
	maxInlinePolicyBytes = 10240 // aggregate inline policy size per role
	maxRolesPerProfile   = 1     // InstanceSessionsPerInstanceProfile
	defaultMaxItems      = 100
	maxMaxItems          = 1000
)

// ManagedPolicies are the names of the AWS managed policies the simulation
// knows, each at arn:<the account's partition>:iam::aws:policy/<name>; any
// other policy ARN, another partition's included, is NoSuchEntity.
var ManagedPolicies = []string{
	"AmazonSSMManagedInstanceCore",
	"AmazonElasticFileSystemClientReadWriteAccess",
	"AmazonElasticFileSystemClientReadOnlyAccess",
	"AmazonElasticFileSystemClientFullAccess",
	"AmazonElasticFileSystemsUtils",
	"CloudWatchAgentServerPolicy",
}

// isManaged tells whether arn is a known AWS managed policy of the
// account's partition.
func (m *Model) isManaged(arn string) bool {
	name, ok := strings.CutPrefix(arn, "arn:"+m.w.Partition()+":iam::aws:policy/")
	return ok && m.managed[name]
}

// entityName is IAM's pattern for role and instance profile names.
var entityName = regexp.MustCompile(`^[\w+=,.@-]+$`)

// Model is the simulated IAM of one account. Its methods run under the
// account's lock.
type Model struct {
	w        *account.Account
	roles    map[string]*role    // by lower-cased name: IAM names are case-insensitive
	profiles map[string]*profile // likewise
	managed  map[string]bool
	// policies are the account's own managed policies, by ARN.
	policies map[string]*policy
}

// policy is a customer managed policy (one version: its document).
type policy struct {
	name, id, path, document string
	created                  time.Time
}

// PlantPolicy creates a customer managed policy, as the account's owner
// (a stack) would have before any deployment, and returns its ARN.
func (m *Model) PlantPolicy(path, name, document string) string {
	var arn string
	m.w.Do(func() {
		p := &policy{name: name, id: strings.ToUpper(m.w.NewID("ANPA", 17)), path: path, document: document, created: m.w.Now()}
		arn = m.policyARN(path, name)
		m.policies[arn] = p
	})
	return arn
}

func (m *Model) policyARN(path, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:policy%s%s", m.w.Partition(), account.AccountID, path, name)
}

type role struct {
	name, id, path, trust, description string
	created                            time.Time
	maxSession                         int32
	tags                               []types.Tag
	attached                           []string          // managed policy ARNs, in attach order
	inline                             map[string]string // inline policy name → document
	// boundary is the ARN of the role's permissions boundary, or "".
	boundary string
}

type profile struct {
	name, id, path string
	created        time.Time
	tags           []types.Tag
	role           string // lower-cased name of its role, "" when empty
	roleAddedAt    time.Time
}

// Register adds a simulated IAM to w and returns it.
func Register(w *account.Account) *Model {
	m := &Model{w: w, roles: map[string]*role{}, profiles: map[string]*profile{}, managed: map[string]bool{}, policies: map[string]*policy{}}
	for _, name := range ManagedPolicies {
		m.managed[name] = true
	}
	w.Register(m)
	return m
}

// ServiceID is the SDK's service id, "IAM".
func (m *Model) ServiceID() string { return sdkiam.ServiceID }

// Operations maps the modeled IAM operations to their handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"CreateRole":                    account.Op(m.createRole),
		"CreatePolicy":                  account.Op(m.createPolicy),
		"ListPolicies":                  account.Op(m.listPolicies),
		"GetRole":                       account.Op(m.getRole),
		"DeleteRole":                    account.Op(m.deleteRole),
		"TagRole":                       account.Op(m.tagRole),
		"AttachRolePolicy":              account.Op(m.attachRolePolicy),
		"DetachRolePolicy":              account.Op(m.detachRolePolicy),
		"ListAttachedRolePolicies":      account.Op(m.listAttachedRolePolicies),
		"PutRolePolicy":                 account.Op(m.putRolePolicy),
		"GetRolePolicy":                 account.Op(m.getRolePolicy),
		"DeleteRolePolicy":              account.Op(m.deleteRolePolicy),
		"ListRolePolicies":              account.Op(m.listRolePolicies),
		"CreateInstanceProfile":         account.Op(m.createInstanceProfile),
		"GetInstanceProfile":            account.Op(m.getInstanceProfile),
		"DeleteInstanceProfile":         account.Op(m.deleteInstanceProfile),
		"TagInstanceProfile":            account.Op(m.tagInstanceProfile),
		"AddRoleToInstanceProfile":      account.Op(m.addRoleToInstanceProfile),
		"RemoveRoleFromInstanceProfile": account.Op(m.removeRoleFromInstanceProfile),
		"ListInstanceProfilesForRole":   account.Op(m.listInstanceProfilesForRole),
	}
}

// Inventory lists every role and instance profile with its tags.
func (m *Model) Inventory(time.Time) []account.Resource {
	var out []account.Resource
	for _, r := range m.roles {
		out = append(out, account.Resource{Service: sdkiam.ServiceID, Type: "role", ID: r.name, Tags: tagMap(r.tags)})
	}
	for _, p := range m.profiles {
		out = append(out, account.Resource{Service: sdkiam.ServiceID, Type: "instance-profile", ID: p.name, Tags: tagMap(p.tags)})
	}
	return out
}

// ProfileReady reports whether EC2 can launch an instance with the
// instance profile name: it exists, holds a role, and the role was added
// at least the propagation latency ago. Call it under the account's lock
// (from another service's operation).
func (m *Model) ProfileReady(name string) bool {
	p, ok := m.profiles[strings.ToLower(name)]
	if !ok || p.role == "" {
		return false
	}
	return !m.w.Now().Before(p.roleAddedAt.Add(m.w.Latency(LatencyProfilePropagation, defaultProfilePropagation)))
}

func (m *Model) role(name string) (*role, error) {
	r, ok := m.roles[strings.ToLower(name)]
	if !ok {
		return nil, noSuchRole(name)
	}
	return r, nil
}

func (m *Model) profile(name string) (*profile, error) {
	p, ok := m.profiles[strings.ToLower(name)]
	if !ok {
		return nil, noSuchProfile(name)
	}
	return p, nil
}

// checkName applies IAM's name constraints.
func checkName(field, name string, maxLen int) error {
	if len(name) < 1 || len(name) > maxLen || !entityName.MatchString(name) {
		return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and %d", name, field, maxLen)
	}
	return nil
}

// checkPath applies IAM's path format: "/" or "/a/b/".
func checkPath(path string) error {
	if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") {
		return validationError("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return nil
}

// checkPolicy applies the syntax checks IAM makes on any policy document.
func checkPolicy(doc string) error {
	var p struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return malformedPolicy("The policy is not valid JSON.")
	}
	if len(p.Statement) == 0 {
		return malformedPolicy("Missing required field Statement.")
	}
	return nil
}

// mergeTags adds tags, a later value replacing an earlier one of the same key.
func mergeTags(have, add []types.Tag) ([]types.Tag, error) {
	out := slices.Clone(have)
	for _, t := range add {
		i := slices.IndexFunc(out, func(o types.Tag) bool { return aws.ToString(o.Key) == aws.ToString(t.Key) })
		if i >= 0 {
			out[i] = t
		} else {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, limitExceeded("The number of tags has reached the maximum limit of %d.", maxTags)
	}
	return out, nil
}

func tagMap(tags []types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func (m *Model) describeRole(r *role) types.Role {
	return types.Role{
		Arn:        aws.String(fmt.Sprintf("arn:%s:iam::%s:role%s%s", m.w.Partition(), account.AccountID, r.path, r.name)),
		RoleId:     aws.String(r.id),
		RoleName:   aws.String(r.name),
		Path:       aws.String(r.path),
		CreateDate: aws.Time(r.created),
		// IAM returns policy documents URL-encoded (RFC 3986); the SDK
		// does not decode them, so callers must.
		AssumeRolePolicyDocument: aws.String(encodePolicy(r.trust)),
		Description:              nilIfEmpty(r.description),
		MaxSessionDuration:       aws.Int32(r.maxSession),
		Tags:                     slices.Clone(r.tags),
		PermissionsBoundary:      m.boundaryOf(r),
	}
}

func (m *Model) boundaryOf(r *role) *types.AttachedPermissionsBoundary {
	if r.boundary == "" {
		return nil
	}
	return &types.AttachedPermissionsBoundary{PermissionsBoundaryArn: aws.String(r.boundary),
		PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy}
}

func (m *Model) describeProfile(p *profile) types.InstanceProfile {
	out := types.InstanceProfile{
		Arn:                 aws.String(fmt.Sprintf("arn:%s:iam::%s:instance-profile%s%s", m.w.Partition(), account.AccountID, p.path, p.name)),
		InstanceProfileId:   aws.String(p.id),
		InstanceProfileName: aws.String(p.name),
		Path:                aws.String(p.path),
		CreateDate:          aws.Time(p.created),
		Roles:               []types.Role{},
		Tags:                slices.Clone(p.tags),
	}
	if r, ok := m.roles[p.role]; ok {
		out.Roles = append(out.Roles, m.describeRole(r))
	}
	return out
}

// encodePolicy URL-encodes a policy document the way IAM does.
func encodePolicy(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// page returns one page of items: marker is the index of its first item
// (IAM markers are opaque; an index is enough for one account).
func page[T any](items []T, marker *string, maxItems *int32) (out []T, truncated bool, next *string, err error) {
	start := 0
	if marker != nil {
		n, err := strconv.Atoi(*marker)
		if err != nil || n < 0 || n > len(items) {
			return nil, false, nil, invalidInput("Invalid Marker %q.", *marker)
		}
		start = n
	}
	size := defaultMaxItems
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > maxMaxItems {
			return nil, false, nil, validationError("MaxItems must be between 1 and %d", maxMaxItems)
		}
		size = int(*maxItems)
	}
	end := min(start+size, len(items))
	if end < len(items) {
		return items[start:end], true, aws.String(strconv.Itoa(end)), nil
	}
	return items[start:end], false, nil, nil
}
