package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
)

// The stack is synthesized once (a synth takes seconds); tests read it.
var (
	synthesized awscdk.Stack
	template    assertions.Template
	resources   map[string]resource
	// assetsDir holds a fake bootstrap per step Lambda.
	assetsDir string
)

type resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
}

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	os.Setenv("CDK_DISABLE_VERSION_CHECK", "true")
	code := func() int {
		assets, err := os.MkdirTemp("", "geusemaker-assets")
		if err != nil {
			panic(err)
		}
		assetsDir = assets
		defer os.RemoveAll(assets)
		for _, name := range contract.Lambdas() {
			dir := filepath.Join(assets, name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				panic(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("fake"), 0o755); err != nil {
				panic(err)
			}
		}
		// GIVEN the app as infra/main.go builds it, cdk-nag included
		app := awscdk.NewApp(nil)
		synthesized = New(app, "Test", &Props{
			StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}},
			AssetsDir:  assets, LogRetention: awslogs.RetentionDays_ONE_MONTH,
		})
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
		// WHEN it is synthesized
		template = assertions.Template_FromStack(synthesized, nil)
		var parsed struct{ Resources map[string]resource }
		raw, err := json.Marshal(template.ToJSON())
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(raw, &parsed); err != nil {
			panic(err)
		}
		resources = parsed.Resources
		return m.Run()
	}()
	jsii.Close()
	os.Exit(code)
}

func props(p map[string]any) *map[string]any { return &p }

func TestStepLambdasAreArmProvidedAL2023WithTracingAndLogs(t *testing.T) {
	template.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), props(map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Handler":       "bootstrap",
		"MemorySize":    256,
		"TracingConfig": map[string]any{"Mode": "Active"},
		"LoggingConfig": assertions.Match_ObjectLike(&map[string]any{"LogGroup": assertions.Match_AnyValue()}),
	}), jsii.Number(float64(len(contract.Lambdas()))))
	template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), props(map[string]any{
		"Description": "GeuseMaker step: cloudfront", "Timeout": 120,
	}))
	template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), props(map[string]any{
		"Description": "GeuseMaker step: validate", "Timeout": 60,
	}))
	template.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), props(map[string]any{
		"LogGroupName": EventsLogGroupName, "RetentionInDays": 30,
	}))
	for _, r := range resources {
		if r.Type == "AWS::Logs::LogGroup" {
			assert.EqualValues(t, 30, r.Properties["RetentionInDays"], "every log group has a retention")
		}
	}
}

func TestStateMachinesLogAndTrace(t *testing.T) {
	logged := map[string]any{
		"TracingConfiguration": map[string]any{"Enabled": true},
		"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{"Level": "ALL", "IncludeExecutionData": false}),
	}
	template.ResourcePropertiesCountIs(jsii.String("AWS::StepFunctions::StateMachine"), props(logged), jsii.Number(4))
	template.ResourcePropertiesCountIs(jsii.String("AWS::StepFunctions::StateMachine"), props(map[string]any{"StateMachineType": "STANDARD"}), jsii.Number(3))
	template.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), props(map[string]any{"StateMachineType": "EXPRESS"}))
	for _, name := range []string{OutputDeployArn, OutputDestroyArn, OutputWatchArn, OutputBusName} {
		template.HasOutput(jsii.String(name), props(map[string]any{}))
	}
}

