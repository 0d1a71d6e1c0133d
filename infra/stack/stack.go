// Package stack defines GeuseMaker's CloudFormation stack: the step
// Lambdas, the Deploy, Destroy, Watch and Starter state machines, the
// "geusemaker" event bus with its rules, log groups, and least-privilege
// IAM. New is a pure function of its props; environment and context
// lookups belong to infra/main.go.
//
// It imports the CDK, cdk-nag and statemachine; nothing of the steps.
package stack

import (
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"geusemaker/internal/contract"
	"geusemaker/statemachine"
)

// Props configures the stack.
type Props struct {
	awscdk.StackProps
	// AssetsDir holds <lambda>/bootstrap for every step Lambda (make lambdas
	// builds them into "build").
	AssetsDir string
	// LogRetention is how long every log group keeps its events.
	LogRetention awslogs.RetentionDays
	// Deployers are the IAM principals (role or user ARNs, * wildcards
	// allowed) that may start a deployment with a Deployment Requested
	// event; the bus refuses that event from anyone else. Empty: IAM alone
	// decides (any principal of the account with events:PutEvents on the
	// bus).
	Deployers []string
}

// Deployers parses the deployers context: comma-separated principal ARNs;
// "*" is everyone IAM allows, which needs no bus policy.
func Deployers(list string) []string {
	if strings.TrimSpace(list) == "*" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// DefaultAssetsDir is where `make lambdas` puts the bootstraps.
const DefaultAssetsDir = "build"

// Output names of the stack.
const (
	OutputDeployArn  = "DeployStateMachineArn"
	OutputDestroyArn = "DestroyStateMachineArn"
	OutputWatchArn   = "WatchStateMachineArn"
	OutputBusName    = "EventBusName"
)

// EventsLogGroupName is the log group that receives every GeuseMaker event,
// for `aws logs tail /geusemaker/events --follow`.
const EventsLogGroupName = "/geusemaker/events"

// lambdaTimeouts are the step Lambdas' timeouts in seconds: one AWS call or
// a few per action; CloudFront's and EC2's calls with fallbacks take longer.
var lambdaTimeouts = map[string]float64{contract.Compute: 120, contract.CloudFront: 120}

const (
	defaultLambdaTimeout = 60
	lambdaMemoryMB       = 256
)

// New defines the stack.
func New(scope constructs.Construct, id string, props *Props) awscdk.Stack {
	sp := props.StackProps
	s := awscdk.NewStack(scope, jsii.String(id), &sp)
	retention := props.LogRetention
	logGroup := func(id, name string) awslogs.LogGroup {
		p := &awslogs.LogGroupProps{Retention: retention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY}
		if name != "" {
			p.LogGroupName = jsii.String(name)
		}
		return awslogs.NewLogGroup(s, jsii.String(id), p)
	}

	bus := awsevents.NewEventBus(s, jsii.String("Bus"), &awsevents.EventBusProps{EventBusName: jsii.String(contract.EventBusName)})
	if len(props.Deployers) > 0 {
		// An explicit deny in the bus's policy binds the account's own
		// principals too: only the named ones may request a deployment.
		awsevents.NewCfnEventBusPolicy(s, jsii.String("OnlyDeployersRequest"), &awsevents.CfnEventBusPolicyProps{
			EventBusName: bus.EventBusName(),
			StatementId:  jsii.String("OnlyDeployersRequestDeployments"),
			Statement: map[string]any{
				"Sid": "OnlyDeployersRequestDeployments", "Effect": "Deny", "Principal": "*",
				"Action": "events:PutEvents", "Resource": bus.EventBusArn(),
				"Condition": map[string]any{
					"StringEquals": map[string]any{"events:detail-type": contract.DetailRequested},
					"ArnNotLike":   map[string]any{"aws:PrincipalArn": props.Deployers},
				},
			},
		})
	}
	targets := &statemachine.Targets{Functions: map[string]awslambda.IFunction{}, Bus: bus}
	// The most any instance role may do; the iam Lambda creates and
	// changes instance roles only with it as their permissions boundary.
	boundary := awsiam.NewManagedPolicy(s, jsii.String("InstanceBoundary"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(contract.BoundaryName(*s.Region())),
		Path:              jsii.String(contract.BoundaryPath),
		Description:       jsii.String("GeuseMaker: the permissions boundary of every instance role"),
		Document:          awsiam.PolicyDocument_FromJson(mustDecode(contract.BoundaryDocument(*s.Partition()))),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(boundary, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("A boundary caps roles, it grants nothing: every GeuseMaker secret (each role's own policy names its one secret), " +
			"and the Systems Manager agent's actions, which take no resource ARN (as in AmazonSSMManagedInstanceCore)."),
		AppliesTo: &[]any{
			jsii.String("Resource::arn:<AWS::Partition>:secretsmanager:*:*:secret:geusemaker/*"),
			jsii.String("Resource::*"),
			jsii.String("Resource::arn:<AWS::Partition>:elasticfilesystem:*:*:file-system/*"),
		},
	}}, nil)
	// The GPU check's Run Command document: nvidia-smi, nothing else.
	awsssm.NewCfnDocument(s, jsii.String("GpuCheck"), &awsssm.CfnDocumentProps{
		Name:         jsii.String(contract.GPUCheckDocument),
		DocumentType: jsii.String("Command"),
		Content:      mustDecode(contract.GPUCheckDocumentContent()),
	})
	statements, wild := policies(s), wildcards(s)
	for _, name := range contract.Lambdas() {
		targets.Functions[name] = stepFunction(s, name, props.AssetsDir, logGroup("Logs"+name, ""), statements[name], wild[name])
	}

	machine := func(id string, build statemachine.Builder, typ sfn.StateMachineType) sfn.StateMachine {
		m := sfn.NewStateMachine(s, jsii.String(id), &sfn.StateMachineProps{
			DefinitionBody:   sfn.DefinitionBody_FromChainable(build(constructs.NewConstruct(s, jsii.String(id+"Definition")), targets)),
			StateMachineType: typ,
			QueryLanguage:    sfn.QueryLanguage_JSON_PATH,
			TracingEnabled:   jsii.Bool(true),
			Logs: &sfn.LogOptions{
				// The vendedlogs prefix keeps CloudWatch's resource policy small.
				Destination:          logGroup(id+"Logs", "/aws/vendedlogs/states/geusemaker-"+id),
				Level:                sfn.LogLevel_ALL,
				IncludeExecutionData: jsii.Bool(false),
			},
		})
		suppressMachineRole(s, m, targets.Functions)
		return m
	}
	targets.Watch = machine("Watch", statemachine.Watch, sfn.StateMachineType_STANDARD)
	deploy := machine("Deploy", statemachine.Deploy, sfn.StateMachineType_STANDARD)
	destroy := machine("Destroy", statemachine.Destroy, sfn.StateMachineType_STANDARD)
	targets.Deploy = deploy
	// Express: a single StartExecution per event, billed by duration.
	starter := machine("Starter", statemachine.Starter, sfn.StateMachineType_EXPRESS)

	// Deployment Requested → Starter, which names the Deploy execution after
	// the deployment id: an EventBridge target cannot name executions, and
	// events are delivered at least once. A Step Functions state machine
	// is the simplest such path: no code, no queue (Pipes cannot read a bus).
	// A request EventBridge could not hand to the Starter (throttled,
	// denied, or older than a day) lands in a queue, not in the void.
	undelivered := awssqs.NewQueue(s, jsii.String("UndeliveredRequests"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(undelivered, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself the dead-letter queue of the Deployment Requested rule's target."),
	}}, nil)
	// EventBridge assumes the target's role only for this rule of this
	// account (the confused-deputy conditions of "Using IAM roles for
	// EventBridge targets").
	ruleName := "geusemaker-deployment-requested"
	invoker := awsiam.NewRole(s, jsii.String("DeploymentRequestedInvoker"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": s.Account()},
				"ArnEquals": map[string]any{"aws:SourceArn": awscdk.Fn_Join(jsii.String(""), &[]*string{
					jsii.String("arn:"), s.Partition(), jsii.String(":events:"), s.Region(), jsii.String(":"), s.Account(),
					jsii.String(":rule/" + contract.EventBusName + "/" + ruleName),
				})},
			},
		}),
	})
	awsevents.NewRule(s, jsii.String("DeploymentRequested"), &awsevents.RuleProps{
		RuleName: jsii.String(ruleName),
		EventBus: bus,
		EventPattern: &awsevents.EventPattern{
			DetailType: jsii.Strings(contract.DetailRequested),
			// GeuseMaker's own events never start anything.
			Source: awsevents.Match_AnythingBut(jsii.String(contract.EventSource)),
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSfnStateMachine(starter, &awseventstargets.SfnStateMachineProps{
			Role:            invoker,
			DeadLetterQueue: undelivered,
			RetryAttempts:   jsii.Number(8),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
		})},
	})
	eventsLog := logGroup("EventsLogs", EventsLogGroupName)
	// The log group's resource policy lets EventBridge write to it. A native
	// AWS::Logs::ResourcePolicy and an L1 rule, because CDK's CloudWatch
	// Logs target writes that policy through a custom resource (a Node
	// Lambda with a managed policy and Resource "*").
	awslogs.NewResourcePolicy(s, jsii.String("EventsLogsPolicy"), &awslogs.ResourcePolicyProps{
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
			Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources:  jsii.Strings(*eventsLog.LogGroupArn()),
		})},
	})
	awsevents.NewCfnRule(s, jsii.String("AllEvents"), &awsevents.CfnRuleProps{
		Description:  jsii.String("Every GeuseMaker event, to " + EventsLogGroupName),
		EventBusName: bus.EventBusName(),
		EventPattern: map[string]any{"source": []any{map[string]any{"prefix": contract.EventSource}}},
		Targets: &[]any{&awsevents.CfnRule_TargetProperty{
			Id: jsii.String("EventsLog"),
			// EventBridge takes the log group's ARN without the ":*" suffix.
			Arn: s.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("logs"), Resource: jsii.String("log-group"),
				ResourceName: eventsLog.LogGroupName(), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			}),
		}},
	})

	output := func(name string, value *string) {
		awscdk.NewCfnOutput(s, jsii.String(name), &awscdk.CfnOutputProps{Value: value, ExportName: jsii.String(id + "-" + name)})
	}
	output(OutputDeployArn, deploy.StateMachineArn())
	output(OutputDestroyArn, destroy.StateMachineArn())
	output(OutputWatchArn, targets.Watch.StateMachineArn())
	output(OutputBusName, bus.EventBusName())
	return s
}

