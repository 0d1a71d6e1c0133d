package elbv2_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/elbv2/elbv2test"
	"geusemaker/internal/steps/elbv2"
)

func TestStatusPollsUntilActive(t *testing.T) {
	e := newEnv(t)
	doc := newDoc(false)
	e.mustRun(contract.ActionCreate, doc)

	var polls []document.Poll
	overall := []int{doc.Progress.Percent}
	for !doc.Status[contract.StatusALB].Done {
		require.Less(t, len(polls), 10, "polls must end")
		e.clock.Advance(time.Duration(doc.Status[contract.StatusALB].NextPollSeconds) * time.Second)
		e.mustRun(contract.ActionStatus, doc)
		polls = append(polls, doc.Status[contract.StatusALB])
		// The stage's own estimate is the poll's; the overall percent
		// follows the clock.
		assert.Equal(t, doc.Status[contract.StatusALB].Percent, doc.Progress.StagePercent)
		assert.Greater(t, doc.Progress.Percent, overall[len(overall)-1], "the overall percent grows with the clock")
		assert.Less(t, doc.Progress.Percent, 100)
		overall = append(overall, doc.Progress.Percent)
	}
	last := polls[len(polls)-1]
	assert.Equal(t, "active", last.Status)
	assert.Equal(t, 100, last.Percent)
	for _, p := range polls[:len(polls)-1] {
		assert.Less(t, p.Percent, 100)
		assert.GreaterOrEqual(t, p.NextPollSeconds, 10)
	}
	assert.LessOrEqual(t, len(polls), 4, "polls land just after the typical 3 min")
	assert.Contains(t, doc.Progress.Message, doc.Resources.ALBDNS)
}

func TestStatusTimesOutWhenTheALBNeverTurnsActive(t *testing.T) {
	e := newEnv(t)
	doc := newDoc(false)
	// A VPC without an internet gateway: the ALB stays provisioning.
	doc.Resources.SubnetIDs = []string{elbv2test.SubnetX, elbv2test.SubnetY}
	doc.Resources.SecurityGroupIDs[document.SGRoleALB] = elbv2test.GroupX
	e.mustRun(contract.ActionCreate, doc)

	e.clock.Advance(15 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	assert.False(t, doc.Status[contract.StatusALB].Done)
	assert.Greater(t, doc.Status[contract.StatusALB].Percent, 90, "long past the typical 3 min")
	assert.Less(t, doc.Status[contract.StatusALB].Percent, 100, "not done")

	e.clock.Advance(time.Second)
	cause := requireStepError(t, e.run(contract.ActionStatus, doc), contract.Timeout, "")
	assert.Contains(t, cause.Remediation, "internet gateway")
}

func TestStatusNamesLoadBalancerStates(t *testing.T) {
	tests := []struct {
		state types.LoadBalancerStateEnum
		err   string
	}{
		{types.LoadBalancerStateEnumFailed, contract.LoadBalancerFailed},
		{types.LoadBalancerStateEnumActiveImpaired, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.state), func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc(false)
			e.mustRun(contract.ActionCreate, doc)
			e.withLoadBalancerState(tt.state)
			err := e.run(contract.ActionStatus, doc)
			if tt.err == "" {
				require.NoError(t, err)
				assert.True(t, doc.Status[contract.StatusALB].Done)
				return
			}
			cause := requireStepError(t, err, tt.err, "")
			assert.Contains(t, cause.Message, "simulated reason")
		})
	}
}

func TestStatusFailures(t *testing.T) {
	t.Run("nothing recorded", func(t *testing.T) {
		e := newEnv(t)
		requireStepError(t, e.run(contract.ActionStatus, newDoc(false)), contract.InternalError, "")
	})
	t.Run("deleted meanwhile", func(t *testing.T) {
		e := newEnv(t)
		doc := newDoc(false)
		e.mustRun(contract.ActionCreate, doc)
		e.mustRun(contract.ActionDelete, newDoc(false))
		cause := requireStepError(t, e.run(contract.ActionStatus, doc), contract.LoadBalancerFailed, "LoadBalancerNotFound")
		assert.Contains(t, cause.Remediation, "outside GeuseMaker")
	})
	t.Run("describe denied", func(t *testing.T) {
		e := newEnv(t)
		doc := newDoc(false)
		e.mustRun(contract.ActionCreate, doc)
		e.w.Inject(fault("DescribeLoadBalancers", "AccessDenied"))
		requireStepError(t, e.run(contract.ActionStatus, doc), contract.LoadBalancerFailed, "AccessDenied")
	})
}

