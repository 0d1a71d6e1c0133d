// Package posture checks a deployed stack against the AWS Foundational
// Security Best Practices controls that apply to it, through the SDK: the
// same checks run on the simulated account in tests and on a real one.
// Each control is judged from the deployment's ledger and what AWS
// describes of it now; the package reads only.
package posture

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"geusemaker/internal/document"
)

// Outcome is how a control came out.
type Outcome string

// Outcomes.
const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	// NotApplicable: the tier has no such resource.
	NotApplicable Outcome = "n/a"
)

// Result is one control on one deployment.
type Result struct {
	// Control is the Security Hub control id, e.g. "EC2.8".
	Control string
	Outcome Outcome
	// Detail says what was seen.
	Detail string
}

// worldOpenPorts are the ports a GeuseMaker group may open to the whole
// internet: HTTP on the tier's entry point (the instance on Tier 1, the
// ALB on Tier 2), nothing else (EC2.19's high-risk ports, SSH included,
// never).
var worldOpenPorts = []int32{80}

// Check evaluates the controls on the deployment doc describes, in the
// request's region.
func Check(ctx context.Context, cfg aws.Config, doc *document.Document) ([]Result, error) {
	cfg = cfg.Copy()
	cfg.Region = doc.Request.Region
	l := doc.Resources
	var out []Result
	add := func(control string, ok bool, detail string) {
		o := Fail
		if ok {
			o = Pass
		}
		out = append(out, Result{Control: control, Outcome: o, Detail: detail})
	}
	na := func(control, detail string) {
		out = append(out, Result{Control: control, Outcome: NotApplicable, Detail: detail})
	}

	ec2c := ec2.NewFromConfig(cfg)
	inst, err := ec2c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{l.InstanceID}})
	if err != nil {
		return nil, fmt.Errorf("describe instance %s: %w", l.InstanceID, err)
	}
	if len(inst.Reservations) == 0 || len(inst.Reservations[0].Instances) == 0 {
		return nil, fmt.Errorf("instance %s not found", l.InstanceID)
	}
	i := inst.Reservations[0].Instances[0]
	tokens := ec2types.HttpTokensState("unknown")
	if i.MetadataOptions != nil {
		tokens = i.MetadataOptions.HttpTokens
	}
	add("EC2.8", tokens == ec2types.HttpTokensStateRequired, "instance metadata tokens: "+string(tokens))

	var groups []string
	for _, role := range slices.Sorted(maps.Keys(l.SecurityGroupIDs)) {
		if !l.Supplied(document.SecurityGroupKey(role)) {
			groups = append(groups, l.SecurityGroupIDs[role])
		}
	}
	sgs, err := ec2c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: groups})
	if err != nil {
		return nil, fmt.Errorf("describe security groups: %w", err)
	}
	open := ""
	for _, g := range sgs.SecurityGroups {
		for _, p := range g.IpPermissions {
			world := slices.ContainsFunc(p.IpRanges, func(r ec2types.IpRange) bool { return aws.ToString(r.CidrIp) == "0.0.0.0/0" }) ||
				slices.ContainsFunc(p.Ipv6Ranges, func(r ec2types.Ipv6Range) bool { return aws.ToString(r.CidrIpv6) == "::/0" })
			if world && (aws.ToString(p.IpProtocol) != "tcp" || aws.ToInt32(p.FromPort) != aws.ToInt32(p.ToPort) || !slices.Contains(worldOpenPorts, aws.ToInt32(p.FromPort))) {
				open += fmt.Sprintf(" %s %s %d-%d", aws.ToString(g.GroupId), aws.ToString(p.IpProtocol), aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort))
			}
		}
	}
	add("EC2.19", open == "", "ports open to the internet beyond HTTP:"+orNone(open))

	fs, err := efs.NewFromConfig(cfg).DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{FileSystemId: aws.String(l.EFSID)})
	if err != nil {
		return nil, fmt.Errorf("describe file system %s: %w", l.EFSID, err)
	}
	add("EFS.1", len(fs.FileSystems) == 1 && aws.ToBool(fs.FileSystems[0].Encrypted), "file system encrypted at rest")

	if l.ALBARN == "" {
		na("ELB.4", "no load balancer on this tier")
	} else {
		attrs, err := elb.NewFromConfig(cfg).DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(l.ALBARN)})
		if err != nil {
			return nil, fmt.Errorf("describe load balancer attributes: %w", err)
		}
		drop := false
		for _, a := range attrs.Attributes {
			drop = drop || (aws.ToString(a.Key) == "routing.http.drop_invalid_header_fields.enabled" && aws.ToString(a.Value) == "true")
		}
		add("ELB.4", drop, "load balancer drops invalid HTTP headers")
	}

	if l.CloudFrontID == "" {
		na("CloudFront.3", "no distribution on this tier")
		na("CloudFront.9", "no distribution on this tier")
		return out, nil
	}
	dist, err := cloudfront.NewFromConfig(cfg).GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(l.CloudFrontID)})
	if err != nil {
		return nil, fmt.Errorf("get distribution %s: %w", l.CloudFrontID, err)
	}
	c := dist.DistributionConfig
	viewer := c.DefaultCacheBehavior.ViewerProtocolPolicy
	add("CloudFront.3", viewer == cftypes.ViewerProtocolPolicyRedirectToHttps || viewer == cftypes.ViewerProtocolPolicyHttpsOnly,
		"viewers: "+string(viewer))
	// A VPC origin holds its own protocol policy; Security Hub documents
	// CloudFront.9 for custom origins only, so it is judged the same way
	// here rather than passed unseen.
	origin, via := cftypes.OriginProtocolPolicy(""), ""
	if c.Origins != nil && len(c.Origins.Items) > 0 {
		switch o := c.Origins.Items[0]; {
		case o.CustomOriginConfig != nil:
			origin = o.CustomOriginConfig.OriginProtocolPolicy
		case o.VpcOriginConfig != nil:
			vo, err := cloudfront.NewFromConfig(cfg).GetVpcOrigin(ctx, &cloudfront.GetVpcOriginInput{Id: o.VpcOriginConfig.VpcOriginId})
			if err != nil {
				return nil, fmt.Errorf("get VPC origin %s: %w", aws.ToString(o.VpcOriginConfig.VpcOriginId), err)
			}
			origin, via = vo.VpcOrigin.VpcOriginEndpointConfig.OriginProtocolPolicy, " (VPC origin, over AWS's network)"
		}
	}
	add("CloudFront.9", origin == cftypes.OriginProtocolPolicyHttpsOnly, "to the origin: "+string(origin)+via)
	return out, nil
}

func orNone(s string) string {
	if s == "" {
		return " none"
	}
	return s
}
