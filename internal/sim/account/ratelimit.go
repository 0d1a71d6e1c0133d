package account

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
)

// Bucket is one token bucket as AWS describes its API throttling: it holds
// at most Capacity tokens (the burst), every request takes one, and Refill
// tokens come back each second (the sustained rate) on the account's clock.
type Bucket struct {
	Capacity float64
	Refill   float64
}

// Throttle is how one service throttles the calls of an account.
type Throttle struct {
	// Code and Status are what AWS answers a throttled call with; the SDK's
	// retryer recognizes every such code as a throttle.
	Code   string
	Status int
	// Global services (IAM, CloudFront) keep one set of buckets for the
	// account; the others keep one per region.
	Global bool
	// Bucket names the bucket an operation draws from and gives its size;
	// calls naming the same bucket share it. in is the SDK's typed input.
	// A zero Bucket leaves the operation unthrottled.
	Bucket func(op string, in any) (name string, b Bucket)
}

// RateLimits are the account's throttles by SDK service id. Services not
// listed are never throttled.
type RateLimits map[string]Throttle

// WithRateLimits sets the account's API rate limits. The default is
// DefaultRateLimits(), AWS's documented defaults; WithRateLimits(nil)
// turns throttling off.
func WithRateLimits(l RateLimits) Option { return func(w *Account) { w.rates.limits = l } }

// rateState is the account's throttling: the limits and the buckets' levels.
type rateState struct {
	limits  RateLimits
	buckets map[string]*tokens
}

// tokens is a bucket's level at a time; refills are computed lazily.
type tokens struct {
	n  float64
	at time.Time
}

// throttle takes a token for the call, or returns the throttling error when
// its bucket is empty. AWS throttles at its front door, so a throttled call
// never reaches the service. Callers hold mu.
func (w *Account) throttle(service, op, region string, in any) *wireError {
	t, ok := w.rates.limits[service]
	if !ok || t.Bucket == nil {
		return nil
	}
	name, b := t.Bucket(op, in)
	if b.Capacity <= 0 {
		return nil
	}
	if t.Global {
		region = "global"
	}
	key := region + "/" + service + "/" + name
	now := w.clock.Now()
	if w.rates.buckets == nil {
		w.rates.buckets = map[string]*tokens{}
	}
	level, ok := w.rates.buckets[key]
	if !ok {
		level = &tokens{n: b.Capacity, at: now}
		w.rates.buckets[key] = level
	}
	level.n = math.Min(b.Capacity, level.n+b.Refill*now.Sub(level.at).Seconds())
	level.at = now
	if level.n >= 1 {
		level.n--
		return nil
	}
	return &wireError{status: t.Status, code: t.Code, message: fmt.Sprintf("Rate exceeded (%s %s)", service, op)}
}

// IsRead reports whether an operation only reads: AWS's "non-mutating"
// actions, named Describe*, Get*, List* or Search*.
func IsRead(op string) bool {
	for _, p := range []string{"Describe", "Get", "List", "Search"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// Throttling codes and statuses as each service answers them.
const (
	// EC2 answers RequestLimitExceeded with HTTP 503 ("Request throttling
	// for the Amazon EC2 API", docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
	codeEC2Throttle   = "RequestLimitExceeded"
	statusEC2Throttle = 503
	// The query and REST-XML services (IAM, ELBv2, CloudFront) answer
	// "Throttling: Rate exceeded" with 400 on the wire; ELB's guide calls it
	// ThrottlingException, but the code its query API sends is Throttling.
	codeQueryThrottle = "Throttling"
	// The JSON services answer ThrottlingException: EFS models it with HTTP
	// 429 (the SDK's efs/types.ThrottlingException), SSM with 400.
	codeJSONThrottle = "ThrottlingException"
)

// DefaultRateLimits are AWS's default per-account limits for the services
// GeuseMaker calls. EC2's buckets, ELBv2's read bucket and SSM's
// GetParameter rate are documented. IAM, CloudFront and EFS publish no
// request rates, nor ELBv2 its mutating ones: those are assumptions
// (unverified), one rule for all: reads as EC2's documented non-mutating
// bucket, writes as ELBv2's documented bucket.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		"EC2":                       {Code: codeEC2Throttle, Status: statusEC2Throttle, Bucket: ec2Bucket},
		"Elastic Load Balancing v2": {Code: codeQueryThrottle, Status: 400, Bucket: byKind(elbRead, assumedWrite)},
		"IAM":                       {Code: codeQueryThrottle, Status: 400, Global: true, Bucket: byKind(assumedRead, assumedWrite)},
		"CloudFront":                {Code: codeQueryThrottle, Status: 400, Global: true, Bucket: byKind(assumedRead, assumedWrite)},
		"EFS":                       {Code: codeJSONThrottle, Status: 429, Bucket: byKind(assumedRead, assumedWrite)},
		"SSM":                       {Code: codeJSONThrottle, Status: 400, Bucket: ssmBucket},
		// Secrets Manager quotas: DescribeSecret and GetSecretValue 10,000
		// per second combined; CreateSecret and DeleteSecret (with the other
		// writes) 50 per second ("AWS Secrets Manager quotas").
		"Secrets Manager": {Code: codeJSONThrottle, Status: 400, Bucket: byKind(Bucket{Capacity: 10000, Refill: 10000}, Bucket{Capacity: 50, Refill: 50})},
	}
}