// activeWithTarget creates the ALB, waits it out and registers the
// instance, whose workload answers after up.
func activeWithTarget(t *testing.T, up time.Duration) (*env, *document.Document) {
	e := newEnv(t)
	e.runInstance(up)
	doc := newDoc(false)
	e.mustRun(contract.ActionCreate, doc)
	e.clock.Advance(3 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	require.True(t, doc.Status[contract.StatusALB].Done)
	e.mustRun(contract.ActionRegister, doc)
	return e, doc
}

// The instance's branch registers the instance as soon as it runs, with a
// ledger that lacks the target group (the load balancer's branch records
// it): the group is found by name, and the ledger left as it was.
func TestRegisterFindsTheTargetGroupByName(t *testing.T) {
	e := newEnv(t)
	e.runInstance(0)
	alb := newDoc(false)
	e.mustRun(contract.ActionCreate, alb)
	branch := newDoc(false)
	e.mustRun(contract.ActionRegister, branch)
	assert.Empty(t, branch.Resources.TargetGroupARN)
	out, err := e.elb.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(alb.Resources.TargetGroupARN)})
	require.NoError(t, err)
	require.Len(t, out.TargetHealthDescriptions, 1)
	assert.Equal(t, instanceID, aws.ToString(out.TargetHealthDescriptions[0].Target.Id))
}

func TestTargetsTurnHealthy(t *testing.T) {
	e, doc := activeWithTarget(t, 4*time.Minute)
	poll := doc.Status[contract.StatusTargets]
	assert.Equal(t, "initial", poll.Status)
	deadline, err := document.ParseTimestamp(doc.Deadlines[contract.StatusTargets])
	require.NoError(t, err)
	assert.Equal(t, e.clock.Now().Add(10*time.Minute), deadline)

	var seen []string
	for !doc.Status[contract.StatusTargets].Done {
		require.Less(t, len(seen), 20, "polls must end")
		e.clock.Advance(time.Duration(doc.Status[contract.StatusTargets].NextPollSeconds) * time.Second)
		e.mustRun(contract.ActionTargetsStatus, doc)
		seen = append(seen, doc.Status[contract.StatusTargets].Status)
	}
	assert.Equal(t, "healthy", seen[len(seen)-1])
	assert.Equal(t, document.StageHealth, doc.Progress.Stage)

	t.Run("registering again changes nothing", func(t *testing.T) {
		e.mustRun(contract.ActionRegister, doc)
		e.mustRun(contract.ActionTargetsStatus, doc)
		assert.True(t, doc.Status[contract.StatusTargets].Done)
	})
}

func TestTargetPollLandsJustAfterTheExpectedHealthyTime(t *testing.T) {
	checks := elbv2.HealthyThreshold * elbv2.HealthCheckInterval
	tests := []struct {
		name string
		// runningAgo is how long before the registration the instance was
		// seen running (0: not recorded); activeIn is how long after it the
		// load balancer was seen active (0: not recorded).
		runningAgo, activeIn time.Duration
		// want is the expected time to healthy, from the registration.
		want time.Duration
	}{
		{"instance boot unknown: the typical boot, then the checks", 0, 0, 4*time.Minute + checks},
		{"instance running for 3 min: its workload answers in 1 min", 3 * time.Minute, 0, time.Minute + checks},
		{"workload long up: the checks alone", 10 * time.Minute, 0, checks},
		{"load balancer active after the registration: checks start then", 10 * time.Minute, 2 * time.Minute, 2*time.Minute + checks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.runInstance(time.Minute)
			doc := newDoc(false)
			e.mustRun(contract.ActionCreate, doc)
			now := e.clock.Now()
			if tt.runningAgo > 0 {
				doc.SetTiming(document.StageCompute, now.Add(-tt.runningAgo-time.Minute), now.Add(-tt.runningAgo))
			}
			if tt.activeIn > 0 {
				doc.SetTiming(document.StageLoadBalancer, now, now.Add(tt.activeIn))
			}
			e.mustRun(contract.ActionRegister, doc)
			assert.Equal(t, int((tt.want+document.PollSlack)/time.Second), doc.Status[contract.StatusTargets].NextPollSeconds)
		})
	}
}

