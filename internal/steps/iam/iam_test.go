package iam_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	simiam "geusemaker/internal/sim/iam"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/iam"
	"geusemaker/internal/steps/step"
)

type env struct {
	w       *account.Account
	model   *simiam.Model
	iam     *sdkiam.Client
	actions step.Actions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk))
	m := simiam.Register(w)
	cfg := w.Config("us-east-1")
	step := iam.New(cfg, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{w: w, model: m, iam: sdkiam.NewFromConfig(cfg), actions: step.Actions()}
}

func newDoc() *document.Document {
	return &document.Document{Request: document.Request{DeploymentID: "demo", Tier: document.TierDev, Region: "eu-west-1"},
		Resources: document.Ledger{SecretARN: testSecretARN}}
}

const testSecretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:geusemaker/demo/workload-AbCdEf"

func (e *env) run(t *testing.T, action string, doc *document.Document) error {
	t.Helper()
	return e.actions[action](context.Background(), doc)
}

func (e *env) mustRun(t *testing.T, action string, doc *document.Document) {
	t.Helper()
	require.NoError(t, e.run(t, action, doc))
}

func (e *env) fault(op, code string, times int) {
	e.w.Inject(account.Fault{Service: "IAM", Operation: op, Code: code, Times: times})
}

func (e *env) attached(t *testing.T, role string) []string {
	t.Helper()
	out, err := e.iam.ListAttachedRolePolicies(context.Background(), &sdkiam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	require.NoError(t, err)
	var arns []string
	for _, p := range out.AttachedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	return arns
}

func requireStepError(t *testing.T, err error, name, code string) {
	t.Helper()
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, name, se.Name)
	var cause document.Cause
	require.NoError(t, json.Unmarshal([]byte(se.CauseJSON()), &cause))
	assert.Equal(t, code, cause.AWSErrorCode)
	assert.NotEmpty(t, cause.Remediation)
	assert.NotEmpty(t, cause.Message)
	assert.Contains(t, cause.Step, "iam-")
}

func tagMap(tags []types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func TestCreate(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.mustRun(t, contract.ActionCreate, doc)
	ctx := context.Background()

	assert.Equal(t, "demo-efs-mount-role", doc.Resources.IAMRoleName)
	assert.Equal(t, "demo-instance-profile", doc.Resources.InstanceProfileName)
	assert.Equal(t, document.StageIdentity, doc.Progress.Stage)

	role, err := e.iam.GetRole(ctx, &sdkiam.GetRoleInput{RoleName: aws.String(doc.Resources.IAMRoleName)})
	require.NoError(t, err)
	trust, err := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	require.NoError(t, err)
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":["sts:AssumeRole"]}]}`, trust)
	tags := tagMap(role.Role.Tags)
	assert.Equal(t, "demo", tags[document.TagDeployment])
	assert.Equal(t, "eu-west-1", tags[document.TagRegion], "IAM is global: the region tells two regions' deployments of one id apart")
	assert.Equal(t, document.ManagedByValue, tags[document.TagManagedBy])
	assert.Equal(t, "demo-efs-mount-role", tags["Name"])
	assert.Equal(t, []string{iam.ManagedPolicyARN("aws", iam.PolicySSM), iam.ManagedPolicyARN("aws", iam.PolicyEFSClient)}, e.attached(t, doc.Resources.IAMRoleName))

	profile, err := e.iam.GetInstanceProfile(ctx, &sdkiam.GetInstanceProfileInput{InstanceProfileName: aws.String(doc.Resources.InstanceProfileName)})
	require.NoError(t, err)
	require.Len(t, profile.InstanceProfile.Roles, 1)
	assert.Equal(t, doc.Resources.IAMRoleName, aws.ToString(profile.InstanceProfile.Roles[0].RoleName))
	assert.Equal(t, "demo", tagMap(profile.InstanceProfile.Tags)[document.TagDeployment])
}

func TestCreateScopesEFSAccessToTheFileSystem(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	doc.Resources.EFSID = "fs-0123456789abcdef0"
	e.mustRun(t, contract.ActionCreate, doc)

	assert.Equal(t, []string{iam.ManagedPolicyARN("aws", iam.PolicySSM)}, e.attached(t, doc.Resources.IAMRoleName))
	out, err := e.iam.GetRolePolicy(context.Background(), &sdkiam.GetRolePolicyInput{RoleName: aws.String(doc.Resources.IAMRoleName), PolicyName: aws.String(iam.InlineEFSPolicy)})
	require.NoError(t, err)
	policy, err := url.QueryUnescape(aws.ToString(out.PolicyDocument))
	require.NoError(t, err)
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Sid":"EFSClientAccess","Effect":"Allow",
		"Action":["elasticfilesystem:ClientMount","elasticfilesystem:ClientWrite","elasticfilesystem:DescribeMountTargets"],
		"Resource":"arn:aws:elasticfilesystem:eu-west-1:`+account.AccountID+`:file-system/fs-0123456789abcdef0"}]}`, policy)
}

func TestCreateLetsTheInstanceReadOnlyItsOwnSecret(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.mustRun(t, contract.ActionCreate, doc)
	out, err := e.iam.GetRolePolicy(context.Background(), &sdkiam.GetRolePolicyInput{RoleName: aws.String(doc.Resources.IAMRoleName), PolicyName: aws.String(iam.InlineSecretPolicy)})
	require.NoError(t, err)
	policy, err := url.QueryUnescape(aws.ToString(out.PolicyDocument))
	require.NoError(t, err)
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Sid":"ReadWorkloadSecret","Effect":"Allow",
		"Action":["secretsmanager:GetSecretValue"],"Resource":"`+testSecretARN+`"}]}`, policy)
}

