// Package internet is the simulated public internet in front of the simulated
// AWS: an http.RoundTripper whose requests are answered from the modeled
// state, the way CloudFront, an ALB and the workload on an instance would
// answer them. The smoke test makes its requests through it in local runs
// and tests; in Lambda it uses a real *http.Client.
//
// A request is dispatched through the account like an SDK call of the pseudo
// service "HTTP" (operation: the method), so it is recorded in the call
// log and account faults apply to it (see Fault codes below), and it is
// answered under the account's lock, reading the other models through their
// own operation handlers (no fault, no call log entry):
//
//   - https://<distribution>.cloudfront.net/...: unknown or still
//     InProgress (its first deployment) does not resolve; disabled is 403;
//     http is redirected per the viewer protocol policy; otherwise the
//     request goes to the origin (an ALB) with the origin's custom headers:
//     through a deployed VPC origin to the ALB it names, else to the
//     origin's domain over the internet; an origin that cannot be reached
//     (an internal ALB through a custom origin) is 502.
//   - http://<alb>.elb.amazonaws.com/...: resolves once active (an
//     internal one's private addresses time out from the internet); the
//     listener on the port evaluates its rules (http-header, host-header,
//     path-pattern) in priority order, then its default action: a
//     fixed-response answers as configured, a forward goes to a healthy
//     target (all targets when none is healthy: ALB fails open), 503 when
//     no target can take it, 502 when the target's workload does not
//     answer.
//   - http://<public ip>/...: the running instance with that address; its
//     workload answers once up, else the connection is refused.
//
// Who may connect is the security groups' to say (account.Network.Admits):
// the internet reaches a load balancer or an instance only through a rule
// open to 0.0.0.0/0, CloudFront reaches its origin as a member of the
// CloudFront origin-facing prefix list, a load balancer reaches its
// targets from its own groups and subnets. A connection no rule admits
// times out, as a dropped SYN does.
//
// The workload is read from the instance's UserData (workload.go): nginx's
// locations, the API-key guard, the services behind it and their keys.
//

// It imports account and the SDK types of the services it reads; never a
// service model, steps or engine.
package internet

import (
	"context"
	"time"

	"geusemaker/internal/sim/account"
)

// ServiceID is the pseudo service of HTTP requests in the call log and in
// faults, e.g. account.Fault{Service: "HTTP", Operation: "GET", Code: "BadGateway"}.
const ServiceID = "HTTP"

// Backend is a service model as the internet reads it: through its operation
// handlers, called under the account's lock.
type Backend interface {
	Operations() map[string]account.Handler
}

// Backends are the models whose state decides the answers.
type Backends struct {
	EC2, ELBv2, CloudFront Backend
	// Secrets gives a secret's value, as the instance reads it at boot.
	Secrets interface {
		Value(region, id string) (string, bool)
	}
	// Roles says what an instance's role may do.
	Roles interface {
		ProfileAllows(profile, action, resource string) bool
	}
	// FileSystems gives the security groups of a zone's mount target.
	FileSystems interface {
		MountTarget(region, fileSystemID, zone string) ([]string, bool)
	}
}

// Model answers HTTP requests from the simulated account.
type Model struct {
	w *account.Account
	b Backends
}

// Register adds the internet to w, reading state through b.
func Register(w *account.Account, b Backends) *Model {
	m := &Model{w: w, b: b}
	w.Register(m)
	return m
}

// ServiceID returns "HTTP".
func (m *Model) ServiceID() string { return ServiceID }

// Inventory is empty: requests create nothing.
func (m *Model) Inventory(time.Time) []account.Resource { return nil }

// Operations answers GET, the only method the smoke test uses.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{"GET": account.Op(m.get)}
}

// call runs one operation of a backend, typed.
func call[Out any](ctx context.Context, b Backend, op string, in any) (*Out, error) {
	out, err := b.Operations()[op](ctx, in)
	if err != nil {
		return nil, err
	}
	return out.(*Out), nil
}
