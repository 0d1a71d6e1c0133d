package ec2

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/sim/account"
)

// instanceType is one row of the simulated instance type catalogue.
type instanceType struct {
	name    string
	vcpus   int32
	memMiB  int64
	arch    types.ArchitectureType
	gpus    int32
	gpuName string
	gpuMiB  int32 // memory per GPU
	// zones lists the letters of the AZs that offer the type, e.g. "ab"
	// for <region>a and <region>b.
	zones string
}

// catalogue follows AWS's published specifications. Offerings mimic how
// scarce each family is: current CPU types everywhere, GPU types in most
// but not all zones (g4dn.xlarge, the default GPU type, is missing from
// zone c), large training types in one zone at most.
var catalogue = []instanceType{
	{name: "t3.micro", vcpus: 2, memMiB: 1024, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "t3.small", vcpus: 2, memMiB: 2048, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "t3.medium", vcpus: 2, memMiB: 4096, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "t3.large", vcpus: 2, memMiB: 8192, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "t3.xlarge", vcpus: 4, memMiB: 16384, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "t3.2xlarge", vcpus: 8, memMiB: 32768, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "t4g.medium", vcpus: 2, memMiB: 4096, arch: types.ArchitectureTypeArm64, zones: "abc"},
	{name: "m5.large", vcpus: 2, memMiB: 8192, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "m5.xlarge", vcpus: 4, memMiB: 16384, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "m5.2xlarge", vcpus: 8, memMiB: 32768, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "c5.large", vcpus: 2, memMiB: 4096, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "c5.xlarge", vcpus: 4, memMiB: 8192, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "c5.2xlarge", vcpus: 8, memMiB: 16384, arch: types.ArchitectureTypeX8664, zones: "abc"},
	{name: "g4dn.xlarge", vcpus: 4, memMiB: 16384, arch: types.ArchitectureTypeX8664, gpus: 1, gpuName: "T4", gpuMiB: 16384, zones: "ab"},
	{name: "g4dn.2xlarge", vcpus: 8, memMiB: 32768, arch: types.ArchitectureTypeX8664, gpus: 1, gpuName: "T4", gpuMiB: 16384, zones: "ab"},
	{name: "g4dn.12xlarge", vcpus: 48, memMiB: 196608, arch: types.ArchitectureTypeX8664, gpus: 4, gpuName: "T4", gpuMiB: 16384, zones: "a"},
	{name: "g5.xlarge", vcpus: 4, memMiB: 16384, arch: types.ArchitectureTypeX8664, gpus: 1, gpuName: "A10G", gpuMiB: 24576, zones: "bc"},
	{name: "g5.2xlarge", vcpus: 8, memMiB: 32768, arch: types.ArchitectureTypeX8664, gpus: 1, gpuName: "A10G", gpuMiB: 24576, zones: "bc"},
	{name: "g5.12xlarge", vcpus: 48, memMiB: 196608, arch: types.ArchitectureTypeX8664, gpus: 4, gpuName: "A10G", gpuMiB: 24576, zones: "b"},
	{name: "g6.xlarge", vcpus: 4, memMiB: 16384, arch: types.ArchitectureTypeX8664, gpus: 1, gpuName: "L4", gpuMiB: 22888, zones: "ac"},
	{name: "g6.2xlarge", vcpus: 8, memMiB: 32768, arch: types.ArchitectureTypeX8664, gpus: 1, gpuName: "L4", gpuMiB: 22888, zones: "ac"},
	{name: "g6e.xlarge", vcpus: 4, memMiB: 32768, arch: types.ArchitectureTypeX8664, gpus: 1, gpuName: "L40S", gpuMiB: 45776, zones: "a"},
	{name: "p3.2xlarge", vcpus: 8, memMiB: 62464, arch: types.ArchitectureTypeX8664, gpus: 1, gpuName: "V100", gpuMiB: 16384, zones: "a"},
	{name: "p3.8xlarge", vcpus: 32, memMiB: 249856, arch: types.ArchitectureTypeX8664, gpus: 4, gpuName: "V100", gpuMiB: 16384, zones: "a"},
	{name: "p4d.24xlarge", vcpus: 96, memMiB: 1179648, arch: types.ArchitectureTypeX8664, gpus: 8, gpuName: "A100", gpuMiB: 40960, zones: "b"},
	{name: "p5.48xlarge", vcpus: 192, memMiB: 2097152, arch: types.ArchitectureTypeX8664, gpus: 8, gpuName: "H100", gpuMiB: 81920, zones: "c"},
}

func lookupType(name string) (instanceType, bool) {
	i := slices.IndexFunc(catalogue, func(t instanceType) bool { return t.name == name })
	if i < 0 {
		return instanceType{}, false
	}
	return catalogue[i], true
}

// offeredIn tells whether zone (e.g. us-east-1b) offers the type.
func (t instanceType) offeredIn(zone string) bool {
	return strings.ContainsRune(t.zones, rune(zone[len(zone)-1]))
}

