package bench

import (
	"maps"
	"time"

	"geusemaker/internal/document"
	"geusemaker/internal/sim"
	simcf "geusemaker/internal/sim/cloudfront"
	simec2 "geusemaker/internal/sim/ec2"
	simefs "geusemaker/internal/sim/efs"
	simelb "geusemaker/internal/sim/elbv2"
	simiam "geusemaker/internal/sim/iam"
	simssm "geusemaker/internal/sim/ssm"
	"geusemaker/internal/steps/elbv2"
)

// Latencies are the simulated AWS's lifecycle latencies by name.
type Latencies map[string]time.Duration

// DefaultLatencies are the simulated services' own defaults: the one
// source both the simulation and the critical paths read.
func DefaultLatencies() Latencies { return Latencies(sim.Latencies()) }

// With returns the latencies with overrides applied.
func (l Latencies) With(overrides map[string]time.Duration) Latencies {
	out := Latencies{}
	maps.Copy(out, l)
	maps.Copy(out, overrides)
	return out
}

// Profile is a named set of latency overrides.
type Profile struct {
	Name      string
	Overrides map[string]time.Duration
}

// Profiles are the latency profiles the benchmark runs: the defaults, and
// the slow or fast cases peers report.
var Profiles = []Profile{
	{Name: "default"},
	// ALB provisioning can reach 30 min (peers' reports); 10 min is a slow day.
	{Name: "slow ALB", Overrides: map[string]time.Duration{simelb.LatencyProvision: 10 * time.Minute}},
	// CloudFront sometimes deploys in about a minute.
	{Name: "fast CloudFront", Overrides: map[string]time.Duration{simcf.LatencyDeploy: time.Minute, simcf.LatencyUpdate: time.Minute}},
	// A large Deep Learning AMI on a cold volume.
	{Name: "slow GPU boot", Overrides: map[string]time.Duration{simec2.LatencyRunGPU: 5 * time.Minute}},
}

// Nodes of the declared graphs.
const (
	nodeNetwork         = "network resolved"
	nodeSecurityGroups  = "security groups created"
	nodeEFS             = "EFS available"
	nodeMountTargets    = "mount targets available"
	nodeProfile         = "IAM role and instance profile created"
	nodeProfileReady    = "instance profile usable"
	nodeRunning         = "instance running"
	nodeWorkload        = "workload answering"
	nodeGPUChecked      = "GPU checked"
	nodeALBActive       = "ALB active"
	nodeRegistered      = "target registered"
	nodeChecksStart     = "health checks started"
	nodeTargetHealthy   = "target healthy"
	nodeVPCOrigin       = "CloudFront VPC origin Deployed"
	nodeCFDeployed      = "CloudFront Deployed"
	nodeSmoke           = "smoke test passed"
	nodeCFDisabled      = "CloudFront disabled and Deployed"
	nodeCFDeleted       = "CloudFront deleted"
	nodeVPCOriginGone   = "CloudFront VPC origin deleted"
	nodeALBDeleted      = "ALB deleted"
	nodeALBENIs         = "ALB interfaces released"
	nodeTerminated      = "instance terminated"
	nodeRoleDeleted     = "IAM role and profile deleted"
	nodeMTDeleted       = "mount targets deleted"
	nodeEFSDeleted      = "EFS deleted"
	nodeSGDeleted       = "security groups deleted"
	nodeNetworkDeleted  = "network deleted"
	nodeTeardownStarted = "teardown started"
)

// DeployGraph is what AWS must do for a deployment of tier, and in which
// order it allows it, with l's latencies: EFS → mount targets → instance
// (also needing the instance profile to propagate) → workload answering;
// ALB → active → VPC origin (the ALB must be active; the sample requests’
// regions have VPC origins) → CloudFront (which takes a VPC origin once it
// is Deployed) → Deployed; target registered once the
// instance runs, checked once the ALB is active, healthy after the
// threshold of checks once the workload answers; the smoke test once
// users can reach the workload; the GPU check once the SSM agent is up.
func DeployGraph(tier document.Tier, l Latencies) Graph {
	run := l[simec2.LatencyRun]
	if tier == document.TierGPU {
		run = l[simec2.LatencyRunGPU]
	}
	g := Graph{
		{Name: nodeNetwork},
		// The groups' rules wait until EC2's other calls see the new groups.
		{Name: nodeSecurityGroups, Latency: l[simec2.WindowGroupVisible], Deps: []string{nodeNetwork}},
		{Name: nodeEFS, Latency: l[simefs.LatencyCreate], Deps: []string{nodeNetwork}},
		{Name: nodeMountTargets, Latency: l[simefs.LatencyMountTarget], Deps: []string{nodeEFS, nodeSecurityGroups}},
		{Name: nodeProfile},
		{Name: nodeProfileReady, Latency: l[simiam.LatencyProfilePropagation], Deps: []string{nodeProfile}, Auto: true},
		// The UserData mounts EFS at boot: the instance waits for its mount targets.
		{Name: nodeRunning, Latency: run, Deps: []string{nodeMountTargets, nodeProfileReady, nodeSecurityGroups}},
		{Name: nodeWorkload, Latency: l[simec2.LatencyWorkload], Deps: []string{nodeRunning}, Auto: true},
	}
	users := nodeWorkload
	if tier == document.TierGPU {
		// The SSM agent registers after the instance runs; the command's
		// result is readable once it has run.
		g = append(g, Node{Name: nodeGPUChecked, Latency: l[simssm.LatencyAgent] + max(l[simssm.LatencyCommand], l[simssm.LatencyInvocationVisible]), Deps: []string{nodeRunning}})
	}
	if tier != document.TierDev {
		g = append(g,
			Node{Name: nodeALBActive, Latency: l[simelb.LatencyProvision], Deps: []string{nodeSecurityGroups}},
			// The target group exists from the ALB's creation; the
			// instance must be running to be registered.
			Node{Name: nodeRegistered, Deps: []string{nodeRunning, nodeSecurityGroups}},
			Node{Name: nodeChecksStart, Deps: []string{nodeALBActive, nodeRegistered}, Auto: true},
			Node{Name: nodeTargetHealthy, Latency: elbv2.HealthyThreshold * elbv2.HealthCheckInterval,
				Deps: []string{nodeChecksStart, nodeWorkload}, Auto: true},
		)
		users = nodeTargetHealthy
	}
	smokeDeps := []string{users}
	if tier == document.TierGPU {
		g = append(g,
			Node{Name: nodeVPCOrigin, Latency: l[simcf.LatencyVPCOriginDeploy], Deps: []string{nodeALBActive}},
			Node{Name: nodeCFDeployed, Latency: l[simcf.LatencyDeploy], Deps: []string{nodeVPCOrigin}})
		smokeDeps = append(smokeDeps, nodeCFDeployed)
	}
	g = append(g, Node{Name: nodeSmoke, Deps: smokeDeps})
	if tier == document.TierGPU {
		g[len(g)-1].Deps = append(g[len(g)-1].Deps, nodeGPUChecked)
	}
	return g
}

