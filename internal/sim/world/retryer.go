package world

import (
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

func defaultRetryer() aws.Retryer { return retry.NewStandard() }
