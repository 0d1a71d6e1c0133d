package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"geusemaker/internal/awsapi"
)

// setupError is a problem with the AWS setup rather than with the command
// line or a deployment: no region, no credentials, no stack. It exits 3.
type setupError struct{ msg string }

func (e *setupError) Error() string { return e.msg }

func setupErrorf(format string, args ...any) error {
	return &setupError{fmt.Sprintf(format, args...)}
}

// guideIAM is where the deployer's permissions are listed.
const guideIAM = "docs/user-guide.md#iam-permissions"

// watchMaxAttempts is how many times the CLI tries each Step Functions call.
const watchMaxAttempts = 8

// loadAWS loads the SDK config from the standard chain (AWS_PROFILE,
// AWS_REGION, AWS_ENDPOINT_URL, ...), region overriding the chain's and
// fallback standing in when the chain names none, and checks that a
// region and credentials are there.
func loadAWS(ctx context.Context, region, fallback string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := awsapi.Load(ctx, opts...)
	if err != nil {
		return aws.Config{}, setupErrorf("%v (check AWS_PROFILE and ~/.aws/config)", err)
	}
	cfg.Region = cmp.Or(cfg.Region, fallback)
	if cfg.Region == "" {
		return aws.Config{}, setupErrorf("no AWS region: set AWS_REGION, a region in your AWS profile, or --region")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, setupErrorf("no AWS credentials: set AWS_PROFILE (then `aws sso login` if it uses SSO) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: %v", err)
	}
	return cfg, nil
}

// Codes AWS answers with when it refuses the caller rather than the call.
var (
	rejectedCredentials = map[string]bool{
		"UnrecognizedClientException": true, // Step Functions: unknown access key
		"InvalidClientTokenId":        true, // CloudFormation (awsQuery)
		"InvalidSignatureException":   true,
		"SignatureDoesNotMatch":       true,
		"ExpiredToken":                true,
		"ExpiredTokenException":       true,
	}
	deniedCodes = map[string]bool{"AccessDenied": true, "AccessDeniedException": true}
)

// explain turns AWS's refusals of the caller into setup errors that say
// what to do; other errors are returned as they are.
func explain(err error) error {
	code := awsapi.Code(err)
	switch {
	case rejectedCredentials[code]:
		return setupErrorf("AWS rejected the credentials (%s): refresh them (`aws sso login`, new keys) or pick another AWS_PROFILE: %v", code, err)
	case deniedCodes[code]:
		return setupErrorf("not allowed (%s): the deployer's permissions are listed in %s: %v", code, guideIAM, err)
	}
	return err
}

// Outputs of the GeuseMaker stack (infra/stack: OutputDeployArn,
// OutputDestroyArn); a test checks these against infra's source.
const (
	defaultStackName = "GeuseMaker"
	outputDeployARN  = "DeployStateMachineArn"
	outputDestroyARN = "DestroyStateMachineArn"
)

// backendFlags locate the deployed backend.
type backendFlags struct {
	stack, region, deployARN, destroyARN string
}

func (b *backendFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.stack, "stack", defaultStackName, "name of the GeuseMaker CloudFormation stack (make deploy's)")
	fs.StringVar(&b.region, "region", "", "AWS region of the stack (default: the standard chain's, e.g. AWS_REGION)")
	fs.StringVar(&b.deployARN, "deploy-arn", "", "ARN of the Deploy state machine (skips the stack look-up, with --destroy-arn)")
	fs.StringVar(&b.destroyARN, "destroy-arn", "", "ARN of the Destroy state machine (skips the stack look-up, with --deploy-arn)")
}

// backend is the deployed Step Functions backend.
type backend struct {
	sfn             *sfn.Client
	region          string
	deploy, destroy string // state machine ARNs
}

// connect finds the backend: from the flags' ARNs, else from the stack's
// outputs.
func (b *backendFlags) connect(ctx context.Context) (*backend, error) {
	cfg, err := loadAWS(ctx, b.region, "")
	if err != nil {
		return nil, err
	}
	// A watch reads history for as long as a deployment runs (up to an
	// hour): more attempts than the SDK's default three ride out a
	// transient network failure or a throttling burst instead of ending it.
	client := sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.RetryMaxAttempts = watchMaxAttempts })
	be := &backend{sfn: client, region: cfg.Region, deploy: b.deployARN, destroy: b.destroyARN}
	if be.deploy != "" && be.destroy != "" {
		return be, nil
	}
	out, err := cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &b.stack})
	if err != nil {
		// CloudFormation reports a missing stack as ValidationError "Stack
		// with id X does not exist", not as a not-found code; the message
		// is the documented way to tell it from a malformed name.
		if awsapi.Code(err) == "ValidationError" && strings.Contains(err.Error(), "does not exist") {
			return nil, setupErrorf("the GeuseMaker stack %q is not deployed in %s: deploy it with `make deploy`, or pass the region it is in (--region, AWS_REGION) or its name (--stack)", b.stack, cfg.Region)
		}
		return nil, explain(fmt.Errorf("describe stack %s: %w", b.stack, err))
	}
	for _, s := range out.Stacks {
		for _, o := range s.Outputs {
			switch aws.ToString(o.OutputKey) {
			case outputDeployARN:
				be.deploy = cmp.Or(be.deploy, aws.ToString(o.OutputValue))
			case outputDestroyARN:
				be.destroy = cmp.Or(be.destroy, aws.ToString(o.OutputValue))
			}
		}
	}
	if be.deploy == "" || be.destroy == "" {
		return nil, setupErrorf("stack %q in %s has no %s/%s outputs: is it a GeuseMaker stack? Deploy it with `make deploy`", b.stack, cfg.Region, outputDeployARN, outputDestroyARN)
	}
	return be, nil
}

// executionARN is the ARN of the execution name of the state machine
// machine: Step Functions derives it, so no look-up is needed.
func executionARN(machine, name string) string {
	return strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + name
}

// consoleURL is the Step Functions console's page of an execution, with
// its graph.
func consoleURL(region, arn string) string {
	return fmt.Sprintf("https://%s.console.aws.amazon.com/states/home?region=%s#/v2/executions/details/%s", region, region, arn)
}

// isSetup reports whether err is a setup problem.
func isSetup(err error) bool {
	var se *setupError
	return errors.As(err, &se)
}
