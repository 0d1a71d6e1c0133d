package document

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CDNNeedsALBMessage is the problem reported when CloudFront is asked for
// without the ALB it needs as its origin.
const CDNNeedsALBMessage = "Tier 3 deployments require enable_alb=true: CloudFront needs the ALB as its origin"

// The patterns below are written once and used by both Go and
// events/request.schema.json (a test checks they match); they stay within
// the syntax Go's regexp and ECMA-262 share.
const (
	deploymentIDPattern = `^[a-zA-Z][a-zA-Z0-9-]*$`
	// ELB rejects names beginning with "internal-" (it marks internal load
	// balancers' DNS names), so "<id>-alb" must not.
	albReservedPrefixPattern = `^[iI][nN][tT][eE][rR][nN][aA][lL]-`
	regionPattern            = `^[a-z]{2}(-[a-z]+)+-[0-9]$`
	// instanceTypePattern is "<family>.<size>", e.g. g4dn.xlarge,
	// m7i-flex.large, p6-b200.48xlarge, c6gd.metal-24xl.
	instanceTypePattern = `^[a-z][a-z0-9-]*\.[a-z0-9-]+$`
	// gpuInstanceTypePattern lists GPUFamilies; p6 types all carry a variant
	// in the family (p6-b200.48xlarge).
	gpuInstanceTypePattern = `^(p3|p4d|p4de|p5|p5e|p6(-[a-z0-9]+)?|g4dn|g4ad|g5|g5g|g6|g6e)\.[a-z0-9-]+$`
	retiredGPUPattern      = `^g3s?\.`
	amiIDPattern           = `^ami-[0-9a-f]{8,17}$`
	vpcIDPattern           = `^vpc-[0-9a-f]{8,17}$`
	subnetIDPattern        = `^subnet-[0-9a-f]{8,17}$`
	securityGroupIDPattern = `^sg-[0-9a-f]{8,17}$`
	efsIDPattern           = `^fs-[0-9a-f]{8,17}$`
	keyPairNamePattern     = `^[ -~]+$`
	// ipv4CIDRPattern is a dotted quad without leading zeros and a prefix
	// of 1..32: a /0 prefix is the whole internet whatever the address.
	ipv4CIDRPattern     = `^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([1-9]|[12][0-9]|3[0-2])$`
	awsTagPrefixPattern = `^[aA][wW][sS]:`
	// tagCharsPattern is what every service GeuseMaker tags accepts in a
	// tag key or value ("Tag naming limits and requirements", Tagging AWS
	// Resources): letters, digits, spaces, and _ . : / = + - @.
	tagCharsPattern = `^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`
)

var (
	deploymentIDRe     = regexp.MustCompile(deploymentIDPattern)
	albReservedRe      = regexp.MustCompile(albReservedPrefixPattern)
	regionRe           = regexp.MustCompile(regionPattern)
	instanceTypeRe     = regexp.MustCompile(instanceTypePattern)
	gpuInstanceTypeRe  = regexp.MustCompile(gpuInstanceTypePattern)
	retiredGPURe       = regexp.MustCompile(retiredGPUPattern)
	amiIDRe            = regexp.MustCompile(amiIDPattern)
	vpcIDRe            = regexp.MustCompile(vpcIDPattern)
	subnetIDRe         = regexp.MustCompile(subnetIDPattern)
	securityGroupIDRe  = regexp.MustCompile(securityGroupIDPattern)
	efsIDRe            = regexp.MustCompile(efsIDPattern)
	keyPairNameRe      = regexp.MustCompile(keyPairNamePattern)
	awsTagPrefixRe     = regexp.MustCompile(awsTagPrefixPattern)
	tagCharsRe         = regexp.MustCompile(tagCharsPattern)
	ipv4CIDRRe         = regexp.MustCompile(ipv4CIDRPattern)
	gpuFamilies        = []string{"p3", "p4d", "p4de", "p5", "p5e", "p6", "g4dn", "g4ad", "g5", "g5g", "g6", "g6e"}
	gpuFamiliesMessage = strings.Join(gpuFamilies, ", ")
)

// GPUFamilies returns the instance families GeuseMaker accepts as GPU types.
// g3 and g3s are not among them: AWS has retired them.
func GPUFamilies() []string { return append([]string(nil), gpuFamilies...) }

// IsGPUInstanceType reports whether t is an instance type of a GPU family.
func IsGPUInstanceType(t string) bool { return gpuInstanceTypeRe.MatchString(t) }

// Validate checks a normalized request (as Parse returns it) and reports
// every problem at once as a *ValidationError, or returns nil.
func (r *Request) Validate() error {
	if probs := r.problems(); len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	return nil
}