func TestBusAndRules(t *testing.T) {
	template.HasResourceProperties(jsii.String("AWS::Events::EventBus"), props(map[string]any{"Name": "geusemaker"}))
	template.HasResourceProperties(jsii.String("AWS::Events::Rule"), props(map[string]any{
		"EventPattern": map[string]any{
			"detail-type": []any{"Deployment Requested"},
			"source":      []any{map[string]any{"anything-but": []any{"geusemaker"}}},
		},
		"Targets": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Arn": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Starter"))},
		})}),
	}))
	template.HasResourceProperties(jsii.String("AWS::Events::Rule"), props(map[string]any{
		"EventPattern": map[string]any{"source": []any{map[string]any{"prefix": "geusemaker"}}},
	}))
	// A request that cannot reach the Starter is retried, then kept.
	template.HasResourceProperties(jsii.String("AWS::Events::Rule"), props(map[string]any{
		"Name": "geusemaker-deployment-requested",
		"Targets": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"DeadLetterConfig": assertions.Match_ObjectLike(&map[string]any{"Arn": assertions.Match_AnyValue()}),
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 86400},
			"RoleArn":          assertions.Match_AnyValue(),
		})}),
	}))
	template.HasResourceProperties(jsii.String("AWS::SQS::Queue"), props(map[string]any{"SqsManagedSseEnabled": true}))
	// EventBridge may assume the target's role only for that rule.
	template.HasResourceProperties(jsii.String("AWS::IAM::Role"), props(map[string]any{
		"AssumeRolePolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
			"Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Condition": assertions.Match_ObjectLike(&map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
				"ArnEquals":    assertions.Match_ObjectLike(&map[string]any{"aws:SourceArn": assertions.Match_AnyValue()}),
			}),
		})}}),
	}))
}

// statements returns every IAM statement of the template with the logical
// id of its policy or role.
func statements(t *testing.T) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	add := func(id string, doc any) {
		raw, _ := json.Marshal(doc)
		var d struct{ Statement []map[string]any }
		require.NoError(t, json.Unmarshal(raw, &d))
		out[id] = append(out[id], d.Statement...)
	}
	for id, r := range resources {
		switch r.Type {
		case "AWS::IAM::Policy":
			add(id, r.Properties["PolicyDocument"])
		case "AWS::IAM::Role":
			if ps, ok := r.Properties["Policies"].([]any); ok {
				for _, p := range ps {
					add(id, p.(map[string]any)["PolicyDocument"])
				}
			}
		}
	}
	return out
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// Actions the state machines' roles hold on "*": CloudWatch Logs vended
// delivery and X-Ray take no resource ARN.
var machineUnscoped = []string{
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
	"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
}

func TestIAMHasNoWildcardActionsAndStarResourcesOnlyWhereAWSAllowsNothingElse(t *testing.T) {
	all := statements(t)
	require.NotEmpty(t, all)
	for id, stmts := range all {
		for _, st := range stmts {
			actions := list(st["Action"])
			for _, a := range actions {
				assert.NotContains(t, a.(string), "*", "%s: wildcard action %v", id, a)
			}
			for _, r := range list(st["Resource"]) {
				if r != "*" {
					continue
				}
				for _, a := range actions {
					_, lambda := unscoped[a.(string)]
					machine := false
					for _, m := range machineUnscoped {
						machine = machine || m == a
					}
					assert.True(t, lambda || machine, "%s: %v on * is not listed with a reason", id, a)
				}
			}
		}
	}
}

