// Command cdn is the Lambda of the CloudFront step (actions create, status,
// disable, delete_status, delete).
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/clock"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/cdn"
)

func main() {
	lambdaio.Start("cdn", func(cfg aws.Config, c clock.Clock, log *slog.Logger) lambdaio.Actions {
		return cdn.New(cfg, c, log).Actions()
	})
}
