// Package statemachine builds GeuseMaker's Step Functions workflows from CDK
// constructs (JSONPath): Deploy (one definition for all three tiers, chosen
// at run time by the request), Destroy (the rollback flow on its own),
// Watch (announces an asynchronous CloudFront deployment) and Starter (starts
// Deploy from an EventBridge event, once per deployment id).
//
// Tier 2's builder calls Tier 1's and extends the fragments it returns, and
// Tier 3's extends Tier 2's: no state is written twice. Every wait is the
// same poll loop (Wait → status Task → Choice). The generated ASL is
// committed in statemachine/definition (*.asl.json, Lambda ARNs as ${Name}
// placeholders) and a golden test fails when it drifts from the code;
// regenerate it with `go run ./cmd/aslgen` (make asl).
//
// It imports the CDK, document (status keys) and steperr (error names). It
// must not import the steps, the simulated AWS or the local engine.
package statemachine
