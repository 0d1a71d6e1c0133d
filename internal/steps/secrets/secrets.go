// Package secrets owns the deployment's one Secrets Manager secret: the
// workload's credentials (n8n owner, the API key of the protected routes,
// the Postgres password; see internal/workload), drawn from crypto/rand in
// the Lambda and written straight into Secrets Manager. Only its ARN enters
// the document: the instance reads the value at boot through its role,
// which may read this one secret, and the smoke test reads the API key to
// prove the routes open with it.
//
// Actions: create, delete. No status keys: Secrets Manager answers at once.
// The secret is deleted without a recovery window, so the same deployment
// id can be deployed again; for a few seconds after, the name is still
// taken (the deletion is asynchronous), which create reports as
// ResourceBusy for the state machine to retry.
//
// It imports document, steperr, awsapi, clock, step, workload and the
// SDK's Secrets Manager client; never sim or engine.
package secrets

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
	"geusemaker/internal/workload"
)

// AWS error codes the step handles by name.
const (
	codeNotFound       = "ResourceNotFoundException"
	codeExists         = "ResourceExistsException"
	codeInvalidRequest = "InvalidRequestException"
	codeAccessDenied   = "AccessDeniedException"
)

var family = step.Family{Name: contract.Secrets, Error: contract.SecretFailed, Remediations: map[string]string{
	codeAccessDenied: "Grant the secrets Lambda's role secretsmanager:CreateSecret, secretsmanager:TagResource, " +
		"secretsmanager:DescribeSecret and secretsmanager:DeleteSecret on secret:geusemaker/<deployment>/*, then retry.",
}}

// api is what the step calls on Secrets Manager.
type api interface {
	CreateSecret(context.Context, *sm.CreateSecretInput, ...func(*sm.Options)) (*sm.CreateSecretOutput, error)
	DescribeSecret(context.Context, *sm.DescribeSecretInput, ...func(*sm.Options)) (*sm.DescribeSecretOutput, error)
	DeleteSecret(context.Context, *sm.DeleteSecretInput, ...func(*sm.Options)) (*sm.DeleteSecretOutput, error)
}

// Step is the secrets Lambda's logic.
type Step struct {
	step.Base
	generate func() (workload.Secret, error)
}

// New returns the secrets step, drawing values from crypto/rand. Clients
// are built per call for the request's region.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{Base: step.New(family, cfg, c, log), generate: workload.Generate}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionCreate: s.create,
		contract.ActionDelete: s.delete,
	}
}

func (s *Step) client(doc *document.Document) api { return sm.NewFromConfig(s.Config(doc)) }

const remedyCreate = "Check the secrets Lambda's Secrets Manager permissions and the region's quotas, then retry."

// create makes the secret with fresh values, or adopts the deployment's
// own after an earlier attempt whose reply was lost, and records its ARN.
func (s *Step) create(ctx context.Context, doc *document.Document) error {
	if doc.Resources.SecretARN != "" {
		return nil
	}
	c := s.client(doc)
	req := doc.Request
	name := req.SecretName()
	value, err := s.generate()
	if err != nil {
		return family.Failure(contract.ActionCreate, err.Error(), "The Lambda could not draw random values: retry.")
	}
	out, err := c.CreateSecret(ctx, &sm.CreateSecretInput{
		Name:               aws.String(name),
		Description:        aws.String("GeuseMaker workload credentials of deployment " + req.DeploymentID),
		SecretString:       aws.String(value.JSON()),
		ClientRequestToken: aws.String(doc.Token("secret")),
		Tags:               tags(req, name),
	})
	arn := ""
	switch code := awsapi.Code(err); {
	case err == nil:
		arn = aws.ToString(out.ARN)
		s.Logger(doc, contract.ActionCreate).Info("created secret", "resource", "secret", "id", arn)
	case code == codeExists:
		// A lost reply, or a redelivered invocation: the secret is ours
		// when its tags say so.
		d, ferr := find(ctx, c, name)
		if ferr != nil {
			return family.AWSFailure(contract.ActionCreate, ferr, remedyCreate)
		}
		if d == nil || !step.Owns(tagMap(d.Tags), req) {
			return family.Failure(contract.ActionCreate, fmt.Sprintf("secret %s exists in %s but is not deployment %s's", name, req.Region, req.DeploymentID),
				fmt.Sprintf("Delete the secret %s (aws secretsmanager delete-secret --force-delete-without-recovery --secret-id %s --region %s) or choose another deployment_id, then retry.", name, name, req.Region))
		}
		if d.DeletedDate != nil {
			return family.ResourceBusy(contract.ActionCreate, err, "The deployment's previous secret is still being deleted; the state machine retries.")
		}
		arn = aws.ToString(d.ARN)
	case code == codeInvalidRequest:
		// "a secret with this name is already scheduled for deletion": a
		// destroy moments ago, whose asynchronous deletion has not ended.
		return family.ResourceBusy(contract.ActionCreate, err, "The deployment's previous secret is still being deleted; the state machine retries.")
	default:
		return family.AWSFailure(contract.ActionCreate, fmt.Errorf("create secret %s: %w", name, err), remedyCreate)
	}
	doc.Resources.SecretARN = arn
	doc.Report(s.Clock.Now(), document.StageSecrets, "Workload credentials stored in Secrets Manager", arn)
	return nil
}

// delete removes the secret at once (no recovery window), found by the
// ledger's ARN or else by its name; a secret that is gone, or is not this
// deployment's, is left alone.
func (s *Step) delete(ctx context.Context, doc *document.Document) error {
	const remedy = "Check that the secrets Lambda may call secretsmanager:DeleteSecret, then run destroy again."
	req := doc.Request
	c := s.client(doc)
	id := doc.Resources.SecretARN
	if id == "" {
		d, err := find(ctx, c, req.SecretName())
		if err != nil {
			return family.AWSFailure(contract.ActionDelete, err, remedy)
		}
		switch {
		case d == nil || !step.Owns(tagMap(d.Tags), req):
			doc.NeverCreated("secret")
			return nil
		case d.DeletedDate != nil:
			doc.Removed("secret "+aws.ToString(d.ARN), true)
			return nil
		}
		id = aws.ToString(d.ARN)
	}
	_, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(id), ForceDeleteWithoutRecovery: aws.Bool(true)})
	switch {
	case awsapi.Code(err) == codeNotFound:
		doc.Removed("secret "+id, true)
	case err != nil:
		return family.AWSFailure(contract.ActionDelete, fmt.Errorf("delete secret %s: %w", id, err), remedy)
	default:
		s.Logger(doc, contract.ActionDelete).Info("deleted secret", "resource", "secret", "id", id)
		doc.Removed("secret "+id, false)
	}
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Workload credentials deleted", id)
	return nil
}

// find describes the secret named name, nil when there is none.
func find(ctx context.Context, c api, name string) (*sm.DescribeSecretOutput, error) {
	d, err := c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(name)})
	if awsapi.Code(err) == codeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe secret %s: %w", name, err)
	}
	return d, nil
}

func tags(req document.Request, name string) []types.Tag {
	return step.Tags(req, name, func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} })
}

func tagMap(ts []types.Tag) map[string]string {
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}
