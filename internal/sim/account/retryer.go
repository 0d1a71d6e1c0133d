package account

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// onClock wraps the retryer so its back-off is spent on c. Every retryer the
// SDK ships is a RetryerV2; any other is used as it is.
func onClock(r aws.Retryer, c clockSleeper) aws.Retryer {
	if v2, ok := r.(aws.RetryerV2); ok {
		return &clockRetryer{RetryerV2: v2, clock: c}
	}
	return r
}

// defaultRetryer is the SDK's standard retryer with its jitter drawn from
// the account's seeded source, so that a seed replays a throttled run too
// (crypto/rand's jitter made tests that outlast a throttle with the SDK's
// retries pass or fail by chance).
func (w *Account) defaultRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = &seededBackoff{throttle: retry.IsErrorThrottles(o.Throttles), max: o.MaxBackoff, jitter: w.jitter}
	})
}

// seededBackoff is the SDK's default back-off (aws/retry/jitter_backoff.go,
// backoffDelay2026, SDK 1.48): t = b × min(x × 2^(attempt-1), MaxBackoff),
// x = 1 s after a throttle and 50 ms after another retryable error, b
// uniform in [0, 1); here b comes from the account's seeded source.
// TestBackoffMatchesTheSDKs holds it to the SDK's figures.
type seededBackoff struct {
	throttle retry.IsErrorThrottle
	max      time.Duration
	jitter   *jitter
}

// baseDelay is the SDK's base for a retryable error that is not a
// throttle (StandardOptions.BaseDelay's default).
const baseDelay = 50 * time.Millisecond

func (s *seededBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	x := baseDelay
	if s.throttle.IsErrorThrottle(err) == aws.TrueTernary {
		x = time.Second
	}
	d := s.max
	if i := max(attempt-1, 0); i < 32 && x<<i < s.max {
		d = x << i
	}
	return time.Duration(s.jitter.float64() * float64(d)), nil
}

// jitter is a seeded source that SDK retryers draw from outside the
// account's lock.
type jitter struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newJitter(seed uint64) *jitter {
	// Its own stream, so a throttle does not shift the consistency windows'
	// draws.
	return &jitter{r: rand.New(rand.NewPCG(seed, ^seed))}
}

func (j *jitter) float64() float64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.r.Float64()
}
