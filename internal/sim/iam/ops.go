package iam

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// defaultMaxSession is a role's MaxSessionDuration unless given (1 hour).
const defaultMaxSession = 3600

func (m *Model) createRole(_ context.Context, in *sdkiam.CreateRoleInput) (*sdkiam.CreateRoleOutput, error) {
	name := aws.ToString(in.RoleName)
	path, err := checkNamePath("roleName", name, maxRoleNameLen, aws.ToString(in.Path))
	if err != nil {
		return nil, err
	}
	if _, ok := m.roles[strings.ToLower(name)]; ok {
		return nil, entityAlreadyExists("Role with name %s already exists.", name)
	}
	trust := aws.ToString(in.AssumeRolePolicyDocument)
	if err := checkPolicy(trust); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	boundary := aws.ToString(in.PermissionsBoundary)
	if boundary != "" && m.policies[boundary] == nil && !m.isManaged(boundary) {
		return nil, noSuchEntity("Scope ARN: %s does not exist or is not attachable.", boundary)
	}
	r := &role{
		name: name, id: strings.ToUpper(m.w.NewID("AROA", 17)), path: path, trust: trust,
		description: aws.ToString(in.Description), created: m.w.Now(),
		maxSession: aws.ToInt32(in.MaxSessionDuration), tags: tags, inline: map[string]string{},
		boundary: boundary,
	}
	if r.maxSession == 0 {
		r.maxSession = defaultMaxSession
	}
	m.roles[strings.ToLower(name)] = r
	out := m.describeRole(r)
	return &sdkiam.CreateRoleOutput{Role: &out}, nil
}

func (m *Model) getRole(_ context.Context, in *sdkiam.GetRoleInput) (*sdkiam.GetRoleOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	out := m.describeRole(r)
	return &sdkiam.GetRoleOutput{Role: &out}, nil
}

func (m *Model) deleteRole(_ context.Context, in *sdkiam.DeleteRoleInput) (*sdkiam.DeleteRoleOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(r.name)
	switch {
	case len(r.attached) > 0:
		return nil, deleteConflict("detach all policies")
	case len(r.inline) > 0:
		return nil, deleteConflict("delete policies")
	case m.inProfile(key):
		return nil, deleteConflict("remove roles from instance profile")
	}
	delete(m.roles, key)
	return &sdkiam.DeleteRoleOutput{}, nil
}

// inProfile reports whether the role (lower-cased name) is in any instance profile.
func (m *Model) inProfile(key string) bool {
	for _, p := range m.profiles {
		if p.role == key {
			return true
		}
	}
	return false
}

func (m *Model) tagRole(_ context.Context, in *sdkiam.TagRoleInput) (*sdkiam.TagRoleOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(r.tags, in.Tags)
	if err != nil {
		return nil, err
	}
	r.tags = tags
	return &sdkiam.TagRoleOutput{}, nil
}

func (m *Model) attachRolePolicy(_ context.Context, in *sdkiam.AttachRolePolicyInput) (*sdkiam.AttachRolePolicyOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.PolicyArn)
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":iam::") || !strings.Contains(arn, ":policy/") {
		return nil, invalidInput("ARN %s is not valid.", arn)
	}
	if !m.isManaged(arn) && m.policies[arn] == nil {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	// Attaching an attached policy is a no-op in IAM.
	if slices.Contains(r.attached, arn) {
		return &sdkiam.AttachRolePolicyOutput{}, nil
	}
	r.attached = append(r.attached, arn)
	return &sdkiam.AttachRolePolicyOutput{}, nil
}

func (m *Model) detachRolePolicy(_ context.Context, in *sdkiam.DetachRolePolicyInput) (*sdkiam.DetachRolePolicyOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.PolicyArn)
	i := slices.Index(r.attached, arn)
	if i < 0 {
		return nil, noSuchEntity("Policy %s was not found.", arn)
	}
	r.attached = slices.Delete(r.attached, i, i+1)
	return &sdkiam.DetachRolePolicyOutput{}, nil
}

