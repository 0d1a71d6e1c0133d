package preflight

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"

	"geusemaker/internal/document"
)

// Service Quotas service and quota codes (Service Quotas console,
// ListAWSDefaultServiceQuotas).
const (
	serviceEC2 = "ec2"
	serviceELB = "elasticloadbalancing"
	serviceCF  = "cloudfront"
	serviceEFS = "elasticfilesystem"
	serviceVPC = "vpc"

	codeStandardVCPUs  = "L-1216C47A" // Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances
	codeGVCPUs         = "L-DB2E81BA" // Running On-Demand G and VT instances
	codePVCPUs         = "L-417A185B" // Running On-Demand P instances
	codeALBs           = "L-53DA6B97" // Application Load Balancers per Region
	codeDistributions  = "L-24B04930" // Web distributions per AWS account (global)
	codeFileSystems    = "L-848C634D" // File systems per account (per region)
	codeSecurityGroups = "L-E79EC296" // VPC security groups per Region
	codeRulesPerGroup  = "L-0EA8095F" // Inbound or outbound rules per security group
)

// cloudFrontPrefixList is the AWS-managed list the ALB's group admits; a
// rule from it weighs its MaxEntries against the rules quota.
const cloudFrontPrefixList = "com.amazonaws.global.cloudfront.origin-facing"

// cloudFrontPrefixListWeight is that list's MaxEntries as AWS documents it
// (55), used when the list cannot be read.
const cloudFrontPrefixListWeight = 55

// limit is one quota the deployment draws on.
type limit struct {
	service, code, name string
	// global quotas are read from us-east-1.
	global bool
	// unit names what is counted, e.g. "vCPUs".
	unit string
	// adds is what the deployment adds to usage.
	adds int
	// usage counts what is in use now; nil when the deployment's resource
	// is new (rules of a group it creates).
	usage func(context.Context) (int, error)
	// fix is advice beyond the quota increase.
	fix string
}

// quotas checks every quota the deployment draws on.
func quotas(ctx context.Context, c clients, req document.Request, typ string, f *findings) error {
	var limits []limit
	if typ != "" {
		l, err := vcpuLimit(ctx, c.ec2, req, typ, f)
		if err != nil {
			return err
		}
		if l != nil {
			limits = append(limits, *l)
		}
	}
	if req.EnableALB {
		limits = append(limits, limit{service: serviceELB, code: codeALBs, name: "Application Load Balancers per Region", unit: "load balancers", adds: 1,
			usage: func(ctx context.Context) (int, error) { return countALBs(ctx, c.elb) }, fix: "delete unused load balancers"})
	}
	if req.EnableCDN {
		limits = append(limits, limit{service: serviceCF, code: codeDistributions, name: "Web distributions per AWS account", global: true, unit: "distributions", adds: 1,
			usage: func(ctx context.Context) (int, error) { return countDistributions(ctx, c.cf) }, fix: "delete unused distributions"})
		weight, err := prefixListWeight(ctx, c.ec2, f)
		if err != nil {
			return err
		}
		limits = append(limits, limit{service: serviceVPC, code: codeRulesPerGroup, name: "Inbound or outbound rules per security group", unit: "rules", adds: weight,
			fix: fmt.Sprintf("deploy without CloudFront (the ALB's group admits CloudFront's origin-facing prefix list, which weighs %d rules)", weight)})
	}
	if req.EFSID == "" {
		limits = append(limits, limit{service: serviceEFS, code: codeFileSystems, name: "File systems per account", unit: "file systems", adds: 1,
			usage: func(ctx context.Context) (int, error) { return countFileSystems(ctx, c.efs) }, fix: "delete unused file systems or give efs_id"})
	}
	groups := 2 // EFS and the instance's (also beside a supplied group)
	if req.EnableALB {
		groups++
	}
	limits = append(limits, limit{service: serviceVPC, code: codeSecurityGroups, name: "VPC security groups per Region", unit: "security groups", adds: groups,
		usage: func(ctx context.Context) (int, error) { return countGroups(ctx, c.ec2) }, fix: "delete unused security groups"})

	for _, l := range limits {
		if err := checkLimit(ctx, c, req, l, f); err != nil {
			return err
		}
	}
	return nil
}

// checkLimit compares usage plus what the deployment adds with the quota.
func checkLimit(ctx context.Context, c clients, req document.Request, l limit, f *findings) error {
	what := fmt.Sprintf("quota %s (%s)", l.code, l.name)
	q, region := c.quotas, req.Region
	if l.global {
		q, region = c.globalQuotas, quotaRegion
	}
	value, err := quotaValue(ctx, q, l.service, l.code)
	if err != nil {
		return f.unreadable(what, err)
	}
	used := 0
	if l.usage != nil {
		if used, err = l.usage(ctx); err != nil {
			return f.unreadable("the usage of "+what, err)
		}
	}
	if float64(used+l.adds) <= value {
		return nil
	}
	f.fail(fmt.Sprintf("Request a quota increase for %s (%s) to at least %d %s in %s (Service Quotas console or `aws service-quotas request-service-quota-increase --service-code %s --quota-code %s --desired-value %d`), or %s.",
		l.code, l.name, used+l.adds, l.unit, region, l.service, l.code, used+l.adds, l.fix),
		"%s is %s %s: %d in use, the deployment adds %d", what, fmt.Sprint(math.Round(value)), l.unit, used, l.adds)
	return nil
}