// stepFunction defines one step Lambda with its own role and log group.
func stepFunction(s awscdk.Stack, name, assetsDir string, logs awslogs.LogGroup, statements []awsiam.PolicyStatement, findings []string) awslambda.Function {
	rp := &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)}
	// A step that calls no AWS API (the smoke test) has no inline policy:
	// IAM rejects an empty one.
	if len(statements) > 0 {
		rp.InlinePolicies = &map[string]awsiam.PolicyDocument{
			"step": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
		}
	}
	// Instead of AWSLambdaBasicExecutionRole (cdk-nag IAM4): write access
	// to this function's log group only.
	role := awsiam.NewRole(s, jsii.String("Role"+name), rp)
	logs.GrantWrite(role)
	timeout, ok := lambdaTimeouts[name]
	if !ok {
		timeout = defaultLambdaTimeout
	}
	fn := awslambda.NewFunction(s, jsii.String("Fn"+name), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(assetsDir, name)), nil),
		MemorySize:   jsii.Number(lambdaMemoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(timeout)),
		Tracing:      awslambda.Tracing_ACTIVE,
		Role:         role,
		LogGroup:     logs,
		Description:  jsii.String("GeuseMaker step: " + name),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The step creates resources whose ids are unknown until run time: ARN patterns " +
			"(e.g. distribution/*, role/*-efs-mount-role) narrowed by geusemaker:deployment tag conditions; " +
			"'*' only for actions without resource-level permissions (listed in infra/stack/iam.go), " +
			"including X-Ray, which CDK adds for active tracing."),
		AppliesTo: exactly(findings),
	}}, jsii.Bool(true))
	return fn
}

