package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/sim/account"
)

// report is what a run or a watch prints at the end: the execution's
// outcome, its document, and the figures of where it ran (the simulated
// account, or AWS).
type report struct {
	Workflow         string                            `json:"workflow"`
	Execution        string                            `json:"execution"`
	Status           string                            `json:"status"`
	Error            string                            `json:"error,omitempty"`
	Cause            *document.Cause                   `json:"cause,omitempty"`
	RawCause         string                            `json:"raw_cause,omitempty"`
	Rollback         map[string]document.RollbackEntry `json:"rollback,omitempty"`
	Output           *document.Document                `json:"output,omitempty"`
	StateTransitions int                               `json:"state_transitions"`
	Started          []startedExecution                `json:"started_executions,omitempty"`
	Graph            string                            `json:"graph,omitempty"`
	// Exactly one of these is set.
	*Simulated
	*Cloud
}

// Simulated are the figures of a run on the simulated AWS.
type Simulated struct {
	SimulatedDuration string             `json:"simulated_duration"`
	WallTime          string             `json:"wall_time"`
	LeftoverResources []account.Resource `json:"leftover_resources"`
}

// Cloud are the figures of an execution on AWS: run by Step Functions
// (ExecutionARN and Console set) or by the local engine.
type Cloud struct {
	Region       string `json:"region"`
	ExecutionARN string `json:"execution_arn,omitempty"`
	StartDate    string `json:"start_date,omitempty"`
	StopDate     string `json:"stop_date,omitempty"`
	Duration     string `json:"duration,omitempty"`
	Console      string `json:"console,omitempty"`
}

