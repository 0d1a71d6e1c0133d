// Command finalize is the Lambda of the last deployment step (action
// finalize): it writes n8n_url and the final progress.
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/clock"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/finalize"
)

func main() {
	lambdaio.Start("finalize", func(cfg aws.Config, c clock.Clock, log *slog.Logger) lambdaio.Actions {
		return finalize.New(cfg, c, log).Actions()
	})
}