func (m *Model) listAttachedRolePolicies(_ context.Context, in *sdkiam.ListAttachedRolePoliciesInput) (*sdkiam.ListAttachedRolePoliciesOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	var all []types.AttachedPolicy
	for _, arn := range r.attached {
		if in.PathPrefix != nil && !strings.HasPrefix(policyPath(arn), *in.PathPrefix) {
			continue
		}
		all = append(all, types.AttachedPolicy{PolicyArn: aws.String(arn), PolicyName: aws.String(arn[strings.LastIndex(arn, "/")+1:])})
	}
	items, truncated, next, err := page(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdkiam.ListAttachedRolePoliciesOutput{AttachedPolicies: items, IsTruncated: truncated, Marker: next}, nil
}

// policyPath is the path of a policy ARN, e.g. "/" or "/service-role/".
func policyPath(arn string) string {
	rest := arn[strings.Index(arn, ":policy")+len(":policy"):]
	return rest[:strings.LastIndex(rest, "/")+1]
}

func (m *Model) putRolePolicy(_ context.Context, in *sdkiam.PutRolePolicyInput) (*sdkiam.PutRolePolicyOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	name, doc := aws.ToString(in.PolicyName), aws.ToString(in.PolicyDocument)
	if err := checkName("policyName", name, maxProfileNameLen); err != nil {
		return nil, err
	}
	if err := checkPolicy(doc); err != nil {
		return nil, err
	}
	size := len(doc)
	for n, d := range r.inline {
		if n != name {
			size += len(d)
		}
	}
	if size > maxInlinePolicyBytes {
		return nil, limitExceeded("Maximum policy size of %d bytes exceeded for role %s", maxInlinePolicyBytes, r.name)
	}
	// Putting a policy under an existing name replaces it.
	r.inline[name] = doc
	return &sdkiam.PutRolePolicyOutput{}, nil
}

func (m *Model) getRolePolicy(_ context.Context, in *sdkiam.GetRolePolicyInput) (*sdkiam.GetRolePolicyOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.PolicyName)
	doc, ok := r.inline[name]
	if !ok {
		return nil, noSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return &sdkiam.GetRolePolicyOutput{RoleName: aws.String(r.name), PolicyName: aws.String(name), PolicyDocument: aws.String(encodePolicy(doc))}, nil
}

func (m *Model) deleteRolePolicy(_ context.Context, in *sdkiam.DeleteRolePolicyInput) (*sdkiam.DeleteRolePolicyOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.PolicyName)
	if _, ok := r.inline[name]; !ok {
		return nil, noSuchEntity("The role policy with name %s cannot be found.", name)
	}
	delete(r.inline, name)
	return &sdkiam.DeleteRolePolicyOutput{}, nil
}

