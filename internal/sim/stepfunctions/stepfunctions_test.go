package stepfunctions_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/stepfunctions"
)

const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:geusemaker-deploy"

// fixed is a starter whose executions take n events to finish.
func fixed(n int) stepfunctions.Starter {
	return func(string, []byte) (*stepfunctions.Script, error) {
		sc := &stepfunctions.Script{Status: "SUCCEEDED", Output: `{}`, Start: account.Epoch, Stop: account.Epoch.Add(time.Minute), Step: 1}
		for i := range n {
			sc.Events = append(sc.Events, stepfunctions.Event{Type: "PassStateEntered", Time: account.Epoch.Add(time.Duration(i) * time.Second), Details: map[string]any{"name": "S"}})
		}
		return sc, nil
	}
}

func newClient(t *testing.T, n int) (*stepfunctions.Server, *sfn.Client) {
	t.Helper()
	srv := stepfunctions.New()
	t.Cleanup(srv.Close)
	srv.AddStateMachine(machine, fixed(n))
	return srv, sfn.NewFromConfig(srv.Config("us-east-1"))
}

func start(ctx context.Context, c *sfn.Client, name, input string) (*sfn.StartExecutionOutput, error) {
	return c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: &name, Input: &input})
}

func TestStartExecutionIsIdempotentAsStepFunctionsIs(t *testing.T) {
	ctx := context.Background()
	_, c := newClient(t, 3)
	first, err := start(ctx, c, "dep", `{"a":1}`)
	require.NoError(t, err)

	again, err := start(ctx, c, "dep", `{"a":1}`)
	require.NoError(t, err, "same name and input while running: the same execution")
	assert.Equal(t, aws.ToString(first.ExecutionArn), aws.ToString(again.ExecutionArn))

	var exists *types.ExecutionAlreadyExists
	_, err = start(ctx, c, "dep", `{"a":2}`)
	assert.ErrorAs(t, err, &exists, "other input while running")

	for {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: first.ExecutionArn})
		require.NoError(t, err)
		if d.Status != types.ExecutionStatusRunning {
			assert.Equal(t, types.ExecutionStatusSucceeded, d.Status)
			assert.Equal(t, account.Epoch.Add(time.Minute), aws.ToTime(d.StopDate).UTC())
			break
		}
	}
	_, err = start(ctx, c, "dep", `{"a":1}`)
	assert.ErrorAs(t, err, &exists, "a finished execution keeps its name")
}

func TestStepFunctionsErrorsAreTheSDKsTypes(t *testing.T) {
	ctx := context.Background()
	srv, c := newClient(t, 1)
	var invalid *types.InvalidName
	_, err := start(ctx, c, "has space", `{}`)
	assert.ErrorAs(t, err, &invalid)

	var noMachine *types.StateMachineDoesNotExist
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine + "x"), Name: aws.String("n")})
	assert.ErrorAs(t, err, &noMachine)
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machine + "x")})
	assert.ErrorAs(t, err, &noMachine)

	var missing *types.ExecutionDoesNotExist
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(stepfunctions.ExecutionARN(machine, "none"))})
	assert.ErrorAs(t, err, &missing)
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(stepfunctions.ExecutionARN(machine, "none"))})
	assert.ErrorAs(t, err, &missing)

	var token *types.InvalidToken
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machine), NextToken: aws.String("bogus")})
	assert.ErrorAs(t, err, &token)

	srv.Fail("StartExecution", "UnrecognizedClientException")
	_, err = start(ctx, c, "n", `{}`)
	assert.Equal(t, "UnrecognizedClientException", awsapi.Code(err))
	_, err = start(ctx, c, "n", `{}`)
	assert.NoError(t, err, "a fault fires once")
	assert.Equal(t, []string{"StartExecution", "StartExecution", "ListExecutions", "DescribeExecution", "GetExecutionHistory", "ListExecutions", "StartExecution", "StartExecution"}, srv.Calls())
}

