package statemachine

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
)

// Destroy builds the Destroy workflow: the rollback flow on its own, for a
// document or {"request": ...} (the delete actions sweep by tag what the
// ledger lacks). It fails with contract.DestroyIncomplete when something was left
// behind, its cause the per-resource report.
func Destroy(scope constructs.Construct, t *Targets) sfn.IChainable {
	b := newBuilder(scope, t)
	incomplete := sfn.NewFail(scope, jsii.String("Destroy incomplete"), &sfn.FailProps{
		Error:     jsii.String(contract.DestroyIncomplete),
		CausePath: sfn.JsonPath_JsonToString(sfn.JsonPath_ObjectAt(jsii.String("$.rollback"))),
	})
	destroyed := sfn.NewSucceed(scope, jsii.String("Destroyed"), nil)
	left := lane{b: b, onError: incomplete, errorPath: "$.announce_error"}.
		publish("Publish destroy incomplete", contract.DetailDestroyIncomplete, reportDetail(document.StageDestroy, "Destroy incomplete: something was left behind"))
	left.Next(incomplete)
	completed := lane{b: b, onError: destroyed, errorPath: "$.announce_error"}.
		publish("Publish destroy completed", contract.DetailDestroyCompleted, reportDetail(document.StageDestroy, "Destroy completed"))
	completed.Next(destroyed)
	done := sfn.NewChoice(scope, jsii.String("Everything deleted?"), nil).
		When(leftBehind(), left, nil).
		Otherwise(completed)
	return b.acceptRequest(b.deleteAll(done, document.StageDestroy))
}

// leftBehind holds when a deletion of the report failed.
func leftBehind() sfn.Condition {
	var rules []sfn.Condition
	for _, k := range contract.ReportKeys() {
		rules = append(rules, sfn.Condition_IsPresent(jsii.String("$.rollback."+k+".Error")))
	}
	return sfn.Condition_Or(rules...)
}

func reportDetail(stage, message string) map[string]any {
	return map[string]any{
		"deployment_id": sfn.JsonPath_StringAt(jsii.String("$.request.deployment_id")),
		"stage":         stage,
		"message":       message,
		"percent":       100,
		"rollback":      sfn.JsonPath_ObjectAt(jsii.String("$.rollback")),
	}
}

// rollback builds the Deploy workflow's failure path and returns its entry,
// which every Catch of the main flow leads to (the error at $.error): the
// rollback flow, then Rollback Completed and Deployment Failed events, then
// a Fail named after the original error whose cause holds the original
// cause and the rollback report.
func (d *deployment) rollback() sfn.IChainable {
	b := d.b
	s := b.scope
	fail := sfn.NewFail(s, jsii.String("Deployment failed"), &sfn.FailProps{
		ErrorPath: jsii.String("$.error.Error"),
		CausePath: sfn.JsonPath_JsonToString(sfn.JsonPath_ObjectAt(jsii.String("$.failure"))),
	})
	failedDetail := map[string]any{
		"deployment_id": sfn.JsonPath_StringAt(jsii.String("$.request.deployment_id")),
		"stage":         document.StageRollback,
		"message":       "Deployment failed",
		"error":         sfn.JsonPath_StringAt(jsii.String("$.error.Error")),
		"cause":         sfn.JsonPath_ObjectAt(jsii.String("$.error.detail")),
	}
	// The rollback's outcome and Deployment Failed go out in one PutEvents
	// call (fewer transitions and history events). A request that failed
	// validation may lack a deployment id: then there is nobody to announce
	// to, and no event is sent.
	both := func(name, detailType, message string) sfn.IChainable {
		t := b.putEvents(name, event{detailType, reportDetail(document.StageRollback, message)}, event{contract.DetailFailed, failedDetail})
		t.AddCatch(fail, &sfn.CatchProps{Errors: jsii.Strings(errorsAll), ResultPath: jsii.String("$.announce_error")})
		return t.Next(fail)
	}
	outcome := sfn.NewChoice(s, jsii.String("Rollback left something?"), nil).
		When(leftBehind(), both("Publish rollback incomplete and deployment failed", contract.DetailRollbackIncomplete,
			"Rollback incomplete: something was left behind"), nil).
		Otherwise(both("Publish rollback completed and deployment failed", contract.DetailRollbackCompleted, "Rollback completed"))
	announce := sfn.NewChoice(s, jsii.String("Deployment id known?"), nil).
		When(sfn.Condition_IsPresent(jsii.String("$.request.deployment_id")), outcome, nil).
		Otherwise(fail)
	// describe_failure writes the failure report too ($.failure); should it
	// fail, a Pass writes it with the cause's text.
	report := sfn.NewPass(s, jsii.String("Failure report"), &sfn.PassProps{
		Parameters: &map[string]any{
			"error":    sfn.JsonPath_StringAt(jsii.String("$.error.Error")),
			"cause":    sfn.JsonPath_ObjectAt(jsii.String("$.error.detail")),
			"rollback": sfn.JsonPath_ObjectAt(jsii.String("$.rollback")),
		},
		ResultPath: jsii.String("$.failure"),
	})
	// What was created seconds ago may not be visible yet to the look-ups
	// the deletions sweep with, and EC2 answers NotFound for it even to
	// TerminateInstances ("Eventual consistency in the Amazon EC2 API"):
	// the rollback lets it settle first.
	settle := sfn.NewWait(s, jsii.String("Let AWS settle"), &sfn.WaitProps{
		Time: sfn.WaitTime_Duration(awscdk.Duration_Seconds(jsii.Number(settleSeconds))),
	})
	settle.Next(b.deleteAll(b.describeFailure("Describe failure", report).Next(announce), document.StageRollback))
	return settle
}