// quotaValue is the applied value of a quota, else AWS's default:
// GetServiceQuota answers NoSuchResourceException for a quota without an
// applied value (AWS: "If the applied quota value is not available for a
// quota, the quota is not retrieved").
func quotaValue(ctx context.Context, c quotasAPI, service, code string) (float64, error) {
	out, err := c.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
	if err == nil {
		return aws.ToFloat64(out.Quota.Value), nil
	}
	var none *sqtypes.NoSuchResourceException
	if !errors.As(err, &none) {
		return 0, err
	}
	def, err := c.GetAWSDefaultServiceQuota(ctx, &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
	if err != nil {
		return 0, err
	}
	return aws.ToFloat64(def.Quota.Value), nil
}

// vcpuQuota is the On-Demand vCPU quota of an instance type's family: the
// standard families, G and VT, P. Other families (F, Inf, Trn, DL, X, HPC,
// high memory, Mac) have quotas of their own that are not checked.
func vcpuQuota(typ string) (code, name string, ok bool) {
	family := strings.ToLower(typ)
	if i := strings.IndexFunc(family, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
		family = family[:i]
	}
	switch family {
	case "g", "vt":
		return codeGVCPUs, "Running On-Demand G and VT instances", true
	case "p":
		return codePVCPUs, "Running On-Demand P instances", true
	case "", "f", "inf", "trn", "dl", "x", "hpc", "u", "mac":
		return "", "", false
	}
	if strings.ContainsRune("acdhimrtz", rune(family[0])) {
		return codeStandardVCPUs, "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", true
	}
	return "", "", false
}

// vcpuLimit is the vCPU quota check of the instance type: its vCPUs
// against the running and pending instances of the same quota.
func vcpuLimit(ctx context.Context, c ec2API, req document.Request, typ string, f *findings) (*limit, error) {
	code, name, ok := vcpuQuota(typ)
	if !ok {
		f.warnings = append(f.warnings, fmt.Sprintf("no On-Demand vCPU quota check for the family of %s", typ))
		return nil, nil
	}
	vcpus, err := vcpusOf(ctx, c, []string{typ})
	if err != nil {
		return nil, f.unreadable("the vCPUs of "+typ, err)
	}
	return &limit{service: serviceEC2, code: code, name: name, unit: "vCPUs", adds: vcpus[typ],
		usage: func(ctx context.Context) (int, error) { return vcpusInUse(ctx, c, code) },
		fix:   "stop unused instances of that family, or choose a smaller instance_type"}, nil
}

// vcpusOf reads the default vCPUs of instance types.
func vcpusOf(ctx context.Context, c ec2API, kinds []string) (map[string]int, error) {
	out := map[string]int{}
	const batch = 100 // DescribeInstanceTypes takes at most 100 types
	for start := 0; start < len(kinds); start += batch {
		in := &ec2.DescribeInstanceTypesInput{}
		for _, k := range kinds[start:min(start+batch, len(kinds))] {
			in.InstanceTypes = append(in.InstanceTypes, types.InstanceType(k))
		}
		p := ec2.NewDescribeInstanceTypesPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, t := range page.InstanceTypes {
				if t.VCpuInfo != nil {
					out[string(t.InstanceType)] = int(aws.ToInt32(t.VCpuInfo.DefaultVCpus))
				}
			}
		}
	}
	return out, nil
}

// vcpusInUse sums the vCPUs of pending and running instances that count
// against the quota code (stopped instances do not).
func vcpusInUse(ctx context.Context, c ec2API, code string) (int, error) {
	count := map[string]int{}
	p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("instance-state-name", "pending", "running")}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				if q, _, ok := vcpuQuota(string(i.InstanceType)); ok && q == code {
					count[string(i.InstanceType)]++
				}
			}
		}
	}
	if len(count) == 0 {
		return 0, nil
	}
	kinds := make([]string, 0, len(count))
	for k := range count {
		kinds = append(kinds, k)
	}
	vcpus, err := vcpusOf(ctx, c, kinds)
	if err != nil {
		return 0, err
	}
	total := 0
	for k, n := range count {
		total += n * vcpus[k]
	}
	return total, nil
}

func countALBs(ctx context.Context, c elb.DescribeLoadBalancersAPIClient) (int, error) {
	n := 0
	p := elb.NewDescribeLoadBalancersPaginator(c, &elb.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, lb := range page.LoadBalancers {
			if lb.Type == elbtypes.LoadBalancerTypeEnumApplication {
				n++
			}
		}
	}
	return n, nil
}

func countDistributions(ctx context.Context, c cloudfront.ListDistributionsAPIClient) (int, error) {
	n := 0
	p := cloudfront.NewListDistributionsPaginator(c, &cloudfront.ListDistributionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += len(page.DistributionList.Items)
	}
	return n, nil
}

func countFileSystems(ctx context.Context, c efs.DescribeFileSystemsAPIClient) (int, error) {
	n := 0
	p := efs.NewDescribeFileSystemsPaginator(c, &efs.DescribeFileSystemsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += len(page.FileSystems)
	}
	return n, nil
}

func countGroups(ctx context.Context, c ec2API) (int, error) {
	n := 0
	p := ec2.NewDescribeSecurityGroupsPaginator(c, &ec2.DescribeSecurityGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += len(page.SecurityGroups)
	}
	return n, nil
}

// prefixListWeight is the MaxEntries of CloudFront's origin-facing prefix
// list; AWS's documented 55 when it cannot be read.
func prefixListWeight(ctx context.Context, c ec2API, f *findings) (int, error) {
	out, err := c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{Filters: []types.Filter{filter("prefix-list-name", cloudFrontPrefixList)}})
	if err != nil {
		if err := f.unreadable("the CloudFront prefix list", err); err != nil {
			return 0, err
		}
		return cloudFrontPrefixListWeight, nil
	}
	if len(out.PrefixLists) == 0 || out.PrefixLists[0].MaxEntries == nil {
		return cloudFrontPrefixListWeight, nil
	}
	return int(*out.PrefixLists[0].MaxEntries), nil
}
