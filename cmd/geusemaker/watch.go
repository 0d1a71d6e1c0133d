package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"geusemaker/internal/clock"
	"geusemaker/internal/localrun"
)

// historyPage is the most events GetExecutionHistory returns at once.
const historyPage = 1000

// watcher follows one execution's history: the events the workflow put on
// the bus (the putEvents tasks' parameters), the states it entered, the
// executions it started.
type watcher struct {
	sfn         *sfn.Client
	arn         string
	onEvent     func(localrun.Event)
	last        int64 // id of the last event read
	transitions int
	children    []string // ARNs of the executions it started
}

// poll reads the events added since the last poll. The first poll reads
// the history forward; later ones read it backward down to the last event
// already read, so a long history is not read again each time (a history
// read to its end gives no token to go on from).
func (w *watcher) poll(ctx context.Context) error {
	in := &sfn.GetExecutionHistoryInput{ExecutionArn: &w.arn, ReverseOrder: w.last > 0, MaxResults: historyPage}
	var fresh []types.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(w.sfn, in)
pages:
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return explain(fmt.Errorf("read history of %s: %w", w.arn, err))
		}
		for _, e := range page.Events {
			if e.Id <= w.last {
				break pages
			}
			fresh = append(fresh, e)
		}
	}
	if in.ReverseOrder {
		slices.Reverse(fresh)
	}
	for _, e := range fresh {
		w.read(e)
		w.last = e.Id
	}
	return nil
}

// Integrations whose history the watcher reads.
const (
	resourceTypeEvents = "events"
	resourceTypeStates = "states"
)

func (w *watcher) read(e types.HistoryEvent) {
	if strings.HasSuffix(string(e.Type), "StateEntered") {
		w.transitions++
	}
	switch {
	case isPutEvents(e):
		w.published(aws.ToTime(e.Timestamp), aws.ToString(e.TaskScheduledEventDetails.Parameters))
	case e.TaskSucceededEventDetails != nil && aws.ToString(e.TaskSucceededEventDetails.ResourceType) == resourceTypeStates &&
		strings.HasPrefix(aws.ToString(e.TaskSucceededEventDetails.Resource), "startExecution"):
		var out struct{ ExecutionArn string }
		if json.Unmarshal([]byte(aws.ToString(e.TaskSucceededEventDetails.Output)), &out) == nil && out.ExecutionArn != "" {
			w.children = append(w.children, out.ExecutionArn)
		}
	}
}

// isPutEvents reports whether e schedules an EventBridge putEvents task.
func isPutEvents(e types.HistoryEvent) bool {
	d := e.TaskScheduledEventDetails
	return d != nil && aws.ToString(d.ResourceType) == resourceTypeEvents && strings.HasPrefix(aws.ToString(d.Resource), "putEvents")
}

// published passes on each entry a putEvents task sent, as the local
// engine's OnEvent sees it.
func (w *watcher) published(at time.Time, parameters string) {
	var p struct {
		Entries []struct {
			Detail     json.RawMessage
			DetailType string
			Source     string
		}
	}
	if json.Unmarshal([]byte(parameters), &p) != nil {
		return
	}
	for _, e := range p.Entries {
		detail := e.Detail
		// Detail is an object in a state machine's parameters, a string in
		// PutEvents' own API shape.
		var s string
		if json.Unmarshal(detail, &s) == nil {
			detail = json.RawMessage(s)
		}
		w.onEvent(localrun.Event{Time: at, Source: e.Source, DetailType: e.DetailType, Detail: detail})
	}
}

// follow watches the execution arn until it ends, polling every interval
// on clk, and returns how it ended.
func follow(ctx context.Context, c *sfn.Client, arn string, interval time.Duration, clk clock.Clock, onEvent func(localrun.Event)) (*sfn.DescribeExecutionOutput, *watcher, error) {
	w := &watcher{sfn: c, arn: arn, onEvent: onEvent}
	for {
		if err := w.poll(ctx); err != nil {
			return nil, nil, err
		}
		d, err := describe(ctx, c, arn)
		if err != nil {
			return nil, nil, err
		}
		if d.Status != types.ExecutionStatusRunning {
			// The events that ended it may have come after the last read.
			return d, w, w.poll(ctx)
		}
		if err := clk.Sleep(ctx, interval); err != nil {
			return nil, nil, err
		}
	}
}

func describe(ctx context.Context, c *sfn.Client, arn string) (*sfn.DescribeExecutionOutput, error) {
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
	if err != nil {
		return nil, explain(fmt.Errorf("describe execution %s: %w", arn, err))
	}
	return d, nil
}

// sfnReport is the report of a Step Functions execution.
func sfnReport(ctx context.Context, c *sfn.Client, workflow, region string, d *sfn.DescribeExecutionOutput, w *watcher) *report {
	o := outcome{
		name: aws.ToString(d.Name), status: string(d.Status), errName: aws.ToString(d.Error),
		cause: aws.ToString(d.Cause), output: []byte(aws.ToString(d.Output)),
	}
	if w != nil {
		o.transitions = w.transitions
		for _, arn := range w.children {
			s := startedExecution{Name: arn[strings.LastIndex(arn, ":")+1:]}
			// The child's state is extra: the report stands without it.
			if cd, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn}); err == nil {
				s.Status, s.Error = string(cd.Status), aws.ToString(cd.Error)
			}
			o.started = append(o.started, s)
		}
	}
	r := newReport(workflow, o)
	r.Cloud = cloud(region, aws.ToTime(d.StartDate), aws.ToTime(d.StopDate))
	r.ExecutionARN = aws.ToString(d.ExecutionArn)
	r.Console = consoleURL(region, r.ExecutionARN)
	return r
}
