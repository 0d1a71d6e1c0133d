package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"

	"geusemaker/internal/clock"
	"geusemaker/internal/engine"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/sim/account"
)

// Job is one execution among many (RunAll): a workflow, the execution's
// name, and its input (a request).
type Job struct {
	Workflow Workflow
	Name     string
	Input    []byte
}

// Result is how one Job ended.
type Result struct {
	Job
	// DeploymentID is the job's deployment, read from its input.
	DeploymentID string
	Execution    *engine.Execution
	// Children are the executions this job started (the CloudFront
	// watcher), each ended.
	Children []*engine.Execution
}

// RunAll runs the jobs concurrently, as many executions started at once in
// one account, on the Runner's clock: on a virtual clock they share one
// timeline, so their waits overlap as they would on AWS. Each job's AWS
// calls carry its deployment id (account.WithCaller), so the simulated
// account's call log attributes every call to its deployment. RunAll
// returns when every job and every execution the jobs started has ended,
// with the results in job order.
//
// Call it from a goroutine the clock counts as working (the one that
// created a virtual clock), and not beside another Run or RunAll of the
// same Runner: the started executions are told apart by deployment.
func (r *Runner) RunAll(ctx context.Context, jobs []Job) ([]Result, error) {
	r.useEnvironments()
	results := make([]Result, len(jobs))
	fns := make([]func(), len(jobs))
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		eng, ok := r.engines[j.Workflow]
		if !ok {
			return nil, fmt.Errorf("run %s: no %s definition", j.Name, j.Workflow)
		}
		id := deploymentOf(j.Input)
		results[i] = Result{Job: j, DeploymentID: id}
		fns[i] = func() {
			results[i].Execution, errs[i] = eng.Run(account.WithCaller(ctx, id), j.Name, j.Input)
		}
	}
	r.mu.Lock()
	before := len(r.started)
	r.mu.Unlock()

	clock.Parallel(r.cfg.Clock, fns...)
	// Every job has ended, so every child has been added to the group:
	// waiting now cannot race a child's start.
	clock.Idle(r.cfg.Clock, r.children.Wait)

	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", jobs[i].Name, err)
		}
	}
	r.mu.Lock()
	started := append([]*engine.Execution(nil), r.started[before:]...)
	r.mu.Unlock()
	for _, child := range started {
		id := deploymentOf(child.Input)
		for i := range results {
			if results[i].DeploymentID == id {
				results[i].Children = append(results[i].Children, child)
				break
			}
		}
	}
	return results, nil
}

// deploymentOf reads the deployment id from an execution's input: a
// request ({"deployment_id"}) or a deployment document ({"request":
// {"deployment_id"}}), as the watcher gets it. Anything else has none.
func deploymentOf(input []byte) string {
	var in struct {
		DeploymentID string `json:"deployment_id"`
		Request      struct {
			DeploymentID string `json:"deployment_id"`
		} `json:"request"`
	}
	if json.Unmarshal(input, &in) != nil {
		return ""
	}
	if in.DeploymentID != "" {
		return in.DeploymentID
	}
	return in.Request.DeploymentID
}

// environments are one Lambda function's execution environments. Lambda
// runs each concurrent invocation in an environment of its own, built by
// the function's init (its SDK clients, with their own retry quota) and
// reused by later invocations once free. Sharing one handler between
// concurrent invocations would also share its response buffer:
// lambda.NewHandler's Invoke returns bytes of a pooled buffer that it has
// already put back for the next Invoke to overwrite.
type environments struct {
	build func() lambda.Handler
	mu    sync.Mutex
	free  []lambda.Handler
}

// Invoke runs payload in a free environment (a new one if none is free)
// and returns a copy of its response, taken before the environment can
// serve anyone else.
func (e *environments) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	e.mu.Lock()
	var h lambda.Handler
	if n := len(e.free); n > 0 {
		h, e.free = e.free[n-1], e.free[:n-1]
	} else {
		h = e.build()
	}
	e.mu.Unlock()
	out, err := h.Invoke(ctx, payload)
	out = bytes.Clone(out)
	e.mu.Lock()
	e.free = append(e.free, h)
	e.mu.Unlock()
	return out, err
}

// useEnvironments gives every step Lambda execution environments, so
// concurrent executions invoke it as Lambda would. Runner.Run's single
// execution keeps New's one handler per function.
func (r *Runner) useEnvironments() {
	for name, build := range r.cfg.Steps {
		fn := namePrefix + name
		if _, done := r.handlers[fn].(*environments); done {
			continue
		}
		r.handlers[fn] = &environments{build: func() lambda.Handler {
			return lambda.NewHandler(lambdaio.Handler(name, build(r.cfg.AWS, r.cfg.Clock, r.cfg.Log), r.cfg.Log))
		}}
	}
}
