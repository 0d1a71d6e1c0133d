package stack

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
)

// unscoped lists the only actions a step Lambda may hold on Resource "*",
// each with the reason: AWS offers no resource-level permission for them
// (the Service Authorization Reference lists no resource type), so "*" is
// the narrowest scope that works.
var unscoped = map[string]string{
	"ec2:DescribeAvailabilityZones":              "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeImages":                         "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeInstanceTypes":                  "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeInstanceTypeOfferings":          "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeInstances":                      "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeInternetGateways":               "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeManagedPrefixLists":             "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeNetworkInterfaces":              "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeRouteTables":                    "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeSecurityGroupRules":             "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeSecurityGroups":                 "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeSubnets":                        "Describe* calls of EC2 take no resource ARN",
	"ec2:DescribeVpcs":                           "Describe* calls of EC2 take no resource ARN",
	"elasticfilesystem:DescribeFileSystems":      "the look-up by creation token lists file systems before any id is known",
	"elasticfilesystem:DescribeMountTargets":     "listing mount targets by file system id is authorized on the account",
	"elasticloadbalancing:DescribeListeners":     "Describe* calls of Elastic Load Balancing take no resource ARN",
	"elasticloadbalancing:DescribeLoadBalancers": "Describe* calls of Elastic Load Balancing take no resource ARN",
	"elasticloadbalancing:DescribeRules":         "Describe* calls of Elastic Load Balancing take no resource ARN",
	"elasticloadbalancing:DescribeTags":          "Describe* calls of Elastic Load Balancing take no resource ARN",
	"elasticloadbalancing:DescribeTargetGroups":  "Describe* calls of Elastic Load Balancing take no resource ARN",
	"elasticloadbalancing:DescribeTargetHealth":  "Describe* calls of Elastic Load Balancing take no resource ARN",
	"cloudfront:ListDistributions":               "CloudFront's List* calls take no resource ARN (look-up by CallerReference/tag)",
	"cloudfront:CreateDistribution":              "CreateDistribution names no resource type in the Service Authorization Reference; the deployment tag in the request gates it",
	"cloudfront:CreateDistributionWithTags":      "the API of CreateDistribution with tags (authorized as CreateDistribution and TagResource): as CreateDistribution",
	"cloudfront:CreateVpcOrigin":                 "CreateVpcOrigin names no resource type in the Service Authorization Reference; the deployment tag in the request gates it",
	"cloudfront:ListVpcOrigins":                  "CloudFront's List* calls take no resource ARN (look-up by name, then tags)",
	"servicequotas:GetAWSDefaultServiceQuota":    "AWS's default quotas belong to no account: there is no quota ARN of this account to name",
	"iam:ListPolicies":                           "IAM's ListPolicies takes no resource ARN (the iam step finds the boundary by name)",
	"ssm:GetCommandInvocation":                   "SSM's command results take no resource ARN",
	"xray:PutTraceSegments":                      "X-Ray tracing (added by CDK for active tracing) takes no resource ARN",
	"xray:PutTelemetryRecords":                   "X-Ray tracing (added by CDK for active tracing) takes no resource ARN",
}

// Tag conditions: deployments tag everything at creation, so a tag in the
// request gates creation and a tag on the resource gates every change.
var (
	requestTagged  = map[string]any{"Null": map[string]any{"aws:RequestTag/geusemaker:deployment": "false"}}
	resourceTagged = map[string]any{"Null": map[string]any{"aws:ResourceTag/geusemaker:deployment": "false"}}
)

// arns builds ARN patterns for the stack's partition and account.
type arns struct{ partition, account string }

func newARNs(s awscdk.Stack) arns { return arns{partition: *s.Partition(), account: *s.Account()} }

// regional is an ARN of this account in any region.
func (a arns) regional(service, resource string) string {
	return "arn:" + a.partition + ":" + service + ":*:" + a.account + ":" + resource
}

// global is an ARN of this account in a global service (IAM, CloudFront).
func (a arns) global(service, resource string) string {
	return "arn:" + a.partition + ":" + service + "::" + a.account + ":" + resource
}

// public is an ARN owned by AWS or anyone (public AMIs, parameters).
func (a arns) public(service, resource string) string {
	return "arn:" + a.partition + ":" + service + ":*::" + resource
}

func (a arns) ec2(types ...string) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = a.regional("ec2", t+"/*")
	}
	return out
}

func statement(actions, resources []string, conditions map[string]any) awsiam.PolicyStatement {
	p := &awsiam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)}
	if conditions != nil {
		p.Conditions = &conditions
	}
	return awsiam.NewPolicyStatement(p)
}

// reads are statements on "*" of actions listed in unscoped.
func reads(actions ...string) awsiam.PolicyStatement {
	for _, a := range actions {
		if _, ok := unscoped[a]; !ok {
			panic("stack: " + a + " is not listed in unscoped")
		}
	}
	return statement(actions, []string{"*"}, nil)
}

