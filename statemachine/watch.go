package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	tasks "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
)

// Watch builds the Watch workflow, which Deploy starts on its finished
// document when wait_for_cloudfront is false: the CloudFront poll loop
// (with the deadline the create action wrote), entered at its check since
// the distribution has been deploying for as long as the rest of the
// deployment took; then CloudFront Deployed on the bus, or CloudFront
// Failed and a Fail with the step's error. It does not roll anything back:
// the deployment itself succeeded.
func Watch(scope constructs.Construct, t *Targets) sfn.IChainable {
	b := newBuilder(scope, t)
	fail := sfn.NewFail(scope, jsii.String("CloudFront failed"), &sfn.FailProps{
		ErrorPath: jsii.String("$.error.Error"),
		CausePath: jsii.String("$.error.Cause"),
	})
	failed := progressDetail(cloudFrontFields)
	failed["stage"] = document.StageCDN
	failed["message"] = "CloudFront distribution failed to deploy"
	failed["error"] = sfn.JsonPath_StringAt(jsii.String("$.error.Error"))
	failed["cause"] = sfn.JsonPath_ObjectAt(jsii.String("$.error.detail"))
	delete(failed, "percent")
	announce := lane{b: b, onError: fail, errorPath: "$.announce_error"}.
		publish("Publish CloudFront failed", contract.DetailCloudFrontFailed, failed)
	announce.Next(fail)

	l := lane{b: b, onError: b.describeFailure("Describe CloudFront failure").Next(announce), errorPath: "$.error"}
	return l.pollNow(contract.StatusCloudFront, "CloudFront", contract.CloudFront, contract.ActionStatus,
		l.progress("Publish CloudFront progress", cloudFrontFields)).
		Next(l.publish("Publish CloudFront deployed", contract.DetailCloudFrontDeployed, progressDetail(cloudFrontFields))).
		Next(sfn.NewSucceed(scope, jsii.String("CloudFront deployed"), nil))
}

// Starter builds the Starter workflow (Express), the target of the rule on
// Deployment Requested events: it starts Deploy with the event's detail (a
// request) as input and the deployment id as execution name. An EventBridge
// rule cannot name the executions it starts, and events arrive at least
// once, so without this a duplicate event would deploy twice; with it, a
// duplicate meets ExecutionAlreadyExists (or, while the first runs with
// the same input, the same execution) and starts nothing. Names are
// reserved for 90 days: redeploying an id sooner goes through
// start-execution with a name of the caller's.
func Starter(scope constructs.Construct, t *Targets) sfn.IChainable {
	start := tasks.NewStepFunctionsStartExecution(scope, jsii.String("Start deployment"), &tasks.StepFunctionsStartExecutionProps{
		StateMachine:       t.Deploy,
		IntegrationPattern: sfn.IntegrationPattern_REQUEST_RESPONSE,
		Name:               sfn.JsonPath_StringAt(jsii.String("$.detail.deployment_id")),
		Input:              sfn.TaskInput_FromJsonPathAt(jsii.String("$.detail")),
		ResultPath:         sfn.JsonPath_DISCARD(),
	})
	start.AddRetry(noRetry.props())
	start.AddRetry(retryService.props())
	start.AddCatch(sfn.NewSucceed(scope, jsii.String("Already started"), nil), &sfn.CatchProps{
		Errors: jsii.Strings(errExecutionExists),
	})
	return start.Next(sfn.NewSucceed(scope, jsii.String("Started"), nil))
}