// settleSeconds is how long a rollback waits before its deletions: longer
// than EC2's visibility windows, which users see last seconds.
const settleSeconds = 15

// deleteAll builds the rollback flow and returns its entry; it continues at
// next. Independent deletions run in parallel (CloudFront's minutes do not
// hold up the instance, the file system or the secret). The load balancer
// goes after CloudFront in the same branch: behind a VPC origin ELBv2
// refuses to delete an ALB the VPC origin points at, and CloudFront the VPC
// origin until the distribution is gone. The security groups and then the
// network follow, once the ENIs that used them are gone. Each deletion's
// outcome lands in the report at $.rollback, and a failed one does not stop
// the others.
func (b *builder) deleteAll(next sfn.IChainable, stage string) sfn.IChainable {
	s := b.scope
	parallel := sfn.NewParallel(s, jsii.String("Delete resources"), &sfn.ParallelProps{
		ResultSelector: &map[string]any{
			contract.ReportCloudFront:   sfn.JsonPath_ObjectAt(jsii.String("$[0].rollback." + contract.ReportCloudFront)),
			contract.ReportLoadBalancer: sfn.JsonPath_ObjectAt(jsii.String("$[0].rollback." + contract.ReportLoadBalancer)),
			contract.ReportInstance:     sfn.JsonPath_ObjectAt(jsii.String("$[1]")),
			contract.ReportStorage:      sfn.JsonPath_ObjectAt(jsii.String("$[2]")),
			contract.ReportSecret:       sfn.JsonPath_ObjectAt(jsii.String("$[3]")),
		},
		ResultPath: jsii.String("$.rollback"),
	})
	// The edge branch keeps its two records in the document's report,
	// which every step returns as it got it: the branch's output.
	parallel.Branch(
		b.removalUnder("CloudFront", "$.rollback", contract.ReportCloudFront, stage, percentParallel, b.deleteDistribution).
			Next(b.removal("Load balancer", "$.rollback."+contract.ReportLoadBalancer, stage, percentParallel, b.deleteLoadBalancer)),
		b.deletion("Instance", stage, b.deleteInstance),
		b.deletion("Storage", stage, b.deleteFileSystem),
		b.deletion("Secret", stage, b.deleteSecret),
	)
	parallel.Next(b.deleteSecurityGroups(stage)).Next(b.deleteNetwork(stage)).Next(next)
	return parallel
}

// A teardown's progress, by where a family's removal ends: the Parallel's
// families in any order, then the security groups, then the network.
const (
	percentParallel       = 60
	percentSecurityGroups = 85
	percentNetwork        = 100
)

// deletion is one branch of the deletion Parallel: the family's removal
// (see removal), its record the branch's output.
func (b *builder) deletion(name, stage string, build func(l lane) sfn.Chain) sfn.Chain {
	return b.removal(name, "$", stage, percentParallel, build)
}