func (t instanceType) sdk() types.InstanceTypeInfo {
	out := types.InstanceTypeInfo{
		InstanceType:      types.InstanceType(t.name),
		CurrentGeneration: aws.Bool(true),
		VCpuInfo:          &types.VCpuInfo{DefaultVCpus: aws.Int32(t.vcpus)},
		MemoryInfo:        &types.MemoryInfo{SizeInMiB: aws.Int64(t.memMiB)},
		ProcessorInfo:     &types.ProcessorInfo{SupportedArchitectures: []types.ArchitectureType{t.arch}},
		SupportedInRegion: aws.Bool(true),
	}
	if t.gpus > 0 {
		out.GpuInfo = &types.GpuInfo{
			Gpus: []types.GpuDeviceInfo{{
				Name: aws.String(t.gpuName), Manufacturer: aws.String("NVIDIA"), Count: aws.Int32(t.gpus),
				MemoryInfo: &types.GpuDeviceMemoryInfo{SizeInMiB: aws.Int32(t.gpuMiB)},
			}},
			TotalGpuMemoryInMiB: aws.Int32(t.gpus * t.gpuMiB),
		}
	}
	return out
}

func (r *region) describeInstanceTypes(in *awsec2.DescribeInstanceTypesInput) (*awsec2.DescribeInstanceTypesOutput, error) {
	items := catalogue
	if len(in.InstanceTypes) > 0 {
		items = nil
		var missing []string
		for _, name := range in.InstanceTypes {
			if t, ok := lookupType(string(name)); ok {
				items = append(items, t)
			} else {
				missing = append(missing, string(name))
			}
		}
		if len(missing) > 0 {
			return nil, apiError(CodeInvalidInstanceType, "The following supplied instance types do not exist: [%s]", strings.Join(missing, ", "))
		}
	}
	items, err := filter(items, in.Filters, fields[instanceType]{
		"instance-type": func(t instanceType) []string { return []string{t.name} },
	}, func(instanceType) map[string]string { return nil })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingInstanceTypes, pageIn{in.MaxResults, in.NextToken, len(in.InstanceTypes)}, items, func(t instanceType) string { return t.name })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeInstanceTypesOutput{InstanceTypes: []types.InstanceTypeInfo{}, NextToken: next}
	for _, t := range items {
		out.InstanceTypes = append(out.InstanceTypes, t.sdk())
	}
	return out, nil
}

// offering is one (instance type, location) pair.
type offering struct{ typ, location string }

// describeInstanceTypeOfferings lists offerings per region (the default
// location type), availability zone or availability zone id.
func (r *region) describeInstanceTypeOfferings(in *awsec2.DescribeInstanceTypeOfferingsInput) (*awsec2.DescribeInstanceTypeOfferingsOutput, error) {
	lt := in.LocationType
	if lt == "" {
		lt = types.LocationTypeRegion
	}
	var items []offering
	for _, t := range catalogue {
		switch lt {
		case types.LocationTypeRegion:
			items = append(items, offering{t.name, r.name})
		case types.LocationTypeAvailabilityZone, types.LocationTypeAvailabilityZoneId:
			for _, z := range r.zones() {
				if !t.offeredIn(z) {
					continue
				}
				loc := z
				if lt == types.LocationTypeAvailabilityZoneId {
					loc = r.zoneID(z)
				}
				items = append(items, offering{t.name, loc})
			}
		default:
			return nil, errInvalidParameter("Value (%s) for parameter locationType is invalid.", lt)
		}
	}
	items, err := filter(items, in.Filters, fields[offering]{
		"instance-type": func(o offering) []string { return []string{o.typ} },
		"location":      func(o offering) []string { return []string{o.location} },
	}, func(offering) map[string]string { return nil })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingOfferings, pageIn{in.MaxResults, in.NextToken, 0}, items, func(o offering) string { return o.typ + "/" + o.location })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeInstanceTypeOfferingsOutput{InstanceTypeOfferings: []types.InstanceTypeOffering{}, NextToken: next}
	for _, o := range items {
		out.InstanceTypeOfferings = append(out.InstanceTypeOfferings, types.InstanceTypeOffering{
			InstanceType: types.InstanceType(o.typ), Location: aws.String(o.location), LocationType: lt,
		})
	}
	return out, nil
}

type zone struct{ name, id, region string }

func (r *region) describeAvailabilityZones(in *awsec2.DescribeAvailabilityZonesInput) (*awsec2.DescribeAvailabilityZonesOutput, error) {
	var items []zone
	for _, z := range r.zones() {
		items = append(items, zone{z, r.zoneID(z), r.name})
	}
	for _, name := range in.ZoneNames {
		if !slices.ContainsFunc(items, func(z zone) bool { return z.name == name }) {
			return nil, errInvalidParameter("Invalid availability zone: [%s]", name)
		}
	}
	if len(in.ZoneNames) > 0 || len(in.ZoneIds) > 0 {
		items = slices.DeleteFunc(items, func(z zone) bool {
			return !slices.Contains(in.ZoneNames, z.name) && !slices.Contains(in.ZoneIds, z.id)
		})
	}
	items, err := filter(items, in.Filters, fields[zone]{
		"zone-name":   func(z zone) []string { return []string{z.name} },
		"zone-id":     func(z zone) []string { return []string{z.id} },
		"region-name": func(z zone) []string { return []string{z.region} },
		"state":       func(zone) []string { return []string{string(types.AvailabilityZoneStateAvailable)} },
		"zone-type":   func(zone) []string { return []string{"availability-zone"} },
	}, func(zone) map[string]string { return nil })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeAvailabilityZonesOutput{AvailabilityZones: []types.AvailabilityZone{}}
	for _, z := range items {
		out.AvailabilityZones = append(out.AvailabilityZones, types.AvailabilityZone{
			ZoneName: aws.String(z.name), ZoneId: aws.String(z.id), RegionName: aws.String(z.region),
			State: types.AvailabilityZoneStateAvailable, ZoneType: aws.String("availability-zone"),
			OptInStatus: types.AvailabilityZoneOptInStatusOptInNotRequired, GroupName: aws.String(z.region),
			NetworkBorderGroup: aws.String(z.region),
		})
	}
	return out, nil
}

