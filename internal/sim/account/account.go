// Package account is the core of the simulated AWS: one account's state, the
// virtual clock its lifecycles run on, fault injection, the call log, the
// inventory of live resources, and the SDK middleware that answers each
// operation from inside a real aws-sdk-go-v2 client.
//
// Service models live in sibling packages (ec2, efs, iam, elbv2, cloudfront,
// ssm, eventbridge) and register their operations here. Every operation runs
// under the account's single lock, so a model may read another service's state
// (EFS reads EC2 subnets) without locking of its own.
//
// It imports the SDK core, smithy-go and internal/clock; never steps or engine.
package account

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"geusemaker/internal/clock"
)

// AccountID is the simulated account.
const AccountID = "123456789012"

// Handler answers one operation. in is the SDK's typed input (e.g.
// *ec2.RunInstancesInput); the result must be the matching typed output.
type Handler func(ctx context.Context, in any) (any, error)

// Op adapts a typed model function to a Handler.
func Op[In, Out any](fn func(ctx context.Context, in *In) (*Out, error)) Handler {
	return func(ctx context.Context, in any) (any, error) {
		typed, ok := in.(*In)
		if !ok {
			return nil, fmt.Errorf("sim: input %T, want %T", in, new(In))
		}
		return fn(ctx, typed)
	}
}

// Service is a simulated AWS service.
type Service interface {
	// ServiceID is the SDK's service id, e.g. "EC2", "CloudFront",
	// "Elastic Load Balancing v2".
	ServiceID() string
	// Operations maps operation names (e.g. "RunInstances") to handlers.
	Operations() map[string]Handler
	// Inventory lists the resources that are alive at now.
	Inventory(now time.Time) []Resource
}

// Settler is a service whose lazily evaluated state can change another
// service's: EFS and ELBv2 release EC2 network interfaces when a mount
// target or load balancer is finally gone. The account settles every such
// service before each operation of any service and before an inventory,
// so EC2 sees an interface vanish exactly when AWS would.
type Settler interface {
	Settle(now time.Time)
}

// Resource is one live resource in the inventory.
type Resource struct {
	Service string            `json:"service"`
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	State   string            `json:"state,omitempty"`
	Region  string            `json:"region,omitempty"`
	Tags    map[string]string `json:"tags,omitempty"`
}

// Account is one simulated AWS account.
type Account struct {
	mu        sync.Mutex
	clock     clock.Clock
	services  map[string]Service
	latencies map[string]time.Duration
	// draws is the seeded source of the consistency windows (Window).
	draws *rand.Rand
	// jitter is the seeded source of the SDK retryers' back-off.
	jitter *jitter
	// consistent closes every window at once (WithConsistency).
	consistent bool
	// partition is the account's (WithPartition); "" means aws.
	partition string
	faults    []*Fault
	calls     []Call
	ids       map[string]int
	requests  int
	rates     rateState

	// Network is the simulated EC2 as other services see it. The ec2
	// model sets it when it registers.
	Network Network
	// Quota is the account's value of a quota (service and quota code as
	// Service Quotas names them) in region, which create operations
	// enforce; the servicequotas model sets it when it registers. Nil: no
	// quota is enforced.
	Quota func(region, service, code string) float64
}

// Option configures a Account.
type Option func(*Account)

// WithClock sets the clock (default: a virtual clock starting at
// 2026-01-01T00:00:00Z).
func WithClock(c clock.Clock) Option { return func(w *Account) { w.clock = c } }

// WithLatency overrides a lifecycle latency by name, e.g.
// "cloudfront.deploy" (see each service's latency constants).
func WithLatency(name string, d time.Duration) Option {
	return func(w *Account) { w.latencies[name] = d }
}

// WithSeed seeds the draws of the consistency windows (Window) and of the
// SDK retryers' jitter: a seed replays the same run (callers running at
// once draw in scheduling order); the default is DefaultSeed.
func WithSeed(seed uint64) Option {
	return func(w *Account) { w.draws, w.jitter = rand.New(rand.NewPCG(seed, seed)), newJitter(seed) }
}

// WithConsistency closes every consistency window at once (a name set
// with WithLatency keeps its figure): for the unit tests of a step's other
// logic. The end-to-end tests keep the windows.
func WithConsistency() Option { return func(w *Account) { w.consistent = true } }

// DefaultSeed seeds an account built without WithSeed.
const DefaultSeed = 1

// WithFault injects a fault from the start.
func WithFault(f Fault) Option { return func(w *Account) { w.faults = append(w.faults, &f) } }

// Epoch is where a default virtual clock starts.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// New returns an empty account.
func New(opts ...Option) *Account {
	w := &Account{
		services:  map[string]Service{},
		latencies: map[string]time.Duration{},
		ids:       map[string]int{},
		rates:     rateState{limits: DefaultRateLimits()},
	}
	for _, o := range opts {
		o(w)
	}
	if w.clock == nil {
		w.clock = clock.NewVirtual(Epoch)
	}
	if w.draws == nil {
		WithSeed(DefaultSeed)(w)
	}
	return w
}

// Register adds a service model. Registering a service id twice replaces it.
func (w *Account) Register(s Service) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.services[s.ServiceID()] = s
}

// Operations lists the operations of every registered service, by
// service id.
func (w *Account) Operations() map[string][]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]string{}
	for id, s := range w.services {
		for op := range s.Operations() {
			out[id] = append(out[id], op)
		}
	}
	return out
}

// Clock returns the account's clock.
func (w *Account) Clock() clock.Clock { return w.clock }

// Now reads the account's clock.
func (w *Account) Now() time.Time { return w.clock.Now() }

// Latency returns the latency named name, or def when not overridden.
func (w *Account) Latency(name string, def time.Duration) time.Duration {
	if d, ok := w.latencies[name]; ok {
		return d
	}
	return def
}

// Window is how long an eventual-consistency window named name lasts this
// time (a fresh resource not yet visible, a deleted one still
// referenced): a draw in [lo, hi] from the account's seeded source, or the
// override WithLatency or SetLatency gives the name. Callers hold the
// account's lock.
func (w *Account) Window(name string, lo, hi time.Duration) time.Duration {
	if d, ok := w.latencies[name]; ok {
		return d
	}
	if w.consistent {
		return 0
	}
	return lo + time.Duration(w.draws.Int64N(int64(hi-lo)+1))
}

// SetLatency overrides a latency from now on.
func (w *Account) SetLatency(name string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.latencies[name] = d
}

// NewID returns a deterministic id such as "vpc-00000000000000001": prefix,
// then a counter per prefix in hex, zero-padded to width digits.
func (w *Account) NewID(prefix string, width int) string {
	w.ids[prefix]++
	return fmt.Sprintf("%s%0*x", prefix, width, w.ids[prefix])
}

// Inventory lists every live resource of every service, sorted by
// service, type and id.
func (w *Account) Inventory() []Resource {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock.Now()
	w.settle(now)
	var out []Resource
	for _, s := range w.services {
		out = append(out, s.Inventory(now)...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.ID < b.ID
	})
	return out
}

// Do runs fn under the account's lock: tests and seeders use it to plant or
// inspect state directly in a model.
func (w *Account) Do(fn func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn()
}

// settle lets every Settler catch up to now. Callers hold mu.
func (w *Account) settle(now time.Time) {
	for _, s := range w.services {
		if st, ok := s.(Settler); ok {
			st.Settle(now)
		}
	}
}
