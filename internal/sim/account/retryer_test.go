package account_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
)

// backoffs returns the back-off the simulated account's default retryer
// spends on its clock before each of n retries after err at attempt.
func backoffs(t *testing.T, w *account.Account, attempt int, err error, n int) []time.Duration {
	t.Helper()
	r := w.Config("us-east-1").Retryer()
	clk := w.Clock().(*clock.Virtual)
	out := make([]time.Duration, n)
	for i := range out {
		before := clk.Now()
		d, derr := r.RetryDelay(attempt, err)
		require.NoError(t, derr)
		require.Zero(t, d, "the delay is spent on the virtual clock, not slept")
		out[i] = clk.Now().Sub(before)
	}
	return out
}

func TestBackoffMatchesTheSDKs(t *testing.T) {
	const n = 3000
	sdk := retry.NewStandard()
	for _, err := range []error{
		&smithy.GenericAPIError{Code: "ThrottlingException"},
		&smithy.GenericAPIError{Code: "InternalError"},
	} {
		for attempt := 1; attempt <= 7; attempt++ {
			var sdkMax, sdkSum time.Duration
			for range n {
				d, derr := sdk.RetryDelay(attempt, err)
				require.NoError(t, derr)
				sdkMax, sdkSum = max(sdkMax, d), sdkSum+d
			}
			var ourMax, ourSum time.Duration
			for _, d := range backoffs(t, account.New(), attempt, err, n) {
				require.GreaterOrEqual(t, d, time.Duration(0))
				ourMax, ourSum = max(ourMax, d), ourSum+d
			}
			// Uniform draws below the same cap: maxima within 2 %, means
			// within 6 % of each other over 3000 draws.
			assert.InEpsilon(t, float64(sdkMax), float64(ourMax), 0.02, "%v attempt %d: the cap", err, attempt)
			assert.InEpsilon(t, float64(sdkSum), float64(ourSum), 0.06, "%v attempt %d: the mean", err, attempt)
		}
	}
}

func TestASeedReplaysTheBackoff(t *testing.T) {
	throttle := &smithy.GenericAPIError{Code: "RequestLimitExceeded"}
	first := backoffs(t, account.New(account.WithSeed(7)), 2, throttle, 20)
	assert.Equal(t, first, backoffs(t, account.New(account.WithSeed(7)), 2, throttle, 20))
	assert.NotEqual(t, first, backoffs(t, account.New(account.WithSeed(8)), 2, throttle, 20))
}

func TestACallersRetryerKeepsItsOwnBackoff(t *testing.T) {
	w := account.New()
	cfg := aws.Config{Region: "us-east-1", Retryer: func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.Backoff = retry.BackoffDelayerFunc(fixed) })
	}}
	w.Configure(&cfg)
	clk := w.Clock().(*clock.Virtual)
	before := clk.Now()
	_, err := cfg.Retryer().RetryDelay(1, &smithy.GenericAPIError{Code: "Throttling"})
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, clk.Now().Sub(before))
}

func fixed(int, error) (time.Duration, error) { return 3 * time.Second, nil }
