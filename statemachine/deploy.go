package statemachine

import (
	"fmt"
	"strings"

	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	tasks "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
)

// Deploy builds the Deploy workflow: one definition for every tier, which
// Choices on the request select from (enable_alb, enable_cdn,
// wait_for_cloudfront) and on the launched instance type (GPU check).
func Deploy(scope constructs.Construct, t *Targets) sfn.IChainable {
	return tier3(newBuilder(scope, t)).assemble()
}

// deployment holds the open fragments of the Deploy workflow. Each tier's
// builder takes the previous tier's and extends these fields; assemble
// closes them into one definition.
type deployment struct {
	b *builder
	// main is the lane of the tasks outside the Parallel: their failures
	// go to the rollback.
	main lane
	// head runs before the Parallel: validate, network, security groups.
	head sfn.Chain
	// branches run in the Parallel; each catches its own failures.
	branches []*branch
	// instance is the branch that builds the file system, the role and the instance.
	instance *branch
	// alb is the load balancer branch (Tier 2 and up).
	alb *branch
	// afterMerge runs, in order, once the branches are merged.
	afterMerge []sfn.IChainable
	// finish runs last: finalize and the success event.
	finish sfn.Chain
}

// branch is one branch of the Parallel.
type branch struct {
	lane
	name string
	// start is the branch's first state.
	start sfn.IChainable
	// chain is the branch's open tail, which later tiers extend; assemble
	// ends it at done.
	chain sfn.Chain
	// done ends the branch when it succeeded (or had nothing to do).
	done sfn.Succeed
}

// newBranch adds a Parallel branch whose failures end it normally with the
// error at $.error; the caller sets its chain, built through its lane.
func (d *deployment) newBranch(name string) *branch {
	failed := sfn.NewSucceed(d.b.scope, jsii.String(name+" branch failed"), &sfn.SucceedProps{
		Comment: jsii.String("Ends the branch normally so that its partial ledger reaches the merge."),
	})
	br := &branch{
		lane: lane{b: d.b, onError: failed, errorPath: "$.error"},
		name: name,
		done: sfn.NewSucceed(d.b.scope, jsii.String(name+" branch done"), nil),
	}
	d.branches = append(d.branches, br)
	return br
}

// tier1 builds the dev tier: network, security groups, then in a Parallel
// branch the file system, the role and the instance; then finalize.
func tier1(b *builder) *deployment {
	d := &deployment{b: b}
	d.main = lane{b: b, onError: d.rollback(), errorPath: "$.error"}
	m := d.main

	// Preflight creates nothing: its failure ends the deployment without a
	// rollback.
	pre := lane{b: b, onError: d.preflightFailed(), errorPath: "$.error"}
	d.head = b.acceptRequest(m.invoke("Validate request", contract.Validate, contract.ActionValidate)).
		Next(pre.invoke("Preflight checks", contract.Preflight, contract.ActionCheck)).
		Next(m.progress("Publish preflight passed", nil)).
		Next(b.resolveNetwork(m)).
		Next(b.createSecurityGroups(m))

	d.instance = d.newBranch("Instance")
	in := d.instance.lane
	d.instance.chain = sfn.Chain_Start(b.createFileSystem(in)).
		// The role may read the secret, so the secret comes first.
		Next(b.createSecret(in)).
		// The instance profile propagates through IAM while EFS comes up,
		// so the launch rarely meets InstanceProfileNotReady.
		Next(b.createRole(in)).
		Next(b.mountFileSystem(in)).
		Next(b.launchInstance(in))
	d.instance.start = d.instance.chain

	// The smoke test runs last, after every tier's waits (Tier 2 appends
	// to afterMerge, which runs before finish).
	sm := lane{b: b, onError: d.smokeFailed(), errorPath: "$.error"}
	d.finish = sfn.Chain_Start(sm.invoke("Start smoke test", contract.Smoke, contract.ActionStart)).
		Next(b.when("Smoke test pending?", sfn.Condition_BooleanEquals(jsii.String("$.status."+contract.StatusSmoke+".done"), jsii.Bool(false)),
			sm.poll(contract.StatusSmoke, "Smoke test", contract.Smoke, contract.ActionStatus))).
		Next(m.progress("Publish smoke test passed", nil)).
		Next(m.invoke("Finalize", contract.Finalize, contract.ActionFinalize)).
		// The deployment succeeded: an announcement that cannot be
		// published must not roll it back.
		Next(b.announce("Publish deployment succeeded", contract.DetailSucceeded, map[string]any{
			"deployment_id": sfn.JsonPath_StringAt(jsii.String("$.request.deployment_id")),
			"tier":          sfn.JsonPath_StringAt(jsii.String("$.request.tier")),
			"stage":         document.StageFinalize,
			// finalize's message: the final CloudFront domain on Tier 3,
			// the n8n URL otherwise.
			"message":   sfn.JsonPath_StringAt(jsii.String("$.progress.message")),
			"percent":   100,
			"resources": sfn.JsonPath_ObjectAt(jsii.String("$.resources")),
		}))
	return d
}

