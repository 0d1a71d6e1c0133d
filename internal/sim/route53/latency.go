package route53

import "time"

// LatencyPropagation is how long an accepted change batch stays PENDING
// before it is INSYNC and answered by the name servers: "Changes generally
// propagate to all Route 53 name servers within 60 seconds" (Developer
// Guide, "Editing records"); "PENDING indicates that the changes in this
// request have not propagated to all Amazon Route 53 DNS servers managing
// the hosted zone" (API reference, "GetChange"). A seeded draw in
// [propagationMin, propagationMax]; the lower bound is an assumption.
const LatencyPropagation = "route53.propagation"

const (
	propagationMin = 5 * time.Second
	propagationMax = 60 * time.Second
)

// Defaults returns every latency of the simulated Route 53 by name, with
// its default (the upper bound of the window).
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{LatencyPropagation: propagationMax}
}