// suppressMachineRole records why a state machine's generated role holds
// wildcards: CDK grants lambda:InvokeFunction on each function and its
// versions ("<arn>:*"), and X-Ray and CloudWatch Logs delivery take no
// resource ARN.
func suppressMachineRole(s awscdk.Stack, m sfn.StateMachine, functions map[string]awslambda.IFunction) {
	applies := []string{"Resource::*"}
	for _, name := range contract.Lambdas() {
		child := functions[name].Node().DefaultChild().(awscdk.CfnElement)
		applies = append(applies, "Resource::<"+*s.GetLogicalId(child)+".Arn>:*")
	}
	cdknag.NagSuppressions_AddResourceSuppressions(m.Role(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("lambda:InvokeFunction on <function arn>:* (versions of the step functions, granted by CDK); " +
			"X-Ray and CloudWatch Logs vended delivery actions do not support resource-level permissions."),
		AppliesTo: exactly(applies),
	}}, jsii.Bool(true))
}

// exactly is a suppression's appliesTo as exact finding strings, never a
// pattern: a wildcard added later is a new finding.
func exactly(findings []string) *[]any {
	out := make([]any, len(findings))
	for i, f := range findings {
		out[i] = jsii.String(f)
	}
	return &out
}

// mustDecode reads a JSON document built in Go (always valid).
func mustDecode(doc string) map[string]any {
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		panic(err)
	}
	return v
}