// merge joins condition blocks: every condition of each must hold.
func merge(blocks ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, b := range blocks {
		for op, keys := range b {
			m, _ := out[op].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			for k, v := range keys.(map[string]any) {
				m[k] = v
			}
			out[op] = m
		}
	}
	return out
}

// tagOnCreate lets a service tag what it creates, and only then.
func tagOnCreate(action, conditionKey string, resources []string, creates ...string) awsiam.PolicyStatement {
	return statement([]string{action}, resources, map[string]any{"StringEquals": map[string]any{conditionKey: creates}})
}

// policies returns each step Lambda's statements: its family's actions
// only, creation gated on the deployment tag in the request, changes and
// deletes on the deployment tag of the resource, wherever the action
// supports it.
func policies(s awscdk.Stack) map[string][]awsiam.PolicyStatement {
	return policiesFor(newARNs(s), *s.Region())
}

// nagARNs are the ARN patterns as cdk-nag names them in its findings: the
// partition as <AWS::Partition>, an account unknown at synth time as
// <AWS::AccountId>.
func nagARNs(s awscdk.Stack) arns {
	a := arns{partition: "<AWS::Partition>", account: *s.Account()}
	if *awscdk.Token_IsUnresolved(s.Account()) {
		a.account = "<AWS::AccountId>"
	}
	return a
}

// wildcards lists, per step Lambda, the cdk-nag form ("Resource::<ARN>")
// of every resource pattern of its statements, and "*" (its own unscoped
// actions, and X-Ray, which CDK adds for active tracing): exactly what its
// AwsSolutions-IAM5 suppression names, so a new wildcard is a finding.
func wildcards(s awscdk.Stack) map[string][]string {
	out := map[string][]string{}
	for name, stmts := range policiesFor(nagARNs(s), *s.Region()) {
		seen := map[string]bool{"Resource::*": true}
		out[name] = []string{"Resource::*"}
		for _, st := range stmts {
			for _, r := range *st.Resources() {
				if k := "Resource::" + *r; strings.Contains(*r, "*") && !seen[k] {
					seen[k] = true
					out[name] = append(out[name], k)
				}
			}
		}
	}
	return out
}

// policiesFor builds each Lambda's statements (one file per family,
// iam_<lambda>.go) with ARN patterns a and the region.
func policiesFor(a arns, region string) map[string][]awsiam.PolicyStatement {
	p := newPatterns(a, region)
	return map[string][]awsiam.PolicyStatement{
		// Validate checks the request alone: no AWS API.
		contract.Validate:   nil,
		contract.Preflight:  preflightPolicy(p),
		contract.Smoke:      smokePolicy(p),
		contract.Secrets:    secretsPolicy(p),
		contract.Network:    networkPolicy(p),
		contract.Firewall:   firewallPolicy(p),
		contract.EFS:        efsPolicy(p),
		contract.IAM:        iamPolicy(p),
		contract.Compute:    computePolicy(p),
		contract.ELBv2:      elbv2Policy(p),
		contract.CloudFront: cloudfrontPolicy(p),
		contract.Finalize:   finalizePolicy(p),
	}
}

// patterns are the ARN patterns and conditions several families' policies
// share.
type patterns struct {
	arns
	awsParams, instanceRole, instanceProfile, distributions, secrets, fileSystems string
	lb, tg, listeners                                                             []string
	// bounded holds a role to the region's boundary.
	bounded map[string]any
}

func newPatterns(a arns, region string) patterns {
	return patterns{
		arns:            a,
		awsParams:       a.public("ssm", "parameter/aws/service/*"),
		instanceRole:    a.global("iam", "role/*-efs-mount-role"),
		instanceProfile: a.global("iam", "instance-profile/*-instance-profile"),
		// Every instance role has the region's boundary: creating one or
		// changing its policies is allowed only then, so the iam
		// Lambda cannot mint a role with more than an instance needs
		// ("Permissions boundaries for IAM entities", IAM user guide).
		bounded: map[string]any{"StringEquals": map[string]any{
			"iam:PermissionsBoundary": a.global("iam", "policy"+contract.BoundaryPath+contract.BoundaryName(region)),
		}},
		distributions: a.global("cloudfront", "distribution/*"),
		secrets:       a.regional("secretsmanager", "secret:geusemaker/*"),
		fileSystems:   a.regional("elasticfilesystem", "file-system/*"),
		lb:            []string{a.regional("elasticloadbalancing", "loadbalancer/app/*/*")},
		tg:            []string{a.regional("elasticloadbalancing", "targetgroup/*/*")},
		listeners:     []string{a.regional("elasticloadbalancing", "listener/app/*/*/*"), a.regional("elasticloadbalancing", "listener-rule/app/*/*/*/*")},
	}
}

// viaService limits a KMS grant to calls service makes for the Lambda.
func (p patterns) viaService(service string) map[string]any {
	return map[string]any{"StringLike": map[string]any{"kms:ViaService": service + ".*.amazonaws.com"}}
}