// DeploySequence is the original tool's strictly sequential order for
// tier: EFS, the role, instance, then the ALB and its target, then
// CloudFront, each waited on before the next starts.
func DeploySequence(tier document.Tier) []string {
	order := []string{nodeNetwork, nodeSecurityGroups, nodeEFS, nodeMountTargets, nodeProfile, nodeRunning}
	if tier == document.TierGPU {
		order = append(order, nodeGPUChecked)
	}
	if tier != document.TierDev {
		order = append(order, nodeALBActive, nodeRegistered, nodeTargetHealthy)
	}
	if tier == document.TierGPU {
		order = append(order, nodeVPCOrigin, nodeCFDeployed)
	}
	return append(order, nodeSmoke)
}

// TeardownGraph is what AWS must do to delete a deployment of tier: the
// distribution disabled, deployed and deleted, then its VPC origin; the ALB
// deleted once no VPC origin points at it, and its
// interfaces released; the instance terminated before its profile goes;
// the mount targets deleted before the file system; the security groups
// once no interface uses them, then the network.
func TeardownGraph(tier document.Tier, l Latencies) Graph {
	g := Graph{
		{Name: nodeTeardownStarted},
		{Name: nodeTerminated, Latency: l[simec2.LatencyTerminate], Deps: []string{nodeTeardownStarted}},
		{Name: nodeRoleDeleted, Deps: []string{nodeTerminated}},
		{Name: nodeMTDeleted, Latency: l[simefs.LatencyMountTargetDelete], Deps: []string{nodeTeardownStarted}},
		{Name: nodeEFSDeleted, Deps: []string{nodeMTDeleted}},
	}
	sgDeps := []string{nodeTerminated, nodeMTDeleted}
	if tier != document.TierDev {
		albAfter := nodeTeardownStarted
		if tier == document.TierGPU {
			albAfter = nodeVPCOriginGone
		}
		g = append(g,
			Node{Name: nodeALBDeleted, Deps: []string{albAfter}},
			Node{Name: nodeALBENIs, Latency: l[simelb.LatencyENIRelease], Deps: []string{nodeALBDeleted}, Auto: true},
		)
		sgDeps = append(sgDeps, nodeALBENIs)
	}
	if tier == document.TierGPU {
		g = append(g,
			Node{Name: nodeCFDisabled, Latency: l[simcf.LatencyUpdate], Deps: []string{nodeTeardownStarted}},
			// Deployed, the disabled distribution still refuses its delete
			// for a moment.
			Node{Name: nodeCFDeleted, Latency: l[simcf.WindowDeleteAfterDisable], Deps: []string{nodeCFDisabled}},
			Node{Name: nodeVPCOriginGone, Latency: l[simcf.LatencyVPCOriginDelete], Deps: []string{nodeCFDeleted}},
		)
	}
	return append(g,
		Node{Name: nodeSGDeleted, Deps: sgDeps},
		Node{Name: nodeNetworkDeleted, Deps: []string{nodeSGDeleted}},
	)
}

// TeardownSequence is the original tool's destroy order: CloudFront (disable,
// wait, delete), ALB, instance (terminate, wait), IAM, mount targets (delete,
// wait), EFS, security groups, network.
func TeardownSequence(tier document.Tier) []string {
	order := []string{nodeTeardownStarted}
	if tier == document.TierGPU {
		order = append(order, nodeCFDisabled, nodeCFDeleted, nodeVPCOriginGone)
	}
	if tier != document.TierDev {
		order = append(order, nodeALBDeleted)
	}
	return append(order, nodeTerminated, nodeRoleDeleted, nodeMTDeleted, nodeEFSDeleted, nodeSGDeleted, nodeNetworkDeleted)
}
