// Command compute is the compute step's Lambda: the instance's launch,
// status, GPU check and termination.
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/clock"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/compute"
)

func main() {
	lambdaio.Start("compute", func(cfg aws.Config, c clock.Clock, log *slog.Logger) lambdaio.Actions {
		return compute.New(cfg, c, log).Actions()
	})
}