var (
	// elbRead is documented: "the token bucket size for non-mutating API
	// actions is 40 tokens ... refill rate of 10 tokens per second" (ELB
	// user guide, "Request throttling for the ELB API").
	elbRead = Bucket{Capacity: 40, Refill: 10}
	// assumedRead and assumedWrite size the undocumented buckets
	// (unverified): EC2's non-mutating bucket and ELB's documented one.
	assumedRead  = ec2NonMutating
	assumedWrite = elbRead
)

// byKind is a service with one shared bucket for its reads and one for its
// writes.
func byKind(read, write Bucket) func(string, any) (string, Bucket) {
	return func(op string, _ any) (string, Bucket) {
		if IsRead(op) {
			return "read", read
		}
		return "write", write
	}
}

// ssmBucket: GetParameter, GetParameters and GetParametersByPath share a
// documented default of 40 transactions per second (Systems Manager
// endpoints and quotas, "Max throughput ... standard throughput"); the
// other actions are assumed (unverified) at the same rate, each its own.
func ssmBucket(op string, _ any) (string, Bucket) {
	switch op {
	case "GetParameter", "GetParameters", "GetParametersByPath":
		return "GetParameter", Bucket{Capacity: 40, Refill: 40}
	}
	return op, Bucket{Capacity: 40, Refill: 40}
}

// EC2 evaluates "each API individually": every action has its own bucket,
// sized by its category (EC2 developer guide, "Request token bucket sizes
// and refill rates").
var (
	ec2NonMutating = Bucket{Capacity: 100, Refill: 20}
	ec2Unfiltered  = Bucket{Capacity: 50, Refill: 10}
	ec2Mutating    = Bucket{Capacity: 50, Refill: 5}
	// Resource-intensive actions have the same numbers as mutating ones but
	// their own category; per-action buckets keep them apart anyway.
	ec2Uncategorized = map[string]Bucket{
		"RunInstances":       {Capacity: 5, Refill: 2},
		"StartInstances":     {Capacity: 5, Refill: 2},
		"TerminateInstances": {Capacity: 100, Refill: 5},
		"CreateTags":         {Capacity: 100, Refill: 10},
		"DeleteTags":         {Capacity: 100, Refill: 10},
	}
	// Describe calls that draw from the smaller bucket when they name
	// neither a filter nor pagination.
	ec2UnfilteredActions = map[string]bool{
		"DescribeInstances": true, "DescribeInstanceStatus": true, "DescribeNetworkInterfaces": true,
		"DescribeSecurityGroups": true, "DescribeSnapshots": true, "DescribeSpotInstanceRequests": true,
		"DescribeVolumes": true,
	}
)

func ec2Bucket(op string, in any) (string, Bucket) {
	if b, ok := ec2Uncategorized[op]; ok {
		return op, b
	}
	if !IsRead(op) {
		return op, ec2Mutating
	}
	if ec2UnfilteredActions[op] && !filteredOrPaginated(in) {
		return op + "/unfiltered", ec2Unfiltered
	}
	return op, ec2NonMutating
}

// filteredOrPaginated reports whether an EC2 Describe input names a filter
// or a page (Filters, MaxResults or NextToken set).
func filteredOrPaginated(in any) bool {
	v := reflect.ValueOf(in)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return false
	}
	for _, name := range []string{"Filters", "MaxResults", "NextToken"} {
		f := v.FieldByName(name)
		if f.IsValid() && !f.IsZero() && !(f.Kind() == reflect.Slice && f.Len() == 0) {
			return true
		}
	}
	return false
}
