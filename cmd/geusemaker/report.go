package main

import (
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
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/world"
)

// report is what a run prints: the execution's outcome, its document, the
// figures, and what is still alive in the simulated account.
type report struct {
	Workflow          string             `json:"workflow"`
	Execution         string             `json:"execution"`
	Status            engine.Status      `json:"status"`
	Error             string             `json:"error,omitempty"`
	Cause             *document.Cause    `json:"cause,omitempty"`
	RawCause          string             `json:"raw_cause,omitempty"`
	Rollback          map[string]any     `json:"rollback,omitempty"`
	Output            *document.Document `json:"output,omitempty"`
	SimulatedDuration string             `json:"simulated_duration"`
	WallTime          string             `json:"wall_time"`
	StateTransitions  int                `json:"state_transitions"`
	Started           []startedExecution `json:"started_executions,omitempty"`
	LeftoverResources []world.Resource   `json:"leftover_resources"`
	Graph             string             `json:"graph,omitempty"`
}

type startedExecution struct {
	Name   string        `json:"name"`
	Status engine.Status `json:"status"`
	Error  string        `json:"error,omitempty"`
}

func newReport(wf localrun.Workflow, x *engine.Execution, started []*engine.Execution, alive []world.Resource, simulated, wall time.Duration) *report {
	r := &report{
		Workflow:          string(wf),
		Execution:         x.Name,
		Status:            x.Status,
		Error:             x.Error,
		SimulatedDuration: simulated.Round(time.Second).String(),
		WallTime:          wall.Round(time.Millisecond).String(),
		StateTransitions:  x.Transitions(),
		LeftoverResources: alive,
	}
	if r.LeftoverResources == nil {
		r.LeftoverResources = []world.Resource{}
	}
	if x.Output != nil {
		var doc document.Document
		if json.Unmarshal(x.Output, &doc) == nil {
			r.Output = &doc
		}
	}
	if x.Cause != "" {
		r.readCause(x.Error, x.Cause)
	}
	for _, s := range started {
		r.Started = append(r.Started, startedExecution{Name: s.Name, Status: s.Status, Error: s.Error})
	}
	return r
}

// readCause reads a failed execution's cause: the workflow's failure report
// (the original error and cause, and what rollback did) or a bare cause.
func (r *report) readCause(name, cause string) {
	var f struct {
		Cause    string         `json:"cause"`
		Rollback map[string]any `json:"rollback"`
	}
	if json.Unmarshal([]byte(cause), &f) == nil && f.Cause != "" {
		cause, r.Rollback = f.Cause, f.Rollback
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
		printResources(w, r.Output.Resources)
	}
	for _, s := range r.Started {
		fmt.Fprintf(w, "  started:      %s (%s)\n", s.Name, s.Status)
	}
	fmt.Fprintf(w, "  simulated:    %s   wall: %s   state transitions: %d\n", r.SimulatedDuration, r.WallTime, r.StateTransitions)
	fmt.Fprintf(w, "  alive in the simulated account: %d resource(s)\n", len(r.LeftoverResources))
	for _, res := range r.LeftoverResources {
		fmt.Fprintf(w, "    %s %s %s %s\n", res.Service, res.Type, res.ID, res.State)
	}
	if r.Graph != "" {
		fmt.Fprintf(w, "  graph:        %s\n", r.Graph)
	}
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