func TestLambdaPoliciesAreScoped(t *testing.T) {
	all := statements(t)
	find := func(action string) []map[string]any {
		var out []map[string]any
		for _, stmts := range all {
			for _, st := range stmts {
				for _, a := range list(st["Action"]) {
					if a == action {
						out = append(out, st)
					}
				}
			}
		}
		return out
	}
	passRole := find("iam:PassRole")
	require.NotEmpty(t, passRole)
	for _, st := range passRole {
		raw, _ := json.Marshal(st)
		assert.Contains(t, string(raw), "-efs-mount-role")
		assert.Contains(t, string(raw), `"iam:PassedToService":"ec2.amazonaws.com"`)
	}
	for _, st := range find("cloudfront:DeleteDistribution") {
		raw, _ := json.Marshal(st["Resource"])
		assert.Contains(t, string(raw), ":distribution/*")
	}
	for _, st := range find("ec2:TerminateInstances") {
		raw, _ := json.Marshal(st["Condition"])
		assert.Contains(t, string(raw), "aws:ResourceTag/geusemaker:deployment")
	}
	for _, st := range find("ec2:RunInstances") {
		raw, _ := json.Marshal(st)
		if strings.Contains(string(raw), "instance/*") {
			assert.Contains(t, string(raw), "aws:RequestTag/geusemaker:deployment")
			assert.Contains(t, string(raw), `"ec2:MetadataHttpTokens":"required"`, "IMDSv2 only")
			assert.Contains(t, string(raw), `"ec2:MetadataHttpPutResponseHopLimit":1`, "no container reaches IMDS")
		}
		if strings.Contains(string(raw), "volume/*") {
			assert.Contains(t, string(raw), `"ec2:Encrypted":"true"`, "encrypted volumes only")
		}
	}
	for _, st := range find("ssm:SendCommand") {
		raw, _ := json.Marshal(st["Resource"])
		assert.NotContains(t, string(raw), "AWS-RunShellScript", "no shell of the Lambda's choosing on instances")
	}
	template.HasResourceProperties(jsii.String("AWS::SSM::Document"), props(map[string]any{
		"Name": contract.GPUCheckDocument, "DocumentType": "Command",
		"Content": assertions.Match_ObjectLike(&map[string]any{"schemaVersion": "2.2"}),
	}))
	assert.Panics(t, func() { reads("s3:GetObject") }, "an unlisted action on * is a bug")
}

func TestCdkNagAwsSolutionsHasNoUnsuppressedFindings(t *testing.T) {
	//lint:ignore SA1019 the Go assertions module returns this type; its replacement is not in the Go bindings
	for _, find := range []func(*string, any) *[]*cxapi.SynthesisMessage{
		assertions.Annotations_FromStack(synthesized).FindError,
		assertions.Annotations_FromStack(synthesized).FindWarning,
	} {
		for _, msg := range *find(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
			//lint:ignore SA1019 as above
			t.Errorf("%s: %v", *msg.Id, msg.Entry.Data)
		}
	}
}

// flatten resolves a template string: plain, or an Fn::Join of strings
// and the partition's Ref (read as "aws").
func flatten(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if v["Ref"] == "AWS::Partition" {
			return "aws"
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			var parts []string
			for _, p := range join[1].([]any) {
				parts = append(parts, flatten(p))
			}
			return strings.Join(parts, join[0].(string))
		}
	}
	return fmt.Sprint(v)
}

// normalized is a policy document's statements as comparable text: the
// action lists and the flattened resource of each.
func normalized(doc map[string]any) []string {
	var out []string
	for _, st := range list(doc["Statement"]) {
		st := st.(map[string]any)
		var actions []string
		for _, a := range list(st["Action"]) {
			actions = append(actions, a.(string))
		}
		out = append(out, fmt.Sprintf("%v %v %s", st["Effect"], actions, flatten(st["Resource"])))
	}
	return out
}

// escalating are the IAM actions that shape what a role may do: whoever
// holds one unconditioned can mint a role with any power (and, with
// iam:PassRole, hand it to an instance).
var escalating = []string{
	"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
	"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:UpdateAssumeRolePolicy",
	"iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy",
	"iam:CreateUser", "iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:PutGroupPolicy",
	"iam:AttachGroupPolicy", "iam:AddUserToGroup", "iam:UpdateLoginProfile", "iam:CreateLoginProfile",
}