func TestCreateRefusesASecretARNThatIsNotTheDeployments(t *testing.T) {
	for name, arn := range map[string]string{
		"wildcard":          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:*",
		"another secret":    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
		"another region":    "arn:aws:secretsmanager:us-east-1:123456789012:secret:geusemaker/demo/workload-AbCdEf",
		"another service":   "arn:aws:ssm:eu-west-1:123456789012:parameter/geusemaker/demo/workload-AbCdEf",
		"not an ARN":        "geusemaker/demo/workload",
		"wildcard suffixed": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:geusemaker/demo/workload-*",
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc()
			doc.Resources.SecretARN = arn
			err := e.run(t, contract.ActionCreate, doc)
			var se *steperr.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, contract.IdentityFailed, se.Name)
			assert.Contains(t, se.Cause.Message, "is not the ARN of secret geusemaker/demo/workload")
		})
	}
	e := newEnv(t)
	doc := newDoc()
	doc.Resources.SecretARN = ""
	var se *steperr.Error
	require.ErrorAs(t, e.run(t, contract.ActionCreate, doc), &se)
	assert.Equal(t, contract.InternalError, se.Name)
}

func TestCreateTwiceCreatesOne(t *testing.T) {
	tests := []struct {
		name  string
		again func(first *document.Document) *document.Document
	}{
		{"same document", func(first *document.Document) *document.Document { return first }},
		{"ledger lost", func(*document.Document) *document.Document { return newDoc() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := newDoc()
			e.mustRun(t, contract.ActionCreate, first)
			second := tt.again(first)
			e.mustRun(t, contract.ActionCreate, second)
			assert.Len(t, e.w.Inventory(), 2)
			assert.Equal(t, first.Resources, second.Resources)
		})
	}
}

func TestCreateAfterInterruptedAttempt(t *testing.T) {
	e := newEnv(t)
	e.fault("AddRoleToInstanceProfile", "ServiceFailure", 0)
	doc := newDoc()
	requireStepError(t, e.run(t, contract.ActionCreate, doc), contract.IdentityFailed, "ServiceFailure")
	assert.Equal(t, "demo-efs-mount-role", doc.Resources.IAMRoleName, "recorded as soon as created")
	assert.Equal(t, "demo-instance-profile", doc.Resources.InstanceProfileName)

	e.w.ClearFaults()
	e.mustRun(t, contract.ActionCreate, doc)
	var ready bool
	e.w.Do(func() { ready = e.model.ProfileReady(doc.Resources.InstanceProfileName) })
	assert.False(t, ready, "EC2 cannot use the profile until IAM has propagated it")
}

