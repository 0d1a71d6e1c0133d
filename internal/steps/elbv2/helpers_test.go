package elbv2_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	simelb "geusemaker/internal/sim/elbv2"
	"geusemaker/internal/sim/elbv2/elbv2test"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/elbv2"
)

const instanceID = "i-0123456789abcdef0"

// env is one test's simulated account and step.
type env struct {
	t     *testing.T
	ctx   context.Context
	w     *account.Account
	model *simelb.Model
	net   *elbv2test.Network
	clock *clock.Virtual
	cfg   aws.Config
	logs  *bytes.Buffer
	elb   *elb.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	vc := clock.NewVirtual(account.Epoch)
	// Consistent: the windows are the end-to-end tests' (internal/localrun)
	// and TestDeleteWaitsOutTheTargetGroupStillInUse's.
	w := account.New(account.WithClock(vc), account.WithConsistency())
	net := elbv2test.NewNetwork()
	w.Network = net
	e := &env{t: t, ctx: context.Background(), w: w, model: simelb.Register(w), net: net, clock: vc,
		cfg: w.Config("us-east-1"), logs: &bytes.Buffer{}}
	e.elb = elb.NewFromConfig(e.cfg)
	return e
}

// elbIn is an ELBv2 client of the env's account in region.
func (e *env) elbIn(region string) *elb.Client { return elb.NewFromConfig(e.w.Config(region)) }

// step builds the step from the env's config, as a Lambda main would.
func (e *env) step() *elbv2.Step {
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return elbv2.New(e.cfg, e.clock, log)
}

// run runs one action on doc.
func (e *env) run(action string, doc *document.Document) error {
	e.t.Helper()
	act, ok := e.step().Actions()[action]
	require.True(e.t, ok, action)
	return act(e.ctx, doc)
}

// mustRun runs one action and requires it to succeed.
func (e *env) mustRun(action string, doc *document.Document) {
	e.t.Helper()
	require.NoError(e.t, e.run(action, doc))
}

// newDoc is a Tier 2 (cdn false) or Tier 3 (cdn true) document after the
// network, firewall and compute steps.
func newDoc(cdn bool) *document.Document {
	tier := document.TierAutomation
	if cdn {
		tier = document.TierGPU
	}
	return &document.Document{
		Request: document.Request{DeploymentID: "d1", Tier: tier, Region: "us-east-1", EnableALB: true, EnableCDN: cdn},
		Resources: document.Ledger{
			VPCID:            elbv2test.VPC,
			SubnetIDs:        []string{elbv2test.SubnetA, elbv2test.SubnetB},
			SecurityGroupIDs: map[string]string{document.SGRoleALB: elbv2test.GroupALB},
			InstanceID:       instanceID,
		},
	}
}

// runInstance plants the deployment's instance, its workload up after up.
func (e *env) runInstance(up time.Duration) {
	e.w.Do(func() { e.net.Run(instanceID, e.clock.Now().Add(up)) })
}

// inventory counts live resources by type.
func (e *env) inventory() map[string]int {
	out := map[string]int{}
	for _, r := range e.w.Inventory() {
		out[r.Type]++
	}
	return out
}

// withLoadBalancerState makes every DescribeLoadBalancers answer state, for
// states the simulation never reaches (failed, active_impaired).
func (e *env) withLoadBalancerState(state types.LoadBalancerStateEnum) {
	e.cfg.APIOptions = append(e.cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("ForceState",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if o, ok := out.Result.(*elb.DescribeLoadBalancersOutput); ok {
					for i := range o.LoadBalancers {
						o.LoadBalancers[i].State = &types.LoadBalancerState{Code: state, Reason: aws.String("simulated reason")}
					}
				}
				return out, md, err
			}), middleware.Before)
	})
}

// requireStepError asserts err is a step error named name whose cause
// carries code (if any) and a remediation, and returns the cause.
func requireStepError(t *testing.T, err error, name, code string) document.Cause {
	t.Helper()
	var se *steperr.Error
	require.True(t, errors.As(err, &se), "not a step error: %v", err)
	assert.Equal(t, name, se.Name, se.Cause.Message)
	var cause document.Cause
	require.NoError(t, json.Unmarshal([]byte(se.CauseJSON()), &cause))
	assert.Equal(t, code, cause.AWSErrorCode)
	if code != "" {
		assert.NotEmpty(t, cause.AWSRequestID)
	}
	assert.NotEmpty(t, cause.Remediation)
	assert.Contains(t, cause.Step, "elbv2-")
	return cause
}

// fault fails every call of op with code.
func fault(op, code string) account.Fault {
	return account.Fault{Service: elb.ServiceID, Operation: op, Code: code}
}