// TestNoLambdaCanMintARoleBeyondTheInstanceBoundary reads every policy of
// the synthesized template: the only role-shaping actions granted are
// the iam Lambda's on instance roles, each conditioned on the
// region's permissions boundary, and that boundary is the stack's own
// policy with exactly contract.BoundaryDocument in it.
func TestNoLambdaCanMintARoleBeyondTheInstanceBoundary(t *testing.T) {
	boundaryARN := "arn:aws:iam::123456789012:policy" + contract.BoundaryPath + contract.BoundaryName("us-east-1")
	for id, stmts := range statements(t) {
		for _, st := range stmts {
			for _, a := range list(st["Action"]) {
				if !slices.Contains(escalating, a.(string)) {
					continue
				}
				condition, _ := st["Condition"].(map[string]any)
				equals, _ := condition["StringEquals"].(map[string]any)
				assert.Equal(t, boundaryARN, flatten(equals["iam:PermissionsBoundary"]), "%s: %s without the boundary", id, a)
				for _, r := range list(st["Resource"]) {
					assert.True(t, strings.HasSuffix(flatten(r), "-efs-mount-role"), "%s: %s on %v, not an instance role", id, a, r)
				}
				assert.Contains(t, []string{"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy"}, a,
					"%s: %s is never needed", id, a)
			}
		}
	}
	var found bool
	for _, r := range resources {
		if r.Type != "AWS::IAM::ManagedPolicy" || r.Properties["ManagedPolicyName"] != contract.BoundaryName("us-east-1") {
			continue
		}
		found = true
		assert.Equal(t, contract.BoundaryPath, r.Properties["Path"])
		var want map[string]any
		require.NoError(t, json.Unmarshal([]byte(contract.BoundaryDocument("aws")), &want))
		assert.Equal(t, normalized(want), normalized(r.Properties["PolicyDocument"].(map[string]any)),
			"the boundary the step and the simulated account use")
	}
	assert.True(t, found, "the stack creates the boundary")
}

// TestEveryNagSuppressionNamesItsFindingsExactly: a suppression says
// which findings it covers by their exact strings, with a reason; never a
// pattern, which would also hide a wildcard added later.
func TestEveryNagSuppressionNamesItsFindingsExactly(t *testing.T) {
	n := 0
	for id, r := range resources {
		nag, _ := r.Metadata["cdk_nag"].(map[string]any)
		for _, rule := range list(nag["rules_to_suppress"]) {
			if rule == nil {
				continue
			}
			rule := rule.(map[string]any)
			n++
			assert.NotEmpty(t, rule["reason"], "%s: %v without a reason", id, rule["id"])
			for _, a := range list(rule["applies_to"]) {
				if a == nil {
					continue
				}
				s, ok := a.(string)
				assert.True(t, ok, "%s: %v applies to a pattern %v", id, rule["id"], a)
				assert.NotContains(t, s, "<Fn::", "%s: an unresolved name", id)
			}
		}
	}
	assert.Positive(t, n, "the template carries cdk-nag's suppressions")
}

// With deployers named, the bus refuses a Deployment Requested event from
// anyone else, the account's own principals included (an explicit deny);
// without, it has no policy of its own and IAM alone decides.
func TestOnlyTheNamedDeployersMayRequestADeployment(t *testing.T) {
	assert.Equal(t, []string{"arn:aws:iam::1:role/A", "arn:aws:iam::1:role/*/A"}, Deployers(" arn:aws:iam::1:role/A, arn:aws:iam::1:role/*/A,"))
	assert.Nil(t, Deployers("*"), "* is whoever IAM allows")
	assert.Nil(t, Deployers(""))
	assert.Zero(t, len(*template.FindResources(jsii.String("AWS::Events::EventBusPolicy"), nil)), "no deployers named: no bus policy")
	app := awscdk.NewApp(nil)
	named := New(app, "Named", &Props{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}},
		AssetsDir:  assetsDir, LogRetention: awslogs.RetentionDays_ONE_MONTH,
		Deployers: []string{"arn:aws:iam::123456789012:role/Deployer", "arn:aws:iam::123456789012:role/ci-*"},
	})
	assertions.Template_FromStack(named, nil).HasResourceProperties(jsii.String("AWS::Events::EventBusPolicy"), props(map[string]any{
		"Statement": assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Principal": "*", "Action": "events:PutEvents",
			"Condition": map[string]any{
				"StringEquals": map[string]any{"events:detail-type": contract.DetailRequested},
				"ArnNotLike":   map[string]any{"aws:PrincipalArn": []any{"arn:aws:iam::123456789012:role/Deployer", "arn:aws:iam::123456789012:role/ci-*"}},
			},
		}),
	}))
}
