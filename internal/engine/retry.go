package engine

import (
	"math"
	"time"

	"geusemaker/internal/asl"
)

// retrier finds the first retrier whose ErrorEquals matches failure. If it
// still has attempts left it counts one and returns its index and the
// backoff before the retry; an exhausted match ends the search, so the
// failure goes to the catchers. Each retrier counts its own attempts.
func (r *run) retrier(st *asl.State, attempts []int, failure *Error) (int, time.Duration, bool) {
	for i, rt := range st.Retry {
		if !matches(rt.ErrorEquals, failure) {
			continue
		}
		if attempts[i] >= rt.MaxAttempts {
			return 0, 0, false
		}
		delay := float64(rt.IntervalSeconds) * math.Pow(rt.BackoffRate, float64(attempts[i]))
		if rt.MaxDelaySeconds > 0 {
			delay = min(delay, float64(rt.MaxDelaySeconds))
		}
		if rt.JitterStrategy == asl.JitterFull {
			delay *= float64(r.eng.opt.random.Uint64()>>11) / (1 << 53) // uniform in [0, delay)
		}
		attempts[i]++
		return i, time.Duration(delay * float64(time.Second)), true
	}
	return 0, 0, false
}
