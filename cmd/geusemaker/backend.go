package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"geusemaker/internal/document"
)

// watchFlags are the flags of the commands that follow an execution.
type watchFlags struct {
	jsonOut  bool
	detach   bool
	interval time.Duration
}

func (w *watchFlags) register(fs *flag.FlagSet, detachable bool) {
	fs.BoolVar(&w.jsonOut, "json", false, "print the final report as JSON on stdout (progress goes to stderr)")
	fs.DurationVar(&w.interval, "interval", 5*time.Second, "time between two looks at the execution's history")
	if detachable {
		fs.BoolVar(&w.detach, "detach", false, "print the execution ARN and return at once instead of watching")
	}
}

// watch follows the execution arn of workflow to its end, prints the
// progress and the report, and returns the exit status.
func (a *app) watch(ctx context.Context, be *backend, workflow, arn string, wf watchFlags) int {
	if wf.detach {
		fmt.Fprintln(a.stdout, arn)
		return exitOK
	}
	fmt.Fprintf(a.stderr, "following %s\n  console: %s\n", arn, consoleURL(be.region, arn))
	d, w, err := follow(ctx, be.sfn, arn, wf.interval, a.clock, newProgress(a.stderr).event)
	if err != nil {
		return a.fail(workflow, err)
	}
	sfnReport(ctx, be.sfn, workflow, be.region, d, w).show(a.stdout, wf.jsonOut)
	if d.Status != types.ExecutionStatusSucceeded {
		return exitFailed
	}
	return exitOK
}

func (a *app) deployCmd(ctx context.Context, args []string) int {
	var bf backendFlags
	var wf watchFlags
	var input, id, tier string
	fs := a.newFlags("deploy")
	bf.register(fs)
	wf.register(fs, true)
	fs.StringVar(&input, "input", "", "deployment request (JSON), e.g. events/tier3-gpu.json")
	fs.StringVar(&id, "id", "", "deployment id (sets deployment_id; with no --input, the request is {deployment_id, tier, region})")
	fs.StringVar(&tier, "tier", "", "tier: dev, automation or gpu (sets tier)")
	rest, err := parseFlags(fs, args)
	if err == nil && len(rest) == 1 && input == "" {
		input, rest = rest[0], nil
	}
	if err == nil {
		err = positional(rest)
	}
	if err == nil && input == "" && id == "" {
		err = usageErrorf("give a request file (REQUEST.json or --input FILE) or --id ID")
	}
	var raw []byte
	if err == nil && input != "" {
		// --region names the backend's region, which is the deployment's.
		raw, err = requestFile(input, map[string]string{"deployment_id": id, "tier": tier, "region": bf.region})
	}
	if err != nil {
		return a.fail("deploy", err)
	}
	be, err := bf.connect(ctx)
	if err != nil {
		return a.fail("deploy", err)
	}
	if raw == nil {
		raw, _ = json.Marshal(map[string]string{"deployment_id": id, "tier": cmp.Or(tier, string(document.TierDev)), "region": be.region})
	}
	req, err := document.Parse(raw)
	if err != nil {
		return a.fail("deploy", usageErrorf("request: %v", err))
	}
	if req.Region != be.region {
		// The backend's Lambdas work in its own region (the validate step
		// says so too, after a state transition that costs money).
		return a.fail("deploy", usageErrorf("the request deploys into %s, the backend is in %s: set \"region\": %q in the request, or use the backend of %s (--region)", req.Region, be.region, be.region, req.Region))
	}

	arn := executionARN(be.deploy, req.DeploymentID)
	_, err = be.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &be.deploy, Name: &req.DeploymentID, Input: aws.String(string(raw))})
	var exists *types.ExecutionAlreadyExists
	var noMachine *types.StateMachineDoesNotExist
	switch {
	case err == nil:
		// Also what Step Functions answers when the same name and input
		// are running already: that execution, not a second one.
		fmt.Fprintf(a.stderr, "deployment %s started\n", req.DeploymentID)
	case errors.As(err, &exists):
		// A running execution with other input, or a finished one: a
		// Standard workflow's name is taken for 90 days after it closes.
		d, err := describe(ctx, be.sfn, arn)
		if err != nil {
			return a.fail("deploy", err)
		}
		if d.Status == types.ExecutionStatusRunning {
			fmt.Fprintf(a.stderr, "deployment %s is already running (since %s); following it, nothing new was started\n", req.DeploymentID, aws.ToTime(d.StartDate).UTC().Format(time.RFC3339))
			break
		}
		fmt.Fprintf(a.stderr, "deployment %s already ran (%s, %s); nothing was started: Step Functions keeps an execution's name for 90 days after it ends, so a deployment id runs once.\n",
			req.DeploymentID, d.Status, aws.ToTime(d.StopDate).UTC().Format(time.RFC3339))
		if d.Status != types.ExecutionStatusSucceeded {
			fmt.Fprintf(a.stderr, "To try again: `geusemaker destroy %s` removes anything left, then deploy under a new deployment_id.\n", req.DeploymentID)
		}
	case errors.As(err, &noMachine):
		return a.fail("deploy", setupErrorf("the Deploy state machine %s does not exist: deploy the stack with `make deploy`, or fix --deploy-arn", be.deploy))
	default:
		return a.fail("deploy", explain(fmt.Errorf("start execution %s: %w", arn, err)))
	}
	return a.watch(ctx, be, "deploy", arn, wf)
}