type startedExecution struct {
	Name   string `json:"name"`
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// outcome is how an execution ended, whichever engine ran it.
type outcome struct {
	name, status, errName, cause string
	output                       []byte
	transitions                  int
	started                      []startedExecution
}

// engineOutcome reads the local engine's execution and those it started.
func engineOutcome(x *engine.Execution, started []*engine.Execution) outcome {
	o := outcome{name: x.Name, status: string(x.Status), errName: x.Error, cause: x.Cause, output: x.Output, transitions: x.Transitions()}
	for _, s := range started {
		o.started = append(o.started, startedExecution{Name: s.Name, Status: string(s.Status), Error: s.Error})
	}
	return o
}

func newReport(workflow string, o outcome) *report {
	r := &report{
		Workflow:         workflow,
		Execution:        o.name,
		Status:           o.status,
		Error:            o.errName,
		StateTransitions: o.transitions,
		Started:          o.started,
	}
	if len(o.output) > 0 {
		var doc document.Document
		if json.Unmarshal(o.output, &doc) == nil {
			r.Output = &doc
			// A destroy that succeeded reports its deletions in its
			// output, as a failed deployment does in its cause.
			if len(doc.Rollback) > 0 {
				r.Rollback = doc.Rollback
			}
		}
	}
	if o.cause != "" {
		r.readCause(o.errName, o.cause)
	}
	return r
}

// simulated returns the figures of a simulated run.
func simulated(simulated, wall time.Duration, alive []account.Resource) *Simulated {
	if alive == nil {
		alive = []account.Resource{}
	}
	return &Simulated{
		SimulatedDuration: simulated.Round(time.Second).String(),
		WallTime:          wall.Round(time.Millisecond).String(),
		LeftoverResources: alive,
	}
}

// cloud returns the figures of an execution on AWS between start and stop
// (zero while it runs).
func cloud(region string, start, stop time.Time) *Cloud {
	c := &Cloud{Region: region, StartDate: start.UTC().Format(time.RFC3339)}
	if !stop.IsZero() {
		c.StopDate = stop.UTC().Format(time.RFC3339)
		c.Duration = stop.Sub(start).Round(time.Second).String()
	}
	return c
}

// readCause reads a failed execution's cause: the workflow's failure report
// (the original error and cause, and what rollback did) or a bare cause.
func (r *report) readCause(name, cause string) {
	var f struct {
		// A decoded cause (finalize's describe_failure), or the text.
		Cause    json.RawMessage                   `json:"cause"`
		Rollback map[string]document.RollbackEntry `json:"rollback"`
	}
	if json.Unmarshal([]byte(cause), &f) == nil && len(f.Cause) > 0 {
		r.Rollback = f.Rollback
		var c document.Cause
		var text string
		switch {
		case json.Unmarshal(f.Cause, &text) == nil:
			cause = text
		case json.Unmarshal(f.Cause, &c) == nil && c.Message != "":
			r.Cause = &c
			return
		}
	}
	if c, err := (document.Failure{Error: name, Cause: cause}).DecodeCause(); err == nil {
		r.Cause = &c
	} else {
		r.RawCause = cause
	}
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s %s: %s\n", r.Workflow, r.Execution, r.Status)
	if r.Error != "" {
		fmt.Fprintf(w, "  error:        %s\n", r.Error)
		if r.Cause != nil {
			fmt.Fprintf(w, "  what:         %s\n", r.Cause.Message)
			if r.Cause.AWSErrorCode != "" {
				fmt.Fprintf(w, "  AWS error:    %s (request %s)\n", r.Cause.AWSErrorCode, r.Cause.AWSRequestID)
			}
			fmt.Fprintf(w, "  what to do:   %s\n", r.Cause.Remediation)
		} else if r.RawCause != "" {
			fmt.Fprintf(w, "  cause:        %s\n", r.RawCause)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(r.Rollback)) {
		b, _ := json.Marshal(r.Rollback[key])
		fmt.Fprintf(w, "  rollback %-14s %s\n", key+":", b)
	}
	if r.Output != nil {
		if url := r.Output.Resources.N8NURL; url != "" {
			fmt.Fprintf(w, "  n8n:          %s\n", url)
		}
		if arn := r.Output.Resources.SecretARN; arn != "" {
			fmt.Fprintf(w, "  credentials:  %s\n", readSecretCommand(arn, r.Output.Request.Region))
		}
		printResources(w, r.Output.Resources)
	}
	for _, s := range r.Started {
		fmt.Fprintf(w, "  started:      %s (%s)\n", s.Name, cmp.Or(s.Status, "status unknown"))
	}
	if s := r.Simulated; s != nil {
		fmt.Fprintf(w, "  simulated:    %s   wall: %s   state transitions: %d\n", s.SimulatedDuration, s.WallTime, r.StateTransitions)
		fmt.Fprintf(w, "  alive in the simulated account: %d resource(s)\n", len(s.LeftoverResources))
		for _, res := range s.LeftoverResources {
			fmt.Fprintf(w, "    %s %s %s %s\n", res.Service, res.Type, res.ID, res.State)
		}
	}
	if c := r.Cloud; c != nil {
		fmt.Fprintf(w, "  region:       %s   started: %s", c.Region, c.StartDate)
		if c.StopDate != "" {
			fmt.Fprintf(w, "   took: %s", c.Duration)
		}
		if r.StateTransitions > 0 {
			fmt.Fprintf(w, "   state transitions: %d", r.StateTransitions)
		}
		fmt.Fprintln(w)
		if c.Console != "" {
			fmt.Fprintf(w, "  console:      %s\n", c.Console)
		}
	}
	if r.Graph != "" {
		fmt.Fprintf(w, "  graph:        %s\n", r.Graph)
	}
}

// readSecretCommand is the AWS CLI command that prints the deployment's
// credentials (n8n owner, API key): the report names where they are, never
// what they are.
func readSecretCommand(arn, region string) string {
	return fmt.Sprintf("aws secretsmanager get-secret-value --secret-id %s --region %s --query SecretString --output text", arn, region)
}

// show writes the report as JSON or as text.
func (r *report) show(w io.Writer, jsonOut bool) {
	if jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
		return
	}
	r.print(w)
}

// printResources lists the ledger's non-empty entries in key order.
func printResources(w io.Writer, l document.Ledger) {
	var m map[string]any
	b, _ := json.Marshal(l)
	_ = json.Unmarshal(b, &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := json.Marshal(m[k])
		fmt.Fprintf(w, "  %-22s %s\n", k+":", strings.Trim(string(v), `"`))
	}
}