// tier2 extends tier1 with the load balancer: a second Parallel branch that
// creates the ALB and waits until it is active; the instance's branch
// registers the instance once it runs, and after the merge the deployment
// waits for a healthy target.
func tier2(b *builder) *deployment {
	d := tier1(b)
	d.alb = d.newBranch("Load balancer")
	al := d.alb.lane
	// The branch's tail is the point where the load balancer is active,
	// which Tier 3 extends; without an ALB the branch ends at once.
	d.alb.chain = b.createLoadBalancer(al)
	d.alb.start = sfn.NewChoice(b.scope, jsii.String("Load balancer enabled?"), nil).
		When(isTrue("$.request.enable_alb"), d.alb.chain, nil).
		Otherwise(d.alb.done)

	in := d.instance.lane
	d.instance.chain = d.instance.chain.Next(b.when("Register target?", isTrue("$.request.enable_alb"), b.registerTarget(in)))
	m := d.main
	d.afterMerge = append(d.afterMerge, b.when("Target registered?", isTrue("$.request.enable_alb"), b.awaitHealthyTarget(m)))
	return d
}

// tier3 extends tier2 with CloudFront, reachable only once the load
// balancer's poll said active (its origin is the ALB's DNS name), the GPU
// check of a GPU instance, and the asynchronous CloudFront watcher.
func tier3(b *builder) *deployment {
	d := tier2(b)
	al := d.alb.lane
	d.alb.chain = d.alb.chain.Next(b.when("CloudFront enabled?", isTrue("$.request.enable_cdn"), b.createDistribution(al)))

	in := d.instance.lane
	d.instance.chain = d.instance.chain.Next(b.when("GPU instance?", isGPU(),
		b.checkGPU(in)))

	d.finish = d.finish.Next(b.when("Watch CloudFront?",
		sfn.Condition_And(isTrue("$.request.enable_cdn"),
			sfn.Condition_BooleanEquals(jsii.String("$.request.wait_for_cloudfront"), jsii.Bool(false))),
		sfn.Chain_Start(d.startWatch())))
	return d
}

// preflightFailed is where a failed preflight goes: nothing exists yet, so
// no rollback; Deployment Failed, then a Fail with the preflight's error.
func (d *deployment) preflightFailed() sfn.IChainable {
	return d.failWithout("Preflight failed", document.StagePreflight, "Preflight failed: nothing was created")
}

// smokeFailed is where a failed smoke test goes: the rollback, unless the
// request keeps the stack for debugging; then Deployment Failed (with the
// ledger of what was kept) and a Fail.
func (d *deployment) smokeFailed() sfn.IChainable {
	kept := d.failWithout("Smoke test failed, stack kept", document.StageSmoke,
		"Smoke test failed; the stack was kept (keep_on_smoke_failure): run the Destroy workflow to remove it")
	return sfn.NewChoice(d.b.scope, jsii.String("Keep on smoke failure?"), nil).
		When(isTrue("$.request.keep_on_smoke_failure"), kept, nil).
		Otherwise(d.main.onError)
}

// failWithout publishes Deployment Failed and fails with the error at
// $.error, without a rollback.
func (d *deployment) failWithout(name, stage, message string) sfn.IChainable {
	s := d.b.scope
	fail := sfn.NewFail(s, jsii.String(name), &sfn.FailProps{
		ErrorPath: jsii.String("$.error.Error"),
		CausePath: jsii.String("$.error.Cause"),
	})
	announce := lane{b: d.b, onError: fail, errorPath: "$.announce_error"}.
		publish("Publish "+strings.ToLower(name[:1])+name[1:], contract.DetailFailed, map[string]any{
			"deployment_id": sfn.JsonPath_StringAt(jsii.String("$.request.deployment_id")),
			"stage":         stage,
			"message":       message,
			"error":         sfn.JsonPath_StringAt(jsii.String("$.error.Error")),
			"cause":         sfn.JsonPath_ObjectAt(jsii.String("$.error.detail")),
			"resources":     sfn.JsonPath_ObjectAt(jsii.String("$.resources")),
		})
	announce.Next(fail)
	return d.b.describeFailure("Describe " + strings.ToLower(name[:1]) + name[1:]).Next(announce)
}

// isGPU holds when the launched instance (after capacity fallback) is of a
// GPU family: every current g* and p* family is (g4dn, g5, g5g, g6, g6e,
// p3, p4d, p5, ...).
func isGPU() sfn.Condition {
	const typ = "$.resources.instance_type"
	return sfn.Condition_And(sfn.Condition_IsPresent(jsii.String(typ)),
		sfn.Condition_Or(
			sfn.Condition_StringMatches(jsii.String(typ), jsii.String("g*")),
			sfn.Condition_StringMatches(jsii.String(typ), jsii.String("p*"))))
}