func TestTargetsUnhealthyAfterTheDeadline(t *testing.T) {
	e, doc := activeWithTarget(t, 0)
	e.w.Do(func() { e.net.Run(instanceID, time.Time{}) }) // the workload never answers

	e.clock.Advance(10 * time.Minute)
	e.mustRun(contract.ActionTargetsStatus, doc)
	poll := doc.Status[contract.StatusTargets]
	assert.Equal(t, "unhealthy", poll.Status)
	assert.Contains(t, poll.Detail, "Target.FailedHealthChecks")

	e.clock.Advance(time.Second)
	cause := requireStepError(t, e.run(contract.ActionTargetsStatus, doc), contract.TargetUnhealthy, "")
	assert.Contains(t, cause.Message, "Target.FailedHealthChecks")
	assert.Contains(t, cause.Remediation, "/healthz")
	assert.Contains(t, cause.Remediation, "Session Manager")
}

func TestTargetsFailAtOnceWhenTheInstanceStops(t *testing.T) {
	e, doc := activeWithTarget(t, 4*time.Minute)
	e.w.Do(func() { e.net.SetState(instanceID, "stopped") })
	cause := requireStepError(t, e.run(contract.ActionTargetsStatus, doc), contract.TargetUnhealthy, "")
	assert.Contains(t, cause.Message, "Target.InvalidState")
}

func TestRegisterFailures(t *testing.T) {
	t.Run("instance not running", func(t *testing.T) {
		e := newEnv(t)
		doc := newDoc(false)
		e.mustRun(contract.ActionCreate, doc)
		e.runInstance(0)
		e.w.Do(func() { e.net.SetState(instanceID, "stopped") })
		cause := requireStepError(t, e.run(contract.ActionRegister, doc), contract.LoadBalancerFailed, "InvalidTarget")
		assert.Contains(t, cause.Remediation, "running")
	})
	t.Run("no instance recorded", func(t *testing.T) {
		e := newEnv(t)
		doc := newDoc(false)
		doc.Resources.InstanceID = ""
		requireStepError(t, e.run(contract.ActionRegister, doc), contract.InternalError, "")
	})
	t.Run("no target group yet", func(t *testing.T) {
		e := newEnv(t)
		e.runInstance(0)
		c := requireStepError(t, e.run(contract.ActionRegister, newDoc(false)), contract.ResourceBusy, "")
		assert.Contains(t, c.Message, "target group d1-tg does not exist yet")
	})
	t.Run("another deployment's target group of the name", func(t *testing.T) {
		e := newEnv(t)
		e.runInstance(0)
		_, err := e.elb.CreateTargetGroup(e.ctx, &elb.CreateTargetGroupInput{
			Name: aws.String("d1-tg"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(elbv2test.VPC),
			Tags: []types.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String("other")}},
		})
		require.NoError(t, err)
		c := requireStepError(t, e.run(contract.ActionRegister, newDoc(false)), contract.LoadBalancerFailed, "")
		assert.Contains(t, c.Message, `belongs to deployment "other"`)
	})
	t.Run("health unreadable", func(t *testing.T) {
		e, doc := activeWithTarget(t, 0)
		e.w.Inject(fault("DescribeTargetHealth", "TargetGroupNotFound"))
		requireStepError(t, e.run(contract.ActionTargetsStatus, doc), contract.LoadBalancerFailed, "TargetGroupNotFound")
	})
}

// Registered as soon as the instance runs, the target has its whole wait
// from when the ALB became active, if that came later: health checks start
// only then.
func TestTheHealthWaitCountsFromTheALBBecomingActive(t *testing.T) {
	e, doc := activeWithTarget(t, time.Hour) // a workload that never answers in time
	active := e.clock.Now().Add(5 * time.Minute)
	doc.SetTiming(document.StageLoadBalancer, e.clock.Now().Add(-3*time.Minute), active)
	e.clock.Advance(12 * time.Minute)
	require.NoError(t, e.run(contract.ActionTargetsStatus, doc), "past the registration's 10 minutes, within the ALB's")
	assert.False(t, doc.Status[contract.StatusTargets].Done)
	e.clock.Advance(4 * time.Minute)
	requireStepError(t, e.run(contract.ActionTargetsStatus, doc), contract.TargetUnhealthy, "")
}