// Managed prefix lists AWS provides in every region.
const (
	// CloudFrontPrefixListName is the AWS-managed list of CloudFront's
	// origin-facing addresses.
	CloudFrontPrefixListName = "com.amazonaws.global.cloudfront.origin-facing"
	// CloudFrontPrefixListID is its id (the same in every region here).
	CloudFrontPrefixListID = "pl-3b927c52"
	// CloudFrontPrefixListMaxEntries is its MaxEntries: a rule from it
	// weighs 55 against a security group's rule quota.
	CloudFrontPrefixListMaxEntries = 55
)

type prefixList struct {
	id, name   string
	maxEntries int32
}

func seedPrefixLists() map[string]*prefixList {
	return map[string]*prefixList{
		CloudFrontPrefixListID: {id: CloudFrontPrefixListID, name: CloudFrontPrefixListName, maxEntries: CloudFrontPrefixListMaxEntries},
	}
}

func (r *region) describeManagedPrefixLists(in *awsec2.DescribeManagedPrefixListsInput) (*awsec2.DescribeManagedPrefixListsOutput, error) {
	items, missing := only(r.prefixLists, in.PrefixListIds)
	if len(missing) > 0 {
		return nil, apiError(CodeInvalidPrefixListIDNotFound, "The prefix list ID '%s' does not exist", missing[0])
	}
	items, err := filter(items, in.Filters, fields[*prefixList]{
		"prefix-list-name": func(p *prefixList) []string { return []string{p.name} },
		"prefix-list-id":   func(p *prefixList) []string { return []string{p.id} },
		"owner-id":         func(*prefixList) []string { return []string{"AWS"} },
	}, func(*prefixList) map[string]string { return nil })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingPrefixLists, pageIn{in.MaxResults, in.NextToken, len(in.PrefixListIds)}, items, func(p *prefixList) string { return p.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeManagedPrefixListsOutput{PrefixLists: []types.ManagedPrefixList{}, NextToken: next}
	for _, p := range items {
		out.PrefixLists = append(out.PrefixLists, types.ManagedPrefixList{
			PrefixListId: aws.String(p.id), PrefixListName: aws.String(p.name), MaxEntries: aws.Int32(p.maxEntries),
			AddressFamily: aws.String("IPv4"), OwnerId: aws.String("AWS"), State: types.PrefixListStateCreateComplete,
			PrefixListArn: aws.String(fmt.Sprintf("arn:%s:ec2:%s:aws:prefix-list/%s", account.PartitionOf(r.name), r.name, p.id)), Version: aws.Int64(1),
		})
	}
	return out, nil
}

// amiIDRe is the form of an AMI id.
var amiIDRe = regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`)

// checkImage tells whether an AMI id exists. The simulated account can
// launch any well-formed AMI id (the SSM public parameters other models
// serve resolve to such ids); a malformed one is InvalidAMIID.Malformed.
func checkImage(id string) error {
	if !amiIDRe.MatchString(id) {
		return apiError(CodeInvalidAMIIDMalformed, "Invalid id: %q (expecting \"ami-...\")", id)
	}
	return nil
}

// describeImages answers for the AMI ids asked for; filters and owners are
// not modeled (the steps look an image up by id only).
func (r *region) describeImages(in *awsec2.DescribeImagesInput) (*awsec2.DescribeImagesOutput, error) {
	out := &awsec2.DescribeImagesOutput{Images: []types.Image{}}
	for _, id := range in.ImageIds {
		if err := checkImage(id); err != nil {
			return nil, err
		}
		out.Images = append(out.Images, types.Image{
			ImageId: aws.String(id), Name: aws.String("simulated-" + id), State: types.ImageStateAvailable,
			Architecture: types.ArchitectureValuesX8664, RootDeviceType: types.DeviceTypeEbs, RootDeviceName: aws.String("/dev/xvda"),
			VirtualizationType: types.VirtualizationTypeHvm, ImageType: types.ImageTypeValuesMachine, Public: aws.Bool(true),
			OwnerId: aws.String("amazon"), EnaSupport: aws.Bool(true), CreationDate: aws.String("2025-12-01T00:00:00.000Z"),
		})
	}
	return out, nil
}