// startWatch starts the Watch workflow on the finished document, fire and
// forget. Its name is the deployment id plus a hash of this execution's id:
// a retried start of the same execution is the same start (StartExecution
// is idempotent for a running execution with the same name and input),
// while a later deployment with the same id gets a name of its own.
func (d *deployment) startWatch() sfn.TaskStateBase {
	t := tasks.NewStepFunctionsStartExecution(d.b.scope, jsii.String("Start CloudFront watcher"), &tasks.StepFunctionsStartExecutionProps{
		StateMachine:       d.b.t.Watch,
		IntegrationPattern: sfn.IntegrationPattern_REQUEST_RESPONSE,
		Name: sfn.JsonPath_Format(jsii.String("{}-cloudfront-{}"),
			sfn.JsonPath_StringAt(jsii.String("$.request.deployment_id")),
			sfn.JsonPath_Hash(sfn.JsonPath_ExecutionId(), jsii.String("MD5"))),
		Input:      sfn.TaskInput_FromJsonPathAt(jsii.String("$")),
		ResultPath: sfn.JsonPath_DISCARD(),
	})
	t.AddRetry(noRetry.props())
	t.AddRetry(retryService.props())
	return d.main.catch(t)
}

// assemble closes the fragments into the Deploy definition.
func (d *deployment) assemble() sfn.IChainable {
	b, m := d.b, d.main
	parallel := sfn.NewParallel(b.scope, jsii.String("Build resources"), &sfn.ParallelProps{
		// Each branch ends normally (errors at $.error); the defaults fill
		// the maps a branch may lack, so that the merge never reads an
		// absent path.
		ResultSelector: &map[string]any{
			"branches": sfn.JsonPath_EntirePayload(),
			"defaults": map[string]any{"status": map[string]any{}, "deadlines": map[string]any{}, "timings": map[string]any{}},
		},
		ResultPath: jsii.String("$"),
	})
	for _, br := range d.branches {
		br.chain.Next(br.done)
		parallel.Branch(br.start)
	}
	parallel.AddCatch(m.onError, &sfn.CatchProps{Errors: jsii.Strings(errorsAll), ResultPath: jsii.String("$.error")})

	failed := sfn.NewChoice(b.scope, jsii.String("Branch failed?"), nil)
	ends := otherwise(failed)
	failed.When(sfn.Condition_IsPresent(jsii.String("$.error")), m.onError, nil)
	d.head.Next(parallel).Next(d.merge()).Next(failed)
	chain := sfn.Chain_Custom(d.head.StartState(), &ends, failed)
	for _, step := range d.afterMerge {
		chain = chain.Next(step)
	}
	return chain.Next(d.finish).Next(sfn.NewSucceed(b.scope, jsii.String("Deployed"), nil))
}

// merge joins the branches' documents after the Parallel (Step Functions
// keeps nothing else of them). States.JsonMerge is shallow, which suits the
// document: the ledger is flat and every key of resources, status,
// deadlines and timings is written by one branch only. progress and error
// come from whichever branch has them, so a failed branch's error carries
// on to the rollback.
func (d *deployment) merge() sfn.Chain {
	s := d.b.scope
	n := len(d.branches)
	branch := func(i int) string { return fmt.Sprintf("$.branches[%d]", i) }
	filled := map[string]any{}
	for i := range n {
		filled[fmt.Sprintf("b%d", i)] = sfn.JsonPath_JsonMerge(sfn.JsonPath_ObjectAt(jsii.String("$.defaults")), sfn.JsonPath_ObjectAt(jsii.String(branch(i))))
	}
	documents := sfn.NewPass(s, jsii.String("Merge branch documents"), &sfn.PassProps{
		Parameters: &map[string]any{"whole": fold(n, branch), "filled": filled},
	})
	parts := map[string]any{}
	for _, key := range []string{"resources", "status", "deadlines", "timings"} {
		parts[key] = fold(n, func(i int) string { return fmt.Sprintf("$.filled.b%d.%s", i, key) })
	}
	ledgers := sfn.NewPass(s, jsii.String("Merge branch ledgers"), &sfn.PassProps{
		Parameters: &map[string]any{"doc": sfn.JsonPath_ObjectAt(jsii.String("$.whole")), "merged": parts},
	})
	merged := sfn.NewPass(s, jsii.String("Merged document"), &sfn.PassProps{
		Parameters: &map[string]any{"doc": sfn.JsonPath_JsonMerge(sfn.JsonPath_ObjectAt(jsii.String("$.doc")), sfn.JsonPath_ObjectAt(jsii.String("$.merged")))},
		OutputPath: jsii.String("$.doc"),
	})
	return sfn.Chain_Start(documents).Next(ledgers).Next(merged)
}

// fold merges the objects at path(0) … path(n-1), later ones winning.
func fold(n int, path func(int) string) any {
	var acc any = sfn.JsonPath_ObjectAt(jsii.String(path(0)))
	for i := 1; i < n; i++ {
		acc = sfn.JsonPath_JsonMerge(acc, sfn.JsonPath_ObjectAt(jsii.String(path(i))))
	}
	return acc
}