// removal runs a family's deletions on a fresh record (document.Removal)
// and puts the record at resultPath ("$" ends a Parallel branch with it,
// "$.rollback.<key>" adds it to the report in the main flow); when they
// fail, the record holds what they had done and the caught error, with
// status "left behind". Either way the returned chain goes on.
func (b *builder) removal(name, resultPath, stage string, percent int, build func(l lane) sfn.Chain) sfn.Chain {
	return b.removalUnder(name, resultPath, "", stage, percent, build)
}

// removalUnder is removal with the record at resultPath wrapped as
// {under: record} when under is set: the first record of a report that does
// not exist yet.
func (b *builder) removalUnder(name, resultPath, under, stage string, percent int, build func(l lane) sfn.Chain) sfn.Chain {
	const errPath = "$.removal_error"
	entry := removalEntry("$.removal")
	delete(entry, "status.$")
	entry["status"] = document.RemovalLeftBehind
	entry["Error.$"] = errPath + ".Error"
	entry["Cause.$"] = errPath + ".Cause"
	leftProps := &sfn.PassProps{Parameters: &entry, ResultPath: jsii.String(resultPath)}
	reportProps := &sfn.PassProps{InputPath: jsii.String("$.removal"), ResultPath: jsii.String(resultPath)}
	if under != "" {
		leftProps.Parameters = &map[string]any{under: entry}
		reportProps = &sfn.PassProps{Parameters: &map[string]any{under + ".$": "$.removal"}, ResultPath: jsii.String(resultPath)}
	}
	left := sfn.NewPass(b.scope, jsii.String(name+" left behind"), leftProps)
	report := sfn.NewPass(b.scope, jsii.String(name+" removal report"), reportProps)
	// What the family's deletions did, as progress of the teardown's stage.
	announce := b.announce("Publish "+strings.ToLower(name)+" removal", contract.DetailProgress, map[string]any{
		"deployment_id": sfn.JsonPath_StringAt(jsii.String("$.request.deployment_id")),
		"tier":          sfn.JsonPath_StringAt(jsii.String("$.request.tier")),
		"stage":         stage,
		"message":       sfn.JsonPath_Format(jsii.String(name+": {}"), sfn.JsonPath_StringAt(jsii.String("$.removal.status"))),
		"percent":       percent,
	})
	body := sfn.Chain_Start(b.startRemoval(name)).
		Next(build(lane{b: b, onError: left, errorPath: errPath})).
		Next(announce).
		Next(report)
	return sfn.Chain_Custom(body.StartState(), &[]sfn.INextable{report, left}, report)
}

// startRemoval starts a family's record at $.removal.
func (b *builder) startRemoval(name string) sfn.Pass {
	var fresh map[string]any
	raw, err := json.Marshal(document.NewRemoval())
	if err == nil {
		err = json.Unmarshal(raw, &fresh)
	}
	if err != nil { // a struct of strings and slices always round-trips
		panic(err)
	}
	return sfn.NewPass(b.scope, jsii.String("Start "+name+" removal"), &sfn.PassProps{
		Result:     sfn.Result_FromObject(&fresh),
		ResultPath: jsii.String("$.removal"),
	})
}

// removalEntry selects a document.Removal's fields at path, for a
// Parameters or ResultSelector block.
func removalEntry(path string) map[string]any {
	return map[string]any{
		"status.$":        path + ".status",
		"deleted.$":       path + ".deleted",
		"already_gone.$":  path + ".already_gone",
		"never_created.$": path + ".never_created",
		"kept.$":          path + ".kept",
	}
}

// polledRemoval is the removal, reported at $.rollback.<reportKey>, of a
// family whose delete action may wait on AWS (pending under statusKey):
// delete_status then runs it again until it is done.
func (b *builder) polledRemoval(label, reportKey, lambda, statusKey, stage string, percent int) sfn.Chain {
	return b.removal(label, "$.rollback."+reportKey, stage, percent, func(l lane) sfn.Chain {
		return sfn.Chain_Start(l.invoke("Delete "+strings.ToLower(label), lambda, contract.ActionDelete, retryBusy)).
			Next(b.when(label+" deletion pending?", pending(statusKey),
				l.poll(statusKey, label+" deletion", lambda, contract.ActionDeleteStatus)))
	})
}

// pending holds while the deletion that wrote $.status.<key> waits.
func pending(key string) sfn.Condition {
	return sfn.Condition_BooleanEquals(jsii.String("$.status."+key+".done"), jsii.Bool(false))
}
