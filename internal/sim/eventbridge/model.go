// Package eventbridge simulates Amazon EventBridge's PutEvents: every event
// sent is captured in order (bus, source, detail-type, detail, time), so
// tests and the CLI can read the progress a deployment published. Events
// arrive through a real SDK client, or from the local engine's
// events:putEvents integration through Put.
//
// It imports account and the SDK's EventBridge types; never steps or engine.
package eventbridge

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"geusemaker/internal/sim/account"
)

const (
	// DefaultBus is the bus an entry without EventBusName goes to.
	DefaultBus = "default"
	// maxEntries is PutEvents' limit of entries per request.
	maxEntries = 10
)

// Entry error codes PutEvents reports per failed entry
// (PutEventsResultEntry.ErrorCode).
const (
	ErrInvalidArgument = "InvalidArgument"
	ErrMalformedDetail = "MalformedDetail"
)

// Event is one event EventBridge accepted.
type Event struct {
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	Bus        string    `json:"bus"`
	Source     string    `json:"source"`
	DetailType string    `json:"detail_type"`
	Detail     string    `json:"detail"`
	Resources  []string  `json:"resources,omitempty"`
}

// Model is the simulated EventBridge of one account.
type Model struct {
	w      *account.Account
	events []Event
}

// Register adds a simulated EventBridge to w.
func Register(w *account.Account) *Model {
	m := &Model{w: w}
	w.Register(m)
	return m
}

// ServiceID is the SDK's service id.
func (m *Model) ServiceID() string { return sdk.ServiceID }

// Inventory is empty: events are not resources that outlive a deployment.
func (m *Model) Inventory(time.Time) []account.Resource { return nil }

// Put sends entries as the Step Functions events:putEvents integration
// does, without an SDK client; it takes the account's lock, so it must not be
// called from inside another operation. The caller turns a non-zero
// FailedEntryCount into the task error EventBridge.FailedEntry.
func (m *Model) Put(entries []types.PutEventsRequestEntry) (*sdk.PutEventsOutput, error) {
	var (
		out *sdk.PutEventsOutput
		err error
	)
	m.w.Do(func() { out, err = m.put(entries) })
	return out, err
}

// Events returns every accepted event, in the order sent.
func (m *Model) Events() []Event {
	var out []Event
	m.w.Do(func() { out = append(out, m.events...) })
	return out
}

// EventsOfType returns the accepted events of one detail-type, in order.
func (m *Model) EventsOfType(detailType string) []Event {
	var out []Event
	for _, e := range m.Events() {
		if e.DetailType == detailType {
			out = append(out, e)
		}
	}
	return out
}

// put accepts or fails each entry, in request order. Callers hold the
// account's lock.
func (m *Model) put(entries []types.PutEventsRequestEntry) (*sdk.PutEventsOutput, error) {
	if len(entries) == 0 || len(entries) > maxEntries {
		return nil, account.APIError("ValidationException",
			fmt.Sprintf("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and %d", maxEntries))
	}
	out := &sdk.PutEventsOutput{Entries: make([]types.PutEventsResultEntry, len(entries))}
	missing := 0
	for i, e := range entries {
		code, msg := check(e)
		if code != "" {
			if code == ErrInvalidArgument {
				missing++
			}
			out.Entries[i] = types.PutEventsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String(msg)}
			out.FailedEntryCount++
			continue
		}
		ev := m.accept(e)
		out.Entries[i] = types.PutEventsResultEntry{EventId: aws.String(ev.ID)}
	}
	// PutEventsRequestEntry: a request in which no entry has Source,
	// DetailType and Detail fails as a whole.
	if missing == len(entries) {
		return nil, account.APIError("ValidationException", "Parameter(s) Source, DetailType and Detail must be specified in at least one entry.")
	}
	return out, nil
}

// check returns the entry's error code and message, or "" when it is valid.
func check(e types.PutEventsRequestEntry) (code, msg string) {
	if aws.ToString(e.Source) == "" || aws.ToString(e.DetailType) == "" || aws.ToString(e.Detail) == "" {
		return ErrInvalidArgument, "Parameter(s) Source, DetailType and Detail must be specified."
	}
	var obj map[string]any
	if json.Unmarshal([]byte(*e.Detail), &obj) != nil {
		return ErrMalformedDetail, "Detail is malformed: it must be a JSON object."
	}
	return "", ""
}

// accept records a valid entry. An unknown bus is accepted too: AWS
// answers success for it and drops the event (aws/aws-cli#9186, still so
// in 2025), so a misnamed bus shows up here only as its Bus name.
func (m *Model) accept(e types.PutEventsRequestEntry) Event {
	t := m.w.Now()
	if e.Time != nil {
		t = *e.Time
	}
	id := strings.TrimPrefix(m.w.NewID("event:", 12), "event:")
	ev := Event{
		ID:         "00000000-0000-4000-a000-" + id,
		Time:       t.UTC(),
		Bus:        busName(aws.ToString(e.EventBusName)),
		Source:     *e.Source,
		DetailType: *e.DetailType,
		Detail:     *e.Detail,
		Resources:  append([]string(nil), e.Resources...),
	}
	m.events = append(m.events, ev)
	return ev
}

// busName turns an EventBusName (a name or an ARN) into a name.
func busName(s string) string {
	if s == "" {
		return DefaultBus
	}
	if _, name, ok := strings.Cut(s, ":event-bus/"); ok {
		return name
	}
	return s
}