// problems lists every rule r breaks, in field order.
func (r *Request) problems() []Problem {
	var v validator

	switch id := r.DeploymentID; {
	case id == "":
		v.add("deployment_id", "is required")
	default:
		if n := len(id); n > MaxDeploymentIDLength {
			v.add("deployment_id", fmt.Sprintf(
				"must be at most %d characters (got %d): the load balancer name %q and target group name %q must fit the 32-character limit of Elastic Load Balancing",
				MaxDeploymentIDLength, n, r.ALBName(), r.TargetGroupName()))
		}
		if !deploymentIDRe.MatchString(id) {
			v.add("deployment_id", "must start with a letter and contain only letters, digits and hyphens")
		}
		if albReservedRe.MatchString(id) {
			v.add("deployment_id", `must not start with "internal-": Elastic Load Balancing rejects load balancer names that do`)
		}
	}

	switch r.Tier {
	case TierDev, TierAutomation, TierGPU:
	default:
		v.add("tier", fmt.Sprintf("must be one of %q, %q, %q (got %q)", TierDev, TierAutomation, TierGPU, r.Tier))
	}

	if !regionRe.MatchString(r.Region) {
		v.add("region", fmt.Sprintf("must be an AWS region such as us-east-1 (got %q)", r.Region))
	}

	v.instanceType("instance_type", r.InstanceType, r.Tier == TierGPU)

	switch r.OSType {
	case OSAmazonLinux2023, OSUbuntu2204, OSUbuntu2404:
	default:
		v.add("os_type", fmt.Sprintf("must be one of %q, %q, %q (got %q)", OSAmazonLinux2023, OSUbuntu2204, OSUbuntu2404, r.OSType))
	}

	v.optionalID("ami_id", r.AMIID, amiIDRe, "ami-0123456789abcdef0")
	v.optionalID("vpc_id", r.VPCID, vpcIDRe, "vpc-0123456789abcdef0")

	if r.SubnetIDs != nil {
		switch {
		case len(r.SubnetIDs) == 0:
			v.add("subnet_ids", "must not be empty: omit it to let GeuseMaker choose the subnets")
		case r.VPCID == "":
			v.add("subnet_ids", "requires vpc_id: name the VPC the subnets belong to")
		case r.EnableALB && len(r.SubnetIDs) < 2:
			v.add("subnet_ids", fmt.Sprintf("an ALB needs at least 2 subnets in different availability zones (got %d)", len(r.SubnetIDs)))
		}
		v.list("subnet_ids", r.SubnetIDs, func(path, s string) {
			v.id(path, s, subnetIDRe, "subnet-0123456789abcdef0")
		})
	}

	v.optionalID("security_group_id", r.SecurityGroupID, securityGroupIDRe, "sg-0123456789abcdef0")
	v.optionalID("efs_id", r.EFSID, efsIDRe, "fs-0123456789abcdef0")

	if r.KeyPairName != "" && (len(r.KeyPairName) > MaxKeyPairNameLength || !keyPairNameRe.MatchString(r.KeyPairName)) {
		v.add("keypair_name", fmt.Sprintf("must be 1 to %d printable ASCII characters", MaxKeyPairNameLength))
	}

	if r.SSHCIDR != "" {
		v.sshCIDR(r.SSHCIDR)
	}

	switch {
	case r.EnableCDN && !r.EnableALB:
		v.add("enable_alb", CDNNeedsALBMessage)
	case r.Tier == TierAutomation && !r.EnableALB:
		v.add("enable_alb", "tier automation requires enable_alb=true: the ALB is what Tier 2 adds; use tier dev for no ALB")
	}
	if r.Tier == TierGPU && !r.EnableCDN {
		v.add("enable_cdn", "tier gpu requires enable_cdn=true: Tier 3 serves n8n through CloudFront; use tier automation for no CDN")
	}

	if r.CloudFrontTimeoutMinutes < MinCloudFrontTimeoutMinutes || r.CloudFrontTimeoutMinutes > MaxCloudFrontTimeoutMinutes {
		v.add("cloudfront_timeout_minutes", fmt.Sprintf("must be between %d and %d (got %d)",
			MinCloudFrontTimeoutMinutes, MaxCloudFrontTimeoutMinutes, r.CloudFrontTimeoutMinutes))
	}

	if n := len(r.GPUInstanceFallbacks); n > MaxGPUInstanceFallbacks {
		v.add("gpu_instance_fallbacks", fmt.Sprintf("must list at most %d instance types (got %d)", MaxGPUInstanceFallbacks, n))
	}
	v.list("gpu_instance_fallbacks", r.GPUInstanceFallbacks, func(path, t string) {
		v.instanceType(path, t, true)
	})
	if len(r.GPUInstanceFallbacks) > 0 && r.Tier != TierGPU && !IsGPUInstanceType(r.InstanceType) {
		v.add("gpu_instance_fallbacks", fmt.Sprintf("apply only to a GPU instance (tier gpu, or a GPU instance_type); with %s they would be ignored: remove them or choose a GPU instance_type", r.InstanceType))
	}

	v.tags(r.UserTags)
	return v.probs
}