// requestFile reads a request file, with the flags' id and tier set in it.
func requestFile(path string, overrides map[string]string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	set := map[string]string{}
	for k, v := range overrides {
		if v != "" {
			set[k] = v
		}
	}
	if len(set) == 0 {
		// Sent as it is, so the same command twice sends the same input.
		return raw, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, usageErrorf("%s: %v", path, err)
	}
	for k, v := range set {
		m[k] = v
	}
	return json.Marshal(m) // sorted keys: the same flags give the same input
}

func (a *app) watchCmd(ctx context.Context, args []string) int {
	var bf backendFlags
	var wf watchFlags
	fs := a.newFlags("watch")
	bf.register(fs)
	wf.register(fs, false)
	rest, err := parseFlags(fs, args)
	if err == nil {
		err = positional(rest, "ID|EXECUTION-ARN")
	}
	if err != nil {
		return a.fail("watch", err)
	}
	target := rest[0]
	workflow := "deploy"
	if strings.HasPrefix(target, "arn:") {
		// An execution ARN names its region and needs no stack.
		parts := strings.Split(target, ":")
		if len(parts) < 8 || parts[5] != "execution" {
			return a.fail("watch", usageErrorf("%s is not an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME)", target))
		}
		bf.region = cmp.Or(bf.region, parts[3])
		bf.deployARN = strings.Replace(strings.Join(parts[:7], ":"), ":execution:", ":stateMachine:", 1)
		bf.destroyARN = bf.deployARN
		workflow = parts[6]
	}
	be, err := bf.connect(ctx)
	if err != nil {
		return a.fail("watch", err)
	}
	arn := target
	if !strings.HasPrefix(target, "arn:") {
		arn = executionARN(be.deploy, target)
	}
	if _, err := describe(ctx, be.sfn, arn); err != nil {
		return a.fail("watch", notFound(err, target, be.region))
	}
	return a.watch(ctx, be, workflow, arn, wf)
}

// notFound turns a missing execution into a usage error naming it.
func notFound(err error, target, region string) error {
	var missing *types.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		return usageErrorf("no deployment %s in %s (`geusemaker list` shows them)", target, region)
	}
	return err
}