// plant creates a role and profile as someone else would, tagged for
// deployment owner in newDoc's region.
func (e *env) plant(t *testing.T, role, profile, owner string) {
	t.Helper()
	ctx := context.Background()
	tags := []types.Tag{
		{Key: aws.String(document.TagDeployment), Value: aws.String(owner)},
		{Key: aws.String(document.TagRegion), Value: aws.String(newDoc().Request.Region)},
	}
	if role != "" {
		_, err := e.iam.CreateRole(ctx, &sdkiam.CreateRoleInput{RoleName: aws.String(role), Tags: tags,
			AssumeRolePolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
		require.NoError(t, err)
	}
	if profile != "" {
		_, err := e.iam.CreateInstanceProfile(ctx, &sdkiam.CreateInstanceProfileInput{InstanceProfileName: aws.String(profile), Tags: tags})
		require.NoError(t, err)
	}
}

func TestCreateRefusesWhatIsNotTheDeployments(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env)
	}{
		{"role of another deployment", func(t *testing.T, e *env) { e.plant(t, "demo-efs-mount-role", "", "other") }},
		{"instance profile of another deployment", func(t *testing.T, e *env) { e.plant(t, "", "demo-instance-profile", "other") }},
		{"instance profile holding another role", func(t *testing.T, e *env) {
			e.plant(t, "stranger", "demo-instance-profile", "demo")
			_, err := e.iam.AddRoleToInstanceProfile(context.Background(), &sdkiam.AddRoleToInstanceProfileInput{
				InstanceProfileName: aws.String("demo-instance-profile"), RoleName: aws.String("stranger")})
			require.NoError(t, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.prepare(t, e)
			requireStepError(t, e.run(t, contract.ActionCreate, newDoc()), contract.IdentityFailed, "")
		})
	}
}

// inRegion is newDoc in another region.
func inRegion(region string) *document.Document {
	d := newDoc()
	d.Request.Region = region
	return d
}

func TestCreateAdoptsOnlyTheSameRegionsEntities(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env) // region A's deployment of "demo" (eu-west-1)
		region  string                     // of the second create
		want    string                     // in the failure's message; "" adopts
	}{
		{"same region adopts", func(t *testing.T, e *env) { e.mustRun(t, contract.ActionCreate, newDoc()) }, "eu-west-1", ""},
		{"another region is refused", func(t *testing.T, e *env) { e.mustRun(t, contract.ActionCreate, newDoc()) }, "us-west-2",
			"deployment id demo is in use in region eu-west-1"},
		{"a role without region tag is refused", func(t *testing.T, e *env) {
			_, err := e.iam.CreateRole(context.Background(), &sdkiam.CreateRoleInput{RoleName: aws.String("demo-efs-mount-role"),
				AssumeRolePolicyDocument: aws.String(`{"Statement":[]}`),
				Tags:                     []types.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String("demo")}}})
			require.NoError(t, err)
		}, "eu-west-1", "predates the geusemaker:region tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.prepare(t, e)
			before := len(e.w.Inventory())
			doc := inRegion(tt.region)
			err := e.run(t, contract.ActionCreate, doc)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, "demo-efs-mount-role", doc.Resources.IAMRoleName)
				assert.Equal(t, "demo-instance-profile", doc.Resources.InstanceProfileName)
				assert.Len(t, e.w.Inventory(), before)
				return
			}
			requireStepError(t, err, contract.IdentityFailed, "")
			var se *steperr.Error
			require.ErrorAs(t, err, &se)
			assert.Contains(t, se.Cause.Message, tt.want)
			assert.Contains(t, se.Cause.Remediation, "another deployment_id")
			assert.Empty(t, doc.Resources.IAMRoleName, "nothing adopted: a rollback has nothing to delete")
			assert.Len(t, e.w.Inventory(), before, "nothing created")
		})
	}
}

func TestDeleteInAnotherRegionLeavesTheRegionsEntities(t *testing.T) {
	e := newEnv(t)
	a := newDoc()
	e.mustRun(t, contract.ActionCreate, a)

	// Region B: its create is refused, then its rollback and a destroy from
	// the request alone run delete; neither touches region A's.
	b := inRegion("us-west-2")
	require.Error(t, e.run(t, contract.ActionCreate, b))
	e.mustRun(t, contract.ActionDelete, b)
	e.mustRun(t, contract.ActionDelete, inRegion("us-west-2"))
	assert.Len(t, e.w.Inventory(), 2, "region A's role and instance profile are left")

	// Region A's own destroy, from the request alone, deletes them.
	e.mustRun(t, contract.ActionDelete, newDoc())
	assert.Empty(t, e.w.Inventory())
}

func TestCreateErrors(t *testing.T) {
	tests := []struct {
		name, op, code, want string
		efs                  bool
	}{
		{"role create denied", "CreateRole", "AccessDenied", contract.IdentityFailed, false},
		{"role quota", "CreateRole", "LimitExceeded", contract.IdentityFailed, false},
		{"throttled", "CreateRole", "Throttling", contract.Throttled, false},
		{"concurrent change", "AttachRolePolicy", "ConcurrentModification", contract.ResourceBusy, false},
		{"managed policy missing", "AttachRolePolicy", "NoSuchEntity", contract.IdentityFailed, false},
		{"inline policy refused", "PutRolePolicy", "MalformedPolicyDocument", contract.IdentityFailed, true},
		{"profile quota", "CreateInstanceProfile", "LimitExceeded", contract.IdentityFailed, false},
		{"profile already holds a role", "AddRoleToInstanceProfile", "LimitExceeded", contract.IdentityFailed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.fault(tt.op, tt.code, 0)
			doc := newDoc()
			if tt.efs {
				doc.Resources.EFSID = "fs-0123456789abcdef0"
			}
			requireStepError(t, e.run(t, contract.ActionCreate, doc), tt.want, tt.code)
		})
	}
}