// validator collects problems.
type validator struct{ probs []Problem }

func (v *validator) add(field, msg string) {
	v.probs = append(v.probs, Problem{Field: field, Message: msg})
}

// optionalID checks an id field that may be absent (empty).
func (v *validator) optionalID(field, s string, re *regexp.Regexp, example string) {
	if s != "" {
		v.id(field, s, re, example)
	}
}

func (v *validator) id(field, s string, re *regexp.Regexp, example string) {
	if !re.MatchString(s) {
		v.add(field, fmt.Sprintf("must look like %s (got %q)", example, s))
	}
}

// list checks each item and reports duplicates at the later index.
func (v *validator) list(field string, items []string, each func(path, item string)) {
	first := map[string]int{}
	for i, s := range items {
		path := indexPath(field, i)
		each(path, s)
		if j, dup := first[s]; dup {
			v.add(path, fmt.Sprintf("duplicates %s: items must be unique", indexPath(field, j)))
			continue
		}
		first[s] = i
	}
}

func (v *validator) instanceType(field, t string, needGPU bool) {
	switch {
	case !instanceTypeRe.MatchString(t):
		v.add(field, fmt.Sprintf("must be an EC2 instance type such as t3.medium or g4dn.xlarge (got %q)", t))
	case retiredGPURe.MatchString(t):
		v.add(field, fmt.Sprintf("%s is a retired GPU generation (g3/g3s): use a current GPU family such as g4dn, g5 or g6", t))
	case needGPU && !IsGPUInstanceType(t):
		v.add(field, fmt.Sprintf("must be a GPU instance type, of a family among %s (got %q)", gpuFamiliesMessage, t))
	}
}

// sshCIDR accepts a single IPv4 CIDR. A /0 prefix is refused: it opens port
// 22 to the whole internet, where scanners find it within minutes, and the
// instance is otherwise reachable only through the ALB.
func (v *validator) sshCIDR(s string) {
	if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is4() && p.Bits() == 0 {
		v.add("ssh_cidr", fmt.Sprintf("must not be %s: a /0 prefix opens SSH to the whole internet; give your own address, such as 203.0.113.7/32", s))
		return
	}
	// The schema's own pattern, so Go and the schema accept the same strings.
	if !ipv4CIDRRe.MatchString(s) {
		v.add("ssh_cidr", fmt.Sprintf("must be an IPv4 CIDR such as 203.0.113.7/32 (got %q)", s))
	}
}

func (v *validator) tags(tags map[string]string) {
	if len(tags) > MaxUserTags {
		v.add("tags", fmt.Sprintf("must hold at most %d tags (got %d): AWS allows 50 per resource and GeuseMaker adds its own", MaxUserTags, len(tags)))
	}
	for _, k := range sortedKeys(tags) {
		field := "tags." + k
		switch {
		case k == "":
			v.add(field, "tag key must not be empty")
		case utf8.RuneCountInString(k) > MaxTagKeyLength:
			v.add(field, fmt.Sprintf("tag key must be at most %d characters", MaxTagKeyLength))
		case awsTagPrefixRe.MatchString(k):
			v.add(field, `tag key must not start with "aws:": AWS reserves that prefix`)
		case k == TagName:
			v.add(field, "tag key Name is GeuseMaker's: it names each resource itself (e.g. <deployment_id>-vpc); use another key")
		case isReservedTagKey(k):
			v.add(field, fmt.Sprintf("tag key %q is reserved: GeuseMaker sets it to find and manage the deployment's resources", k))
		case !tagCharsRe.MatchString(k):
			v.add(field, fmt.Sprintf("tag key %q has a character AWS refuses in tags: use letters, digits, spaces and _ . : / = + - @", k))
		}
		switch {
		case utf8.RuneCountInString(tags[k]) > MaxTagValueLength:
			v.add(field, fmt.Sprintf("tag value must be at most %d characters", MaxTagValueLength))
		case !tagCharsRe.MatchString(tags[k]):
			v.add(field, fmt.Sprintf("tag value %q has a character AWS refuses in tags: use letters, digits, spaces and _ . : / = + - @", tags[k]))
		}
	}
}

func indexPath(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
