// Command infra is GeuseMaker's CDK app (cdk.json runs `go run ./infra`):
// it reads the settings from context and environment, defines the stack
// with infra/stack, applies cdk-nag's AwsSolutions checks and synthesizes.
//
// Context (cdk.json or -c): stackName (default "GeuseMaker"), assetsDir
// (default "build"), logRetention (default "ONE_MONTH": a CDK RetentionDays
// name such as ONE_WEEK, THREE_MONTHS, ONE_YEAR), deployers (the principal
// ARNs, comma-separated, allowed to request deployments on the bus; `make
// deploy` names the deploying principal; "*" or unset: any principal IAM
// allows).
package main

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"geusemaker/infra/stack"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	context := func(key, def string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
			return v
		}
		return def
	}
	stack.New(app, context("stackName", "GeuseMaker"), &stack.Props{
		StackProps: awscdk.StackProps{
			// The account and region of the CLI's credentials, as the CDK CLI sets them.
			Env: &awscdk.Environment{
				Account: env("CDK_DEFAULT_ACCOUNT"),
				Region:  env("CDK_DEFAULT_REGION"),
			},
			Description: jsii.String("GeuseMaker: tiered AI stack deployments on Step Functions"),
		},
		AssetsDir:    context("assetsDir", stack.DefaultAssetsDir),
		LogRetention: awslogs.RetentionDays(context("logRetention", string(awslogs.RetentionDays_ONE_MONTH))),
		Deployers:    stack.Deployers(context("deployers", "")),
	})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	app.Synth(nil)
}

// env returns an environment variable, nil when unset: without credentials
// the stack stays environment-agnostic instead of getting an empty account.
func env(key string) *string {
	if v := os.Getenv(key); v != "" {
		return &v
	}
	return nil
}