func (m *Model) listRolePolicies(_ context.Context, in *sdkiam.ListRolePoliciesInput) (*sdkiam.ListRolePoliciesOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	items, truncated, next, err := page(slices.Sorted(maps.Keys(r.inline)), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdkiam.ListRolePoliciesOutput{PolicyNames: items, IsTruncated: truncated, Marker: next}, nil
}

func (m *Model) createInstanceProfile(_ context.Context, in *sdkiam.CreateInstanceProfileInput) (*sdkiam.CreateInstanceProfileOutput, error) {
	name := aws.ToString(in.InstanceProfileName)
	path, err := checkNamePath("instanceProfileName", name, maxProfileNameLen, aws.ToString(in.Path))
	if err != nil {
		return nil, err
	}
	if _, ok := m.profiles[strings.ToLower(name)]; ok {
		return nil, entityAlreadyExists("Instance Profile %s already exists.", name)
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	p := &profile{name: name, id: strings.ToUpper(m.w.NewID("AIPA", 17)), path: path, created: m.w.Now(), tags: tags}
	m.profiles[strings.ToLower(name)] = p
	out := m.describeProfile(p)
	return &sdkiam.CreateInstanceProfileOutput{InstanceProfile: &out}, nil
}

func (m *Model) getInstanceProfile(_ context.Context, in *sdkiam.GetInstanceProfileInput) (*sdkiam.GetInstanceProfileOutput, error) {
	p, err := m.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	out := m.describeProfile(p)
	return &sdkiam.GetInstanceProfileOutput{InstanceProfile: &out}, nil
}

func (m *Model) deleteInstanceProfile(_ context.Context, in *sdkiam.DeleteInstanceProfileInput) (*sdkiam.DeleteInstanceProfileOutput, error) {
	p, err := m.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	if p.role != "" {
		return nil, deleteConflict("remove roles from instance profile")
	}
	delete(m.profiles, strings.ToLower(p.name))
	return &sdkiam.DeleteInstanceProfileOutput{}, nil
}

func (m *Model) tagInstanceProfile(_ context.Context, in *sdkiam.TagInstanceProfileInput) (*sdkiam.TagInstanceProfileOutput, error) {
	p, err := m.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(p.tags, in.Tags)
	if err != nil {
		return nil, err
	}
	p.tags = tags
	return &sdkiam.TagInstanceProfileOutput{}, nil
}

func (m *Model) addRoleToInstanceProfile(_ context.Context, in *sdkiam.AddRoleToInstanceProfileInput) (*sdkiam.AddRoleToInstanceProfileOutput, error) {
	p, err := m.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	// A profile holds one role; adding the same role again is refused too.
	if p.role != "" {
		return nil, limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", maxRolesPerProfile)
	}
	p.role = strings.ToLower(r.name)
	p.roleAddedAt = m.w.Now()
	return &sdkiam.AddRoleToInstanceProfileOutput{}, nil
}

func (m *Model) removeRoleFromInstanceProfile(_ context.Context, in *sdkiam.RemoveRoleFromInstanceProfileInput) (*sdkiam.RemoveRoleFromInstanceProfileOutput, error) {
	p, err := m.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.RoleName)
	if p.role == "" || p.role != strings.ToLower(name) {
		return nil, noSuchEntity("The role with name %s cannot be found in instance profile %s.", name, p.name)
	}
	p.role = ""
	p.roleAddedAt = time.Time{}
	return &sdkiam.RemoveRoleFromInstanceProfileOutput{}, nil
}

func (m *Model) listInstanceProfilesForRole(_ context.Context, in *sdkiam.ListInstanceProfilesForRoleInput) (*sdkiam.ListInstanceProfilesForRoleOutput, error) {
	r, err := m.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(r.name)
	var all []types.InstanceProfile
	for _, k := range slices.Sorted(maps.Keys(m.profiles)) {
		if p := m.profiles[k]; p.role == key {
			all = append(all, m.describeProfile(p))
		}
	}
	items, truncated, next, err := page(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdkiam.ListInstanceProfilesForRoleOutput{InstanceProfiles: items, IsTruncated: truncated, Marker: next}, nil
}

// createPolicy adds a customer managed policy: a name unique in the
// account, a valid document.
func (m *Model) createPolicy(_ context.Context, in *sdkiam.CreatePolicyInput) (*sdkiam.CreatePolicyOutput, error) {
	name := aws.ToString(in.PolicyName)
	path, err := checkNamePath("policyName", name, maxPolicyNameLen, aws.ToString(in.Path))
	if err != nil {
		return nil, err
	}
	for _, p := range m.policies {
		if strings.EqualFold(p.name, name) {
			return nil, entityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	doc := aws.ToString(in.PolicyDocument)
	if err := checkPolicy(doc); err != nil {
		return nil, err
	}
	p := &policy{name: name, id: strings.ToUpper(m.w.NewID("ANPA", 17)), path: path, document: doc, created: m.w.Now()}
	m.policies[m.policyARN(path, name)] = p
	out := m.describePolicy(p)
	return &sdkiam.CreatePolicyOutput{Policy: &out}, nil
}

// listPolicies lists the account's own policies (Scope Local) under
// PathPrefix; AWS managed ones are not listed by this model.
func (m *Model) listPolicies(_ context.Context, in *sdkiam.ListPoliciesInput) (*sdkiam.ListPoliciesOutput, error) {
	out := &sdkiam.ListPoliciesOutput{}
	if in.Scope == types.PolicyScopeTypeAws {
		return out, nil
	}
	prefix := aws.ToString(in.PathPrefix)
	for _, arn := range slices.Sorted(maps.Keys(m.policies)) {
		if p := m.policies[arn]; strings.HasPrefix(p.path, prefix) {
			out.Policies = append(out.Policies, m.describePolicy(p))
		}
	}
	return out, nil
}

func (m *Model) describePolicy(p *policy) types.Policy {
	return types.Policy{Arn: aws.String(m.policyARN(p.path, p.name)), PolicyName: aws.String(p.name), PolicyId: aws.String(p.id),
		Path: aws.String(p.path), DefaultVersionId: aws.String("v1"), IsAttachable: true, CreateDate: aws.Time(p.created)}
}

// checkNamePath checks an entity's name and path (IAM's rules) and returns
// the path, "/" when none is given.
func checkNamePath(field, name string, maxLen int, path string) (string, error) {
	if err := checkName(field, name, maxLen); err != nil {
		return "", err
	}
	if path == "" {
		path = "/"
	}
	return path, checkPath(path)
}
