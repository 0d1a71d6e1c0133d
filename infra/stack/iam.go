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
	"servicequotas:GetAWSDefaultServiceQuota":    "AWS's default quotas belong to no account: there is no quota ARN of this account to name",
	"iam:ListPolicies":                           "IAM's ListPolicies takes no resource ARN (the identity step finds the boundary by name)",
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

// policiesFor builds the statements with ARN patterns a and the region.
func policiesFor(a arns, region string) map[string][]awsiam.PolicyStatement {
	awsParams := a.public("ssm", "parameter/aws/service/*")
	instanceRole := a.global("iam", "role/*-efs-mount-role")
	instanceProfile := a.global("iam", "instance-profile/*-instance-profile")
	// Every instance role has the region's boundary: creating one or
	// changing its policies is allowed only then, so this Lambda cannot
	// mint a role with more than an instance needs ("Permissions
	// boundaries for IAM entities", IAM user guide).
	bounded := map[string]any{"StringEquals": map[string]any{
		"iam:PermissionsBoundary": a.global("iam", "policy"+contract.BoundaryPath+contract.BoundaryName(region)),
	}}
	distributions := a.global("cloudfront", "distribution/*")
	secrets := a.regional("secretsmanager", "secret:geusemaker/*")
	fileSystems := a.regional("elasticfilesystem", "file-system/*")
	lb := []string{a.regional("elasticloadbalancing", "loadbalancer/app/*/*")}
	tg := []string{a.regional("elasticloadbalancing", "targetgroup/*/*")}
	listeners := []string{a.regional("elasticloadbalancing", "listener/app/*/*/*"), a.regional("elasticloadbalancing", "listener-rule/app/*/*/*/*")}
	viaService := func(service string) map[string]any {
		return map[string]any{"StringLike": map[string]any{"kms:ViaService": service + ".*.amazonaws.com"}}
	}
	return map[string][]awsiam.PolicyStatement{
		// Validate checks the request alone: no AWS API.
		contract.Validate: nil,
		// Preflight only reads: the supplied network, offerings, usage of
		// each quota it checks, and the quotas themselves (applied values
		// of this account's quotas of the five services it checks).
		contract.Preflight: {
			reads("ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeInternetGateways", "ec2:DescribeSecurityGroups",
				"ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeInstances",
				"ec2:DescribeManagedPrefixLists", "ec2:DescribeAvailabilityZones",
				"elasticloadbalancing:DescribeLoadBalancers", "elasticfilesystem:DescribeFileSystems",
				"elasticfilesystem:DescribeMountTargets",
				"cloudfront:ListDistributions", "servicequotas:GetAWSDefaultServiceQuota"),
			statement([]string{"servicequotas:GetServiceQuota"}, []string{
				a.regional("servicequotas", "ec2/*"), a.regional("servicequotas", "elasticloadbalancing/*"),
				a.regional("servicequotas", "cloudfront/*"), a.regional("servicequotas", "elasticfilesystem/*"),
				a.regional("servicequotas", "vpc/*"),
			}, nil),
		},
		// The smoke test reads the deployment's API key (to prove the routes
		// open with it and only with it); the rest is plain HTTPS. The
		// AWS managed key aws/secretsmanager needs no KMS grant.
		contract.Smoke: {
			statement([]string{"secretsmanager:GetSecretValue"}, []string{secrets}, resourceTagged),
		},
		// One secret per deployment, under geusemaker/: created only with
		// the deployment tag, read back and deleted only when tagged.
		contract.Secrets: {
			statement([]string{"secretsmanager:CreateSecret", "secretsmanager:TagResource"}, []string{secrets}, requestTagged),
			statement([]string{"secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"}, []string{secrets}, resourceTagged),
		},
		contract.Network: {
			reads("ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeInternetGateways",
				"ec2:DescribeRouteTables", "ec2:DescribeAvailabilityZones", "ec2:DescribeNetworkInterfaces",
				"ec2:DescribeInstanceTypeOfferings"),
			statement([]string{"ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateInternetGateway", "ec2:CreateRouteTable"},
				a.ec2("vpc", "subnet", "internet-gateway", "route-table"), requestTagged),
			// CreateSubnet and CreateRouteTable also act on the (tagged) VPC.
			statement([]string{"ec2:CreateSubnet", "ec2:CreateRouteTable",
				"ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:CreateRoute", "ec2:DeleteRoute",
				"ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ModifyVpcAttribute", "ec2:ModifySubnetAttribute",
				"ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DeleteInternetGateway", "ec2:DeleteRouteTable"},
				a.ec2("vpc", "subnet", "internet-gateway", "route-table"), resourceTagged),
			tagOnCreate("ec2:CreateTags", "ec2:CreateAction", a.ec2("vpc", "subnet", "internet-gateway", "route-table"), "CreateVpc", "CreateSubnet", "CreateInternetGateway", "CreateRouteTable"),
		},
		contract.Firewall: {
			reads("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeManagedPrefixLists",
				"ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs"),
			statement([]string{"ec2:CreateSecurityGroup"}, a.ec2("security-group"), requestTagged),
			// The VPC may be the user's or the default one: untagged.
			statement([]string{"ec2:CreateSecurityGroup"}, a.ec2("vpc"), nil),
			statement([]string{"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
				"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup"},
				a.ec2("security-group"), resourceTagged),
			// New rules are resources of their own, untagged until created.
			statement([]string{"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"},
				a.ec2("security-group-rule"), nil),
			statement([]string{"ec2:GetManagedPrefixListEntries"}, []string{"arn:" + a.partition + ":ec2:*:aws:prefix-list/*"}, nil),
			tagOnCreate("ec2:CreateTags", "ec2:CreateAction", a.ec2("security-group", "security-group-rule"), "CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"),
		},
		contract.Storage: {
			// DescribeSecurityGroups finds the deployment's EFS group, which
			// marks its mount targets on a supplied file system.
			reads("elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeMountTargets",
				"ec2:DescribeSubnets", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups"),
			statement([]string{"elasticfilesystem:CreateFileSystem"}, []string{fileSystems}, requestTagged),
			statement([]string{"elasticfilesystem:TagResource"}, []string{fileSystems},
				map[string]any{"StringEquals": map[string]any{"elasticfilesystem:CreateAction": "CreateFileSystem"}}),
			statement([]string{"elasticfilesystem:DeleteFileSystem"}, []string{fileSystems}, resourceTagged),
			// Mount targets may be added to a file system the user supplied.
			statement([]string{"elasticfilesystem:CreateMountTarget", "elasticfilesystem:DeleteMountTarget",
				"elasticfilesystem:DescribeMountTargetSecurityGroups"}, []string{fileSystems}, nil),
			// EFS creates and deletes the mount targets' ENIs as the caller.
			statement([]string{"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"},
				a.ec2("network-interface", "subnet", "security-group"), nil),
			statement([]string{"kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt"},
				[]string{a.regional("kms", "key/*")}, viaService("elasticfilesystem")),
		},
		contract.Identity: {
			// The role finds its boundary by name.
			reads("iam:ListPolicies"),
			// Roles and profiles are created only with the deployment tag,
			// a role only with the boundary.
			statement([]string{"iam:CreateRole"}, []string{instanceRole}, merge(requestTagged, bounded)),
			statement([]string{"iam:CreateInstanceProfile"}, []string{instanceProfile}, requestTagged),
			statement([]string{"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy"}, []string{instanceRole}, bounded),
			statement([]string{"iam:GetRole", "iam:DeleteRole", "iam:TagRole", "iam:ListRolePolicies",
				"iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"}, []string{instanceRole}, nil),
			// Only the two AWS managed policies the role needs, and only
			// under the boundary.
			statement([]string{"iam:AttachRolePolicy"}, []string{instanceRole},
				merge(bounded, map[string]any{"ArnEquals": map[string]any{"iam:PolicyARN": []string{
					"arn:" + a.partition + ":iam::aws:policy/AmazonSSMManagedInstanceCore",
					"arn:" + a.partition + ":iam::aws:policy/AmazonElasticFileSystemClientReadWriteAccess",
				}}})),
			statement([]string{"iam:GetInstanceProfile", "iam:DeleteInstanceProfile",
				"iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"},
				[]string{instanceProfile}, nil),
			statement([]string{"iam:PassRole"}, []string{instanceRole},
				map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}),
		},
		contract.Compute: {
			reads("ec2:DescribeInstances", "ec2:DescribeInstanceTypes",
				"ec2:DescribeInstanceTypeOfferings", "ec2:DescribeImages", "ec2:DescribeSubnets",
				"ssm:GetCommandInvocation"),
			// A backstop to what the step asks: an instance only with IMDSv2
			// and hop limit 1, a volume only encrypted (RunInstances'
			// condition keys, Service Authorization Reference for EC2).
			statement([]string{"ec2:RunInstances"}, a.ec2("instance"), merge(requestTagged, map[string]any{
				"StringEquals":          map[string]any{"ec2:MetadataHttpTokens": "required"},
				"NumericLessThanEquals": map[string]any{"ec2:MetadataHttpPutResponseHopLimit": 1},
			})),
			statement([]string{"ec2:RunInstances"}, a.ec2("volume"), merge(requestTagged, map[string]any{
				"Bool": map[string]any{"ec2:Encrypted": "true"},
			})),
			// RunInstances also names the image (anyone's), subnet, groups,
			// key pair and a new ENI.
			statement([]string{"ec2:RunInstances"}, append(a.ec2("subnet", "security-group", "key-pair", "network-interface"),
				a.public("ec2", "image/*")), nil),
			statement([]string{"ec2:TerminateInstances"}, a.ec2("instance"), resourceTagged),
			tagOnCreate("ec2:CreateTags", "ec2:CreateAction", a.ec2("instance", "volume", "network-interface"), "RunInstances"),
			statement([]string{"iam:PassRole"}, []string{instanceRole},
				map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}),
			statement([]string{"iam:GetInstanceProfile"}, []string{instanceProfile}, nil),
			statement([]string{"ssm:GetParameter", "ssm:GetParameters"}, []string{awsParams}, nil),
			// The GPU check runs the stack's own document, which runs
			// nvidia-smi and nothing else, on the deployment's instances
			// only: no shell of its choosing (AWS-RunShellScript).
			statement([]string{"ssm:SendCommand"}, a.ec2("instance"),
				map[string]any{"Null": map[string]any{"ssm:resourceTag/geusemaker:deployment": "false"}}),
			statement([]string{"ssm:SendCommand"}, []string{a.regional("ssm", "document/"+contract.GPUCheckDocument)}, nil),
			statement([]string{"kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt"},
				[]string{a.regional("kms", "key/*")}, viaService("ec2")),
		},
		contract.LoadBalancer: {
			reads("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
				"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
				"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
				"ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeSecurityGroups", "ec2:DescribeInternetGateways",
				"ec2:DescribeRouteTables", "ec2:DescribeManagedPrefixLists"),
			statement([]string{"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup",
				"elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateRule"},
				append(append(append([]string{}, lb...), tg...), listeners...), requestTagged),
			statement([]string{"elasticloadbalancing:AddTags"}, append(append(append([]string{}, lb...), tg...), listeners...),
				map[string]any{"StringEquals": map[string]any{"elasticloadbalancing:CreateAction": []string{
					"CreateLoadBalancer", "CreateTargetGroup", "CreateListener", "CreateRule"}}}),
			statement([]string{"elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateRule",
				"elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup",
				"elasticloadbalancing:DeleteListener", "elasticloadbalancing:DeleteRule",
				"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
				"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:ModifyTargetGroupAttributes"},
				append(append(append([]string{}, lb...), tg...), listeners...), resourceTagged),
			// The first ALB of an account creates ELB's service-linked role.
			statement([]string{"iam:CreateServiceLinkedRole"},
				[]string{a.global("iam", "role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing")},
				map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}),
		},
		contract.CDN: {
			// DescribeRules reads the ALB's secret origin header back from
			// its listener rule (origin.Secret).
			reads("cloudfront:ListDistributions", "elasticloadbalancing:DescribeRules"),
			statement([]string{"cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags",
				"cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution",
				"cloudfront:DeleteDistribution", "cloudfront:TagResource", "cloudfront:ListTagsForResource"},
				[]string{distributions}, nil),
		},
		contract.Finalize: {
			reads("ec2:DescribeInstances", "elasticloadbalancing:DescribeLoadBalancers",
				"elasticloadbalancing:DescribeTargetHealth"),
			statement([]string{"cloudfront:GetDistribution"}, []string{distributions}, nil),
		},
	}
}