func (a *app) statusCmd(ctx context.Context, args []string) int {
	var bf backendFlags
	var jsonOut bool
	fs := a.newFlags("status")
	bf.register(fs)
	fs.BoolVar(&jsonOut, "json", false, "print the report as JSON")
	rest, err := parseFlags(fs, args)
	if err == nil {
		err = positional(rest, "ID")
	}
	if err != nil {
		return a.fail("status", err)
	}
	be, err := bf.connect(ctx)
	if err != nil {
		return a.fail("status", err)
	}
	arn := executionARN(be.deploy, rest[0])
	d, err := describe(ctx, be.sfn, arn)
	if err != nil {
		return a.fail("status", notFound(err, rest[0], be.region))
	}
	if d.Status == types.ExecutionStatusRunning {
		if err := a.lastProgress(ctx, be, arn); err != nil {
			return a.fail("status", err)
		}
	}
	r := sfnReport(ctx, be.sfn, "deploy", be.region, d, nil)
	r.show(a.stdout, jsonOut)
	if x, err := latestDestroy(ctx, be, rest[0], ""); err == nil && x != nil && !jsonOut {
		fmt.Fprintf(a.stdout, "  destroy:      %s (%s)\n", aws.ToString(x.Name), x.Status)
	}
	switch d.Status {
	case types.ExecutionStatusSucceeded, types.ExecutionStatusRunning:
		return exitOK
	}
	return exitFailed
}

// lastProgress prints the latest event a running execution published.
func (a *app) lastProgress(ctx context.Context, be *backend, arn string) error {
	out, err := be.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn, ReverseOrder: true, MaxResults: historyPage})
	if err != nil {
		return explain(fmt.Errorf("read history of %s: %w", arn, err))
	}
	w := &watcher{onEvent: newProgress(a.stderr).event}
	for _, e := range out.Events {
		if isPutEvents(e) {
			w.read(e)
			return nil
		}
	}
	return nil
}

// destroyName matches the names destroy gives its executions:
// <deployment id>-destroy-<start, UTC>.
func destroyName(id string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(id) + `-destroy-\d{8}T\d{6}Z$`)
}

// latestDestroy returns the newest Destroy execution of deployment id (in
// status, if given), or nil.
func latestDestroy(ctx context.Context, be *backend, id string, status types.ExecutionStatus) (*types.ExecutionListItem, error) {
	name := destroyName(id)
	p := sfn.NewListExecutionsPaginator(be.sfn, &sfn.ListExecutionsInput{StateMachineArn: &be.destroy, StatusFilter: status})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, explain(fmt.Errorf("list executions of %s: %w", be.destroy, err))
		}
		for _, x := range page.Executions {
			if name.MatchString(aws.ToString(x.Name)) {
				return &x, nil
			}
		}
	}
	return nil, nil
}

func (a *app) listCmd(ctx context.Context, args []string) int {
	var bf backendFlags
	var jsonOut bool
	var status string
	fs := a.newFlags("list")
	bf.register(fs)
	fs.BoolVar(&jsonOut, "json", false, "print the list as JSON")
	fs.StringVar(&status, "status", "", "only deployments in this state: RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED")
	rest, err := parseFlags(fs, args)
	if err == nil {
		err = positional(rest)
	}
	if err != nil {
		return a.fail("list", err)
	}
	be, err := bf.connect(ctx)
	if err != nil {
		return a.fail("list", err)
	}
	type item struct {
		Deployment string `json:"deployment"`
		Status     string `json:"status"`
		StartDate  string `json:"start_date"`
		StopDate   string `json:"stop_date,omitempty"`
	}
	items := []item{}
	p := sfn.NewListExecutionsPaginator(be.sfn, &sfn.ListExecutionsInput{StateMachineArn: &be.deploy, StatusFilter: types.ExecutionStatus(status)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return a.fail("list", explain(fmt.Errorf("list executions of %s: %w", be.deploy, err)))
		}
		for _, x := range page.Executions {
			it := item{Deployment: aws.ToString(x.Name), Status: string(x.Status), StartDate: aws.ToTime(x.StartDate).UTC().Format(time.RFC3339)}
			if x.StopDate != nil {
				it.StopDate = x.StopDate.UTC().Format(time.RFC3339)
			}
			items = append(items, it)
		}
	}
	if jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(items)
		return exitOK
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEPLOYMENT\tSTATUS\tSTARTED\tSTOPPED")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.Deployment, it.Status, it.StartDate, cmp.Or(it.StopDate, "-"))
	}
	_ = tw.Flush()
	return exitOK
}

