package contract

// EventSource is the source of every event the workflows publish. Requests
// come from other sources (e.g. "geusemaker.client"), so the rule that
// starts deployments never matches GeuseMaker's own events.
const EventSource = "geusemaker"

// EventBusName is the name of the custom bus the workflows publish to.
const EventBusName = "geusemaker"

// Detail types of the events on the bus.
const (
	// DetailRequested starts a deployment; its detail is a request.
	DetailRequested = "Deployment Requested"
	// DetailProgress reports a stage.
	DetailProgress = "Deployment Progress"
	// DetailSucceeded ends a deployment that succeeded.
	DetailSucceeded = "Deployment Succeeded"
	// DetailFailed ends a deployment that failed (after its rollback).
	DetailFailed = "Deployment Failed"
	// DetailRollbackCompleted reports a rollback that left nothing behind,
	// with its per-resource report.
	DetailRollbackCompleted = "Rollback Completed"
	// DetailRollbackIncomplete reports a rollback that could not delete
	// something: the report names it and why.
	DetailRollbackIncomplete = "Rollback Incomplete"
	// DetailDestroyCompleted reports a destroy that left nothing behind.
	DetailDestroyCompleted = "Destroy Completed"
	// DetailDestroyIncomplete reports a destroy that could not delete
	// something.
	DetailDestroyIncomplete = "Destroy Incomplete"
	// DetailCloudFrontDeployed is the watcher's announcement that an
	// asynchronous distribution reached Deployed.
	DetailCloudFrontDeployed = "CloudFront Deployed"
	// DetailCloudFrontFailed is the watcher's announcement of a failure.
	DetailCloudFrontFailed = "CloudFront Failed"
)

// Published returns the detail types the workflows publish (all but
// Deployment Requested, which starts them), as events/bus.schema.json
// defines them.
func Published() []string {
	return []string{DetailProgress, DetailSucceeded, DetailFailed, DetailRollbackCompleted, DetailRollbackIncomplete,
		DetailDestroyCompleted, DetailDestroyIncomplete, DetailCloudFrontDeployed, DetailCloudFrontFailed}
}
