package localrun

import (
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/cloudfront"
	"geusemaker/internal/steps/compute"
	"geusemaker/internal/steps/efs"
	"geusemaker/internal/steps/elbv2"
	"geusemaker/internal/steps/finalize"
	"geusemaker/internal/steps/firewall"
	"geusemaker/internal/steps/iam"
	"geusemaker/internal/steps/network"
	"geusemaker/internal/steps/preflight"
	"geusemaker/internal/steps/secrets"
	"geusemaker/internal/steps/smoke"
	"geusemaker/internal/steps/step"
	"geusemaker/internal/steps/validate"
)

// Steps are the step Lambdas by name, built as lambdas/<name>/main.go
// builds them (the smoke test with a real HTTP client).
var Steps = StepsWith(nil)

// StepsWith is Steps with the smoke test's HTTP requests made by h, e.g.
// the simulated account's client (sim.Cloud.HTTPClient); nil keeps the
// Lambda's real client. The AWS SDK clients come from the config each
// builder is given; plain HTTP needs a client of its own, and this is the
// one place it is plugged in.
func StepsWith(h *http.Client) map[string]lambdaio.Builder {
	smokeStep := lambdaio.Step(smoke.New)
	if h != nil {
		smokeStep = func(cfg aws.Config, c clock.Clock, log *slog.Logger) step.Actions {
			return smoke.NewWithHTTP(cfg, c, log, h).Actions()
		}
	}
	return map[string]lambdaio.Builder{
		contract.Validate:   lambdaio.Step(validate.New),
		contract.Preflight:  lambdaio.Step(preflight.New),
		contract.Network:    lambdaio.Step(network.New),
		contract.Firewall:   lambdaio.Step(firewall.New),
		contract.EFS:        lambdaio.Step(efs.New),
		contract.Secrets:    lambdaio.Step(secrets.New),
		contract.IAM:        lambdaio.Step(iam.New),
		contract.Compute:    lambdaio.Step(compute.New),
		contract.ELBv2:      lambdaio.Step(elbv2.New),
		contract.CloudFront: lambdaio.Step(cloudfront.New),
		contract.Smoke:      smokeStep,
		contract.Finalize:   lambdaio.Step(finalize.New),
	}
}