func TestCreateAdoptionLookupErrors(t *testing.T) {
	for _, op := range []string{"GetRole", "GetInstanceProfile"} {
		t.Run(op, func(t *testing.T) {
			e := newEnv(t)
			e.mustRun(t, contract.ActionCreate, newDoc())
			e.fault(op, "ServiceFailure", 0)
			requireStepError(t, e.run(t, contract.ActionCreate, newDoc()), contract.IdentityFailed, "ServiceFailure")
		})
	}
}

func TestFileSystemARN(t *testing.T) {
	tests := []struct {
		name, role, want string
		fails            bool
	}{
		{"commercial", "arn:aws:iam::123456789012:role/r", "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1", false},
		{"China partition", "arn:aws-cn:iam::123456789012:role/r", "arn:aws-cn:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1", false},
		{"not an ARN", "role/r", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := iam.FileSystemARN(tt.role, "eu-west-1", "fs-1")
			if tt.fails {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDeleteLeavesNothingAndSucceedsTwice(t *testing.T) {
	tests := []struct {
		name   string
		ledger func(built *document.Document) *document.Document
		efs    bool
	}{
		{"from the ledger, managed EFS policy", func(built *document.Document) *document.Document { return built }, false},
		{"from the ledger, inline EFS policy", func(built *document.Document) *document.Document { return built }, true},
		{"from a lost ledger, by name and tag", func(*document.Document) *document.Document { return newDoc() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			built := newDoc()
			if tt.efs {
				built.Resources.EFSID = "fs-1"
			}
			e.mustRun(t, contract.ActionCreate, built)
			doc := tt.ledger(built)
			doc.Error = &document.Failure{Error: contract.InstanceLaunchFailed}
			e.mustRun(t, contract.ActionDelete, doc)
			assert.Equal(t, document.StageRollback, doc.Progress.Stage)
			assert.Empty(t, e.w.Inventory())
			assert.Equal(t, []string{"IAM instance profile " + built.Resources.InstanceProfileName, "IAM role " + built.Resources.IAMRoleName}, doc.Removal.Deleted)

			// Again (a retry whose first attempt's record was lost): what
			// the ledger names is already gone, not never created.
			again := &document.Document{Request: doc.Request, Resources: built.Resources, Error: doc.Error}
			e.mustRun(t, contract.ActionDelete, again)
			assert.Equal(t, document.RemovalAlreadyGone, again.Removal.Status)
			assert.Len(t, again.Removal.AlreadyGone, 2)
			assert.Empty(t, again.Removal.NeverCreated)
		})
	}
}

func TestDeleteWithNothingCreated(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.mustRun(t, contract.ActionDelete, doc)
	assert.Equal(t, document.StageDestroy, doc.Progress.Stage)
	assert.Equal(t, []string{"IAM instance profile", "IAM role"}, doc.Removal.NeverCreated)
}

func TestDeleteLeavesAnotherOwnersEntities(t *testing.T) {
	e := newEnv(t)
	e.plant(t, "demo-efs-mount-role", "demo-instance-profile", "other")
	e.mustRun(t, contract.ActionDelete, newDoc())
	assert.Len(t, e.w.Inventory(), 2)
}

func TestDeleteErrors(t *testing.T) {
	tests := []struct {
		name, op, code, want string
	}{
		{"profile still holding a role", "DeleteInstanceProfile", "DeleteConflict", contract.ResourceBusy},
		{"profile delete denied", "DeleteInstanceProfile", "AccessDenied", contract.IdentityFailed},
		{"profile lookup fails", "GetInstanceProfile", "ServiceFailure", contract.IdentityFailed},
		{"role removal denied", "RemoveRoleFromInstanceProfile", "AccessDenied", contract.IdentityFailed},
		{"role still in use", "DeleteRole", "DeleteConflict", contract.ResourceBusy},
		{"role delete denied", "DeleteRole", "AccessDenied", contract.IdentityFailed},
		{"role lookup fails", "GetRole", "ServiceFailure", contract.IdentityFailed},
		{"listing attached policies fails", "ListAttachedRolePolicies", "ServiceFailure", contract.IdentityFailed},
		{"detach denied", "DetachRolePolicy", "AccessDenied", contract.IdentityFailed},
		{"listing inline policies fails", "ListRolePolicies", "ServiceFailure", contract.IdentityFailed},
		{"inline delete denied", "DeleteRolePolicy", "AccessDenied", contract.IdentityFailed},
		{"concurrent change", "DeleteRole", "ConcurrentModification", contract.ResourceBusy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc()
			doc.Resources.EFSID = "fs-1"
			e.mustRun(t, contract.ActionCreate, doc)
			e.fault(tt.op, tt.code, 0)
			requireStepError(t, e.run(t, contract.ActionDelete, doc), tt.want, tt.code)
		})
	}
}

func TestDeleteTreatsNoSuchEntityAsDone(t *testing.T) {
	for _, op := range []string{"RemoveRoleFromInstanceProfile", "DeleteInstanceProfile", "DetachRolePolicy", "DeleteRolePolicy", "DeleteRole"} {
		t.Run(op, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc()
			doc.Resources.EFSID = "fs-1"
			e.mustRun(t, contract.ActionCreate, doc)
			e.fault(op, "NoSuchEntity", 1)
			err := e.run(t, contract.ActionDelete, doc)
			if op == "RemoveRoleFromInstanceProfile" || op == "DetachRolePolicy" || op == "DeleteRolePolicy" {
				// The entity the fault hid is still there: deleting what holds it conflicts, and the retry clears it.
				requireStepError(t, err, contract.ResourceBusy, "DeleteConflict")
				e.mustRun(t, contract.ActionDelete, doc)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

// The instance role is created under the permissions boundary the
// backend's stack made for the region: the role can never do more than an
// instance needs, whatever policy it is later given. Without one (the
// local engine on an account without the backend) it is created bare.
func TestTheRoleIsCreatedUnderTheRegionsBoundary(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	other := e.model.PlantPolicy(contract.BoundaryPath, contract.BoundaryName("us-west-2"), contract.BoundaryDocument("aws"))
	boundary := e.model.PlantPolicy(contract.BoundaryPath, contract.BoundaryName(doc.Request.Region), contract.BoundaryDocument("aws"))
	require.NotEqual(t, other, boundary)
	e.mustRun(t, contract.ActionCreate, doc)
	role, err := e.iam.GetRole(context.Background(), &sdkiam.GetRoleInput{RoleName: aws.String(doc.Resources.IAMRoleName)})
	require.NoError(t, err)
	require.NotNil(t, role.Role.PermissionsBoundary)
	assert.Equal(t, boundary, aws.ToString(role.Role.PermissionsBoundary.PermissionsBoundaryArn), "its own region's")

	bare := newEnv(t)
	d := newDoc()
	bare.mustRun(t, contract.ActionCreate, d)
	role, err = bare.iam.GetRole(context.Background(), &sdkiam.GetRoleInput{RoleName: aws.String(d.Resources.IAMRoleName)})
	require.NoError(t, err)
	assert.Nil(t, role.Role.PermissionsBoundary)
}

func TestTheBoundaryAllowsWhatTheInstanceNeedsAndNothingElse(t *testing.T) {
	var doc struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(contract.BoundaryDocument("aws")), &doc))
	var actions []string
	for _, s := range doc.Statement {
		assert.Equal(t, "Allow", s.Effect)
		for _, a := range s.Action {
			assert.NotContains(t, a, "*", "no wildcard action")
			assert.False(t, strings.HasPrefix(a, "iam:") || strings.HasPrefix(a, "sts:"), "%s: no identity actions", a)
			actions = append(actions, a)
		}
	}
	assert.Contains(t, actions, "secretsmanager:GetSecretValue")
	assert.Contains(t, actions, "elasticfilesystem:ClientMount")
	assert.Contains(t, actions, "ssm:UpdateInstanceInformation")
}

func TestARoleWithoutTheBoundaryIsNotAdopted(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.mustRun(t, contract.ActionCreate, doc) // no boundary in the account yet: a bare role
	e.model.PlantPolicy(contract.BoundaryPath, contract.BoundaryName(doc.Request.Region), contract.BoundaryDocument("aws"))
	err := e.run(t, contract.ActionCreate, newDoc())
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, contract.IdentityFailed, se.Name)
	assert.Contains(t, se.Cause.Message, "without the permissions boundary")
	assert.Contains(t, se.Cause.Remediation, "Destroy the deployment")
}