func (a *app) destroyCmd(ctx context.Context, args []string) int {
	var bf backendFlags
	var wf watchFlags
	var input string
	fs := a.newFlags("destroy")
	bf.register(fs)
	wf.register(fs, true)
	fs.StringVar(&input, "input", "", "the deployment's request (JSON), when the backend has no record of it: destroy then finds its resources by tag")
	rest, err := parseFlags(fs, args)
	if err == nil {
		err = positional(rest, "ID")
	}
	if err != nil {
		return a.fail("destroy", err)
	}
	id := rest[0]
	be, err := bf.connect(ctx)
	if err != nil {
		return a.fail("destroy", err)
	}
	// A destroy already under way for this deployment is followed, not
	// doubled.
	if x, err := latestDestroy(ctx, be, id, types.ExecutionStatusRunning); err != nil {
		return a.fail("destroy", err)
	} else if x != nil {
		fmt.Fprintf(a.stderr, "a destroy of %s is already running; following it\n", id)
		return a.watch(ctx, be, "destroy", aws.ToString(x.ExecutionArn), wf)
	}
	in, err := a.destroyInput(ctx, be, id, input)
	if err != nil {
		return a.fail("destroy", err)
	}
	name := id + "-destroy-" + a.clock.Now().UTC().Format("20060102T150405Z")
	out, err := be.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &be.destroy, Name: &name, Input: &in})
	if err != nil {
		return a.fail("destroy", explain(fmt.Errorf("start destroy %s: %w", name, err)))
	}
	fmt.Fprintf(a.stderr, "destroy of %s started\n", id)
	return a.watch(ctx, be, "destroy", aws.ToString(out.ExecutionArn), wf)
}

// destroyInput is what the Destroy workflow gets: the deployment's final
// document when it succeeded (its ledger says what the user supplied), its
// request otherwise (rollback ran; destroy sweeps by tag again), or the
// request file for a deployment the backend has no record of.
func (a *app) destroyInput(ctx context.Context, be *backend, id, input string) (string, error) {
	d, err := describe(ctx, be.sfn, executionARN(be.deploy, id))
	var missing *types.ExecutionDoesNotExist
	switch {
	case errors.As(err, &missing) && input == "":
		return "", usageErrorf("no deployment %s in %s: pass --input with its request to destroy what carries its tag", id, be.region)
	case errors.As(err, &missing):
		raw, err := os.ReadFile(input)
		if err != nil {
			return "", usageErrorf("%v", err)
		}
		req, err := document.Parse(raw)
		if err != nil {
			return "", usageErrorf("%s: %v", input, err)
		}
		if req.DeploymentID != id {
			return "", usageErrorf("%s is the request of %s, not %s", input, req.DeploymentID, id)
		}
		if req.Region != be.region {
			return "", usageErrorf("%s is in %s, the backend in %s: use the backend of %s (--region)", id, req.Region, be.region, req.Region)
		}
		return string(raw), nil
	case err != nil:
		return "", err
	case d.Status == types.ExecutionStatusRunning:
		return "", usageErrorf("deployment %s is still running: a destroy now would race it. Wait for it (`geusemaker watch %s`) or stop it (`aws stepfunctions stop-execution --execution-arn %s`), then destroy", id, id, aws.ToString(d.ExecutionArn))
	case d.Status == types.ExecutionStatusSucceeded:
		return aws.ToString(d.Output), nil
	}
	return aws.ToString(d.Input), nil
}
