package statemachine

import (
	"fmt"
	"geusemaker/internal/contract"
	"maps"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	tasks "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Targets are what the workflows call.
type Targets struct {
	// Functions holds every step Lambda by name (see contract.Lambdas).
	Functions map[string]awslambda.IFunction
	// Bus receives the progress events.
	Bus awsevents.IEventBus
	// Watch is the Watch state machine, started by Deploy when CloudFront
	// deploys asynchronously.
	Watch sfn.IStateMachine
	// Deploy is the Deploy state machine, started by Starter.
	Deploy sfn.IStateMachine
}

// Builder builds one workflow's definition into scope; the state names are
// the construct ids, so each workflow needs a scope of its own.
type Builder func(scope constructs.Construct, t *Targets) sfn.IChainable

// Error names of the Lambda service that Lambda tasks retry: CDK's default
// set plus TooManyRequestsException (concurrency throttling), which CDK
// leaves out.
var lambdaServiceErrors = []string{
	"Lambda.ClientExecutionTimeoutException",
	"Lambda.ServiceException",
	"Lambda.AWSLambdaException",
	"Lambda.SdkClientException",
	"Lambda.TooManyRequestsException",
}

const (
	errorsAll        = "States.ALL"
	errorsTaskFailed = "States.TaskFailed"
	// errExecutionExists is StartExecution's answer when an execution of that
	// name already ran (or runs with another input): here, a duplicate start.
	errExecutionExists = "StepFunctions.ExecutionAlreadyExistsException"
)

// retry is a Retry block's shape.
type retry struct {
	errors     []string
	interval   float64 // seconds
	attempts   float64
	backoff    float64
	maxDelay   float64 // seconds; 0 for none
	fullJitter bool
}

// The retry policies. Delays are chosen from the waits they cover.
var (
	// retryLambda covers the Lambda service's transient errors; CDK's
	// default timing (2 s, ×2, 6 attempts), with jitter so that parallel
	// branches throttled together do not retry together.
	retryLambda = retry{errors: lambdaServiceErrors, interval: 2, attempts: 6, backoff: 2, fullJitter: true}
	// retryThrottled covers AWS throttling that outlived the SDK's retries
	// (each attempt is itself up to 3 SDK attempts). In the load test (50
	// deployments at once in one account, internal/localrun) with tighter
	// write limits than the simulated defaults, 6 attempts ran out in about
	// 1 of 6–25 runs; 10 capped at 60 s (about 6 minutes in all) leave room.
	retryThrottled = retry{errors: []string{contract.Throttled}, interval: 2, attempts: 10, backoff: 2, maxDelay: 60, fullJitter: true}
	// retryProfile covers a fresh instance profile EC2 cannot use yet; IAM
	// usually propagates within 10–15 s (5+10+20+... up to ~5 min).
	retryProfile = retry{errors: []string{contract.InstanceProfileNotReady}, interval: 5, attempts: 6, backoff: 2}
	// retryBusy covers deletes blocked by something that goes away by
	// itself (a listener being removed, an instance still shutting down):
	// about 7 minutes in all.
	retryBusy = retry{errors: []string{contract.ResourceBusy}, interval: 5, attempts: 10, backoff: 2, maxDelay: 60}
	// retryService covers a service integration's transient failures
	// (EventBridge throttling or a failed entry, Step Functions API errors).
	retryService = retry{errors: []string{errorsTaskFailed}, interval: 2, attempts: 6, backoff: 2, fullJitter: true}
	// noRetry stops retryService from retrying a duplicate StartExecution:
	// the first matching retrier wins, and this one allows no attempt.
	noRetry = retry{errors: []string{errExecutionExists}}
)

func (r retry) props() *sfn.RetryProps {
	p := &sfn.RetryProps{Errors: jsii.Strings(r.errors...), MaxAttempts: jsii.Number(r.attempts)}
	if r.attempts > 0 {
		p.Interval = awscdk.Duration_Seconds(jsii.Number(r.interval))
		p.BackoffRate = jsii.Number(r.backoff)
	}
	if r.maxDelay > 0 {
		p.MaxDelay = awscdk.Duration_Seconds(jsii.Number(r.maxDelay))
	}
	if r.fullJitter {
		p.JitterStrategy = sfn.JitterType_FULL
	}
	return p
}

// builder creates the states of one workflow.
type builder struct {
	scope constructs.Construct
	t     *Targets
}

func newBuilder(scope constructs.Construct, t *Targets) *builder {
	return &builder{scope: scope, t: t}
}

// fn returns a step Lambda; a missing one is a wiring bug of the caller.
func (b *builder) fn(name string) awslambda.IFunction {
	f, ok := b.t.Functions[name]
	if !ok {
		panic(fmt.Sprintf("statemachine: no function %q in Targets.Functions", name))
	}
	return f
}

// lane is where a group of tasks sends its failures: every Task created
// through a lane catches States.ALL into onError, writing the error at
// errorPath. The main flow's lane leads to the rollback; a Parallel
// branch's lane ends the branch normally, so nothing is lost across the
// Parallel.
type lane struct {
	b         *builder
	onError   sfn.IChainable
	errorPath string
}

func (l lane) catch(t sfn.TaskStateBase) sfn.TaskStateBase {
	return t.AddCatch(l.onError, &sfn.CatchProps{Errors: jsii.Strings(errorsAll), ResultPath: jsii.String(l.errorPath)})
}

// invoke returns a Task that runs one action of a step Lambda on the whole
// document ({"action", "document.$": "$"}) and takes the updated document
// it returns as the state (ResultPath $). extra retries come after the
// Lambda and throttling retries.
func (l lane) invoke(name, lambda, action string, extra ...retry) tasks.LambdaInvoke {
	t := l.invokeTask(name, lambda, action, nil, "$", extra...)
	l.catch(t)
	return t
}

// invokeTask builds a Lambda Task without its Catch.
func (l lane) invokeTask(name, lambda, action string, selector *map[string]any, resultPath string, extra ...retry) tasks.LambdaInvoke {
	t := tasks.NewLambdaInvoke(l.b.scope, jsii.String(name), &tasks.LambdaInvokeProps{
		LambdaFunction: l.b.fn(lambda),
		Payload: sfn.TaskInput_FromObject(&map[string]any{
			"action":   action,
			"document": sfn.JsonPath_EntirePayload(),
		}),
		// The resource is the function's ARN and the result the document.
		PayloadResponseOnly: jsii.Bool(true),
		// CDK's default retry lacks Lambda.TooManyRequestsException:
		// retryLambda replaces it.
		RetryOnServiceExceptions: jsii.Bool(false),
		ResultSelector:           selector,
		ResultPath:               jsii.String(resultPath),
	})
	for _, r := range append([]retry{retryLambda, retryThrottled}, extra...) {
		t.AddRetry(r.props())
	}
	return t
}

// poll is the one wait loop of every resource, entered at its Wait: a
// Wait of $.status.<key>.next_poll_seconds, the status Task, then the
// Choice on $.status.<key>.done, whose not done goes back to the Wait. The
// action that starts the wait writes the status with its first interval
// (from document.Pace: just past the typical duration), and every status
// action the next one; next_poll_seconds is never omitted, so the Wait
// always finds it (0 when the starting action found the resource done
// already). The status action fails with Timeout past the deadline that
// the action starting the wait wrote, and with the family's error on a
// failed state. each, when given, runs after every check (e.g. a progress
// event). The returned chain continues when the resource is done.
func (l lane) poll(key, label, lambda, action string, each ...sfn.IChainable) sfn.Chain {
	p := l.loop(key, label, lambda, action, each)
	return sfn.Chain_Custom(p.wait, &p.ends, p.ready)
}

// pollNow is poll entered at its check, for a wait whose starting action
// ran long before (the Watch workflow starts once the deployment is over):
// the interval that action wrote is stale by then, and the check writes a
// fresh one.
func (l lane) pollNow(key, label, lambda, action string, each ...sfn.IChainable) sfn.Chain {
	p := l.loop(key, label, lambda, action, each)
	return sfn.Chain_Custom(p.check, &p.ends, p.ready)
}

// pollLoop is the states of a poll loop and its open ends (the Choice's
// done).
type pollLoop struct {
	wait  sfn.Wait
	check sfn.TaskStateBase
	ready sfn.Choice
	ends  []sfn.INextable
}

// loop builds the states of a poll loop; poll and pollNow pick its entry.
func (l lane) loop(key, label, lambda, action string, each []sfn.IChainable) pollLoop {
	s := l.b.scope
	p := pollLoop{
		wait: sfn.NewWait(s, jsii.String("Wait for "+label), &sfn.WaitProps{
			Time: sfn.WaitTime_SecondsPath(jsii.String("$.status." + key + ".next_poll_seconds")),
		}),
		check: l.invoke("Check "+label, lambda, action),
		ready: sfn.NewChoice(s, jsii.String(label+" done?"), nil),
	}
	chain := sfn.Chain_Start(p.wait).Next(p.check)
	for _, e := range each {
		chain = chain.Next(e)
	}
	chain.Next(p.ready)
	p.ends = otherwise(p.ready)
	p.ready.When(sfn.Condition_BooleanEquals(jsii.String("$.status."+key+".done"), jsii.Bool(false)), p.wait, nil)
	return p
}

// otherwise returns the open end that a Choice's Otherwise becomes once the
// chain is continued. Call it before adding When rules, so that the ends of
// their bodies are not taken as well.
func otherwise(choice sfn.Choice) []sfn.INextable {
	return *choice.Afterwards(&sfn.AfterwardsOptions{IncludeOtherwise: jsii.Bool(true)}).EndStates()
}

// when is a Choice named name that runs body only when cond holds; the
// returned chain continues from the end of body and from the skip.
func (b *builder) when(name string, cond sfn.Condition, body sfn.Chain) sfn.Chain {
	choice := sfn.NewChoice(b.scope, jsii.String(name), nil)
	ends := otherwise(choice)
	choice.When(cond, body, nil)
	ends = append(*body.EndStates(), ends...)
	return sfn.Chain_Custom(choice, &ends, choice)
}

// isTrue is a Choice rule on a request flag.
func isTrue(path string) sfn.Condition {
	return sfn.Condition_BooleanEquals(jsii.String(path), jsii.Bool(true))
}

// publish returns a Task that puts one event on the bus without touching
// the document (ResultPath null); its failure goes to the lane's onError.
func (l lane) publish(name, detailType string, detail map[string]any) tasks.EventBridgePutEvents {
	t := l.b.putEvent(name, detailType, detail)
	l.catch(t)
	return t
}

func (b *builder) putEvent(name, detailType string, detail map[string]any) tasks.EventBridgePutEvents {
	return b.putEvents(name, event{detailType, detail})
}

// event is one entry of a PutEvents Task.
type event struct {
	detailType string
	detail     map[string]any
}

// putEvents puts events on the bus in one PutEvents call, in order.
func (b *builder) putEvents(name string, events ...event) tasks.EventBridgePutEvents {
	var entries []*tasks.EventBridgePutEventsEntry
	for _, e := range events {
		entries = append(entries, &tasks.EventBridgePutEventsEntry{
			Detail:     sfn.TaskInput_FromObject(&e.detail),
			DetailType: jsii.String(e.detailType),
			EventBus:   b.t.Bus,
			Source:     jsii.String(contract.EventSource),
		})
	}
	t := tasks.NewEventBridgePutEvents(b.scope, jsii.String(name), &tasks.EventBridgePutEventsProps{
		Entries: &entries, ResultPath: sfn.JsonPath_DISCARD(),
	})
	t.AddRetry(retryService.props())
	return t
}

// progress publishes the document's progress as a Deployment Progress event:
// deployment_id and tier from the request; stage, message and percent from
// $.progress, which every step action sets; plus extra fields by path.
func (l lane) progress(name string, extra map[string]any) sfn.Chain {
	return l.b.announce(name, contract.DetailProgress, progressDetail(extra))
}

// announce publishes an event that reports on a run without deciding it
// (progress, a deployment's success); one that cannot be published (after
// its retries) is skipped: it never fails a deployment or a deletion.
func (b *builder) announce(name, detailType string, detail map[string]any) sfn.Chain {
	t := b.putEvent(name, detailType, detail)
	skipped := sfn.NewPass(b.scope, jsii.String(name+" skipped"), &sfn.PassProps{
		Comment: jsii.String("The progress event could not be published; the run goes on."),
	})
	t.AddCatch(skipped, &sfn.CatchProps{Errors: jsii.Strings(errorsAll), ResultPath: sfn.JsonPath_DISCARD()})
	return sfn.Chain_Custom(t, &[]sfn.INextable{t, skipped}, t)
}

func progressDetail(extra map[string]any) map[string]any {
	d := map[string]any{
		"deployment_id": sfn.JsonPath_StringAt(jsii.String("$.request.deployment_id")),
		"tier":          sfn.JsonPath_StringAt(jsii.String("$.request.tier")),
		"stage":         sfn.JsonPath_StringAt(jsii.String("$.progress.stage")),
		"message":       sfn.JsonPath_StringAt(jsii.String("$.progress.message")),
		"percent":       sfn.JsonPath_NumberAt(jsii.String("$.progress.percent")),
	}
	maps.Copy(d, extra)
	return d
}

// cloudFrontFields are the CloudFront fields of progress events, present
// once the distribution exists: its id and domain, and the wait's own
// estimate (stage_percent) beside the deployment's overall percent.
var cloudFrontFields = map[string]any{
	"resource_id":       sfn.JsonPath_StringAt(jsii.String("$.progress.resource_id")),
	"cloudfront_domain": sfn.JsonPath_StringAt(jsii.String("$.progress.cloudfront_domain")),
	"stage_percent":     sfn.JsonPath_NumberAt(jsii.String("$.progress.stage_percent")),
}

// describeFailure decodes the caught error's cause at $.error into
// $.error.detail, and the failure report into $.failure (finalize's
// describe_failure), for failure events whose cause rules can match on
// (step, AWS error code); should that Lambda fail too, the detail is the
// cause's text as its message, then the fallback states run. name
// prefixes the states; the chain goes on either way.
func (b *builder) describeFailure(name string, fallback ...sfn.INextable) sfn.Chain {
	text := sfn.NewPass(b.scope, jsii.String(name+" as text"), &sfn.PassProps{
		Parameters: &map[string]any{"message": sfn.JsonPath_StringAt(jsii.String("$.error.Cause"))},
		ResultPath: jsii.String("$.error.detail"),
	})
	task := lane{b: b, onError: text, errorPath: "$.describe_error"}.invoke(name, contract.Finalize, contract.ActionDescribeFailure)
	last := sfn.INextable(text)
	for _, f := range fallback {
		last.Next(f.(sfn.IChainable))
		last = f
	}
	ends := []sfn.INextable{task, last}
	return sfn.Chain_Custom(task, &ends, task)
}

// acceptRequest lets a workflow take either a document ({"request": ...})
// or a bare request (what `start-execution --input file://events/...` and
// the Deployment Requested event carry), and wraps the latter.
func (b *builder) acceptRequest(next sfn.IChainable) sfn.Chain {
	wrap := sfn.NewPass(b.scope, jsii.String("Wrap request"), &sfn.PassProps{
		Parameters: &map[string]any{"request": sfn.JsonPath_EntirePayload()},
	})
	wrap.Next(next)
	choice := sfn.NewChoice(b.scope, jsii.String("Document or request?"), nil)
	choice.When(sfn.Condition_IsPresent(jsii.String("$.request")), next, nil)
	choice.Otherwise(wrap)
	return sfn.Chain_Custom(choice, next.EndStates(), next)
}