func TestHistoryPagesForwardAndBackward(t *testing.T) {
	ctx := context.Background()
	_, c := newClient(t, 5)
	x, err := start(ctx, c, "dep", `{}`)
	require.NoError(t, err)
	for range 5 {
		_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn})
		require.NoError(t, err)
	}
	read := func(reverse bool) []int64 {
		var ids []int64
		p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn, ReverseOrder: reverse, MaxResults: 2})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			require.NoError(t, err)
			for _, e := range page.Events {
				ids = append(ids, e.Id)
			}
		}
		return ids
	}
	assert.Equal(t, []int64{1, 2, 3, 4, 5, 6}, read(false))
	assert.Equal(t, []int64{6, 5, 4, 3, 2, 1}, read(true))

	out, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn})
	require.NoError(t, err)
	assert.Equal(t, types.HistoryEventTypeExecutionStarted, out.Events[0].Type)
	assert.Equal(t, "{}", aws.ToString(out.Events[0].ExecutionStartedEventDetails.Input))
	assert.Equal(t, "S", aws.ToString(out.Events[1].StateEnteredEventDetails.Name))
}

func TestListExecutionsNewestFirstByStatus(t *testing.T) {
	ctx := context.Background()
	_, c := newClient(t, 1)
	for _, n := range []string{"a", "b", "c"} {
		_, err := start(ctx, c, n, `{}`)
		require.NoError(t, err)
	}
	_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(stepfunctions.ExecutionARN(machine, "b"))})
	require.NoError(t, err)
	names := func(status types.ExecutionStatus) []string {
		var out []string
		p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machine), StatusFilter: status, MaxResults: 1})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			require.NoError(t, err)
			for _, x := range page.Executions {
				out = append(out, aws.ToString(x.Name))
			}
		}
		return out
	}
	assert.Equal(t, []string{"c", "b", "a"}, names(""))
	assert.Equal(t, []string{"c", "a"}, names(types.ExecutionStatusRunning))
	assert.Equal(t, []string{"b"}, names(types.ExecutionStatusSucceeded))
}

func TestDescribeStacksByRegionAndName(t *testing.T) {
	ctx := context.Background()
	srv := stepfunctions.New()
	t.Cleanup(srv.Close)
	srv.AddStack("eu-west-1", "GeuseMaker", map[string]string{"DeployStateMachineArn": machine})
	describe := func(region, name string) (*cloudformation.DescribeStacksOutput, error) {
		return cloudformation.NewFromConfig(srv.Config(region)).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	}
	out, err := describe("eu-west-1", "GeuseMaker")
	require.NoError(t, err)
	require.Len(t, out.Stacks, 1)
	assert.Equal(t, "DeployStateMachineArn", aws.ToString(out.Stacks[0].Outputs[0].OutputKey))
	assert.Equal(t, machine, aws.ToString(out.Stacks[0].Outputs[0].OutputValue))

	for _, tt := range []struct{ region, name string }{{"us-east-1", "GeuseMaker"}, {"eu-west-1", "Other"}} {
		_, err := describe(tt.region, tt.name)
		assert.Equal(t, "ValidationError", awsapi.Code(err))
		assert.Contains(t, err.Error(), "Stack with id "+tt.name+" does not exist")
	}
}

func TestSimReplaysARealWorkflowAsStepFunctionsHistory(t *testing.T) {
	s, err := stepfunctions.Simulate("us-east-1", account.WithFault(account.Fault{Service: "EC2", Operation: "RunInstances", Code: "InsufficientInstanceCapacity"}))
	require.NoError(t, err)
	sc, err := s.Starter(context.Background(), localrun.Deploy)("dep", []byte(`{"deployment_id":"dep","region":"us-east-1"}`))
	require.NoError(t, err)
	assert.Equal(t, "FAILED", sc.Status)
	assert.Equal(t, "InsufficientCapacity", sc.Error)
	types := map[string]int{}
	for _, e := range sc.Events {
		types[e.Type]++
	}
	for _, typ := range []string{"TaskStateEntered", "ChoiceStateEntered", "LambdaFunctionScheduled", "LambdaFunctionSucceeded", "LambdaFunctionFailed", "TaskScheduled", "TaskSucceeded", "ExecutionFailed"} {
		assert.Positive(t, types[typ], typ)
	}
	last := sc.Events[len(sc.Events)-1]
	assert.Equal(t, "ExecutionFailed", last.Type)
	assert.Equal(t, "InsufficientCapacity", last.Details["error"])

	_, err = s.Starter(context.Background(), localrun.Workflow("nope"))("x", []byte(`{}`))
	assert.True(t, err != nil && !errors.Is(err, context.Canceled), "an unknown workflow does not start")
}
