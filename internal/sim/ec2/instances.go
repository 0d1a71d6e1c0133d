package ec2

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/sim/account"
)

// Instance states, as EC2 names them.
const (
	statePending      = string(types.InstanceStateNamePending)
	stateRunning      = string(types.InstanceStateNameRunning)
	stateShuttingDown = string(types.InstanceStateNameShuttingDown)
	stateTerminated   = string(types.InstanceStateNameTerminated)
)

// stateCodes are EC2's numeric state codes.
var stateCodes = map[string]int32{statePending: 0, stateRunning: 16, stateShuttingDown: 32, stateTerminated: 48}

const (
	// MaxUserDataBytes is EC2's limit on UserData, counted after base64
	// decoding.
	MaxUserDataBytes = 16 * 1024
	// defaultRootVolumeGiB and defaultRootVolumeType are the root volume of
	// the simulated AMIs (Amazon Linux 2023: 8 GiB gp3, unencrypted).
	defaultRootVolumeGiB  = 8
	defaultRootVolumeType = "gp3"
	rootDeviceName        = "/dev/xvda"
	// defaultHopLimit is EC2's IMDS PUT response hop limit unless asked.
	defaultHopLimit = 1
)

var instanceIDRe = regexp.MustCompile(`^i-[0-9a-f]{8,17}$`)

// Volume is an EBS volume attached to an instance at launch, as requested
// through BlockDeviceMappings (or the AMI's root volume).
type Volume struct {
	DeviceName          string
	VolumeID            string
	SizeGiB             int32
	Type                string
	Encrypted           bool
	DeleteOnTermination bool
	Tags                map[string]string
}

// MetadataOptions are an instance's IMDS settings.
type MetadataOptions struct {
	// HTTPTokens is "required" for IMDSv2 only, "optional" otherwise.
	HTTPTokens string
	// HopLimit is the PUT response hop limit (2 lets containers reach IMDSv2).
	HopLimit int32
	// HTTPEndpoint is "enabled" or "disabled".
	HTTPEndpoint string
}

type reservation struct {
	id          string
	instanceIDs []string
	// request fingerprints the parameters, so that reusing a ClientToken
	// with different ones is IdempotentParameterMismatch.
	request string
}

type instance struct {
	id            string
	reservationID string
	typ           instanceType
	imageID       string
	keyName       string
	subnetID      string
	vpcID         string
	zone          string
	eniID         string
	groups        []string
	privateIP     string
	publicIP      string
	profile       string // instance profile name or ARN as given
	clientToken   string
	userData      []byte
	metadata      MetadataOptions
	volumes       []Volume
	launchedAt    time.Time
	runningAt     time.Time
	statusOKAt    time.Time
	workloadAt    time.Time
	// boot is the Boot hook's verdict, nil until the workload is due.
	boot *bool
	// terminatedAt is when shutting-down ends; zero until terminated.
	terminatedAt time.Time
	// visibleAt is when the calls naming the instance start to find it.
	visibleAt time.Time
	tags      map[string]string
}

// state is the instance's lifecycle state at now, evaluated lazily from
// the timestamps set at launch and termination.
func (i *instance) state(now time.Time) string {
	switch {
	case !i.terminatedAt.IsZero() && now.Before(i.terminatedAt):
		return stateShuttingDown
	case !i.terminatedAt.IsZero():
		return stateTerminated
	case now.Before(i.runningAt):
		return statePending
	default:
		return stateRunning
	}
}

// Instance returns an instance as it is at the account's current time.
func (m *Model) Instance(id string) (account.Instance, bool) {
	i := m.findInstance(id)
	if i == nil {
		return account.Instance{}, false
	}
	state := i.state(m.w.Now())
	out := account.Instance{ID: i.id, Type: i.typ.name, State: state, SubnetID: i.subnetID, GPUs: int(i.typ.gpus),
		Groups: slices.Clone(i.groups), Profile: i.profile, UserData: i.userData}
	if state != stateTerminated {
		out.PrivateIP, out.PublicIP = i.privateIP, i.publicIP
	}
	if state == stateRunning && m.booted(i, out) {
		out.WorkloadUpAt = i.workloadAt
	}
	return out, true
}

// booted tells whether the UserData's workload came up: decided once, when
// its boot is due, by the Boot hook (nil: every workload comes up).
func (m *Model) booted(i *instance, inst account.Instance) bool {
	if m.Boot == nil || m.w.Now().Before(i.workloadAt) {
		return true
	}
	if i.boot == nil {
		ok := m.Boot(inst)
		i.boot = &ok
	}
	return *i.boot
}

// launch is a RunInstances request resolved against the model.
type launch struct {
	typ      instanceType
	subnet   *subnet
	groups   []string
	publicIP bool
	userData []byte
	metadata MetadataOptions
	volumes  []Volume
	profile  string
	tags     map[string]string
	eniTags  map[string]string
	volTags  map[string]string
}

func (r *region) runInstances(in *awsec2.RunInstancesInput) (*awsec2.RunInstancesOutput, error) {
	token := aws.ToString(in.ClientToken)
	// Every parameter but the token itself takes part: "If you repeat the
	// request with the same client token but change another request
	// parameter, Amazon EC2 returns an IdempotentParameterMismatch error"
	// ("Ensuring idempotency in Amazon EC2 API requests").
	fingerprint := *in
	fingerprint.ClientToken = nil
	b, _ := json.Marshal(fingerprint) // an SDK input of plain fields always marshals
	request := string(b)
	// ClientToken: the same token returns the original reservation instead
	// of launching again, for as long as AWS remembers it.
	if res, ok := r.reservations[token]; ok && token != "" {
		if res.request != request {
			return nil, apiError(CodeIdempotentParameterMismatch, "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
		}
		return r.reservationOutput(res), nil
	}
	l, err := r.resolveLaunch(in)
	if err != nil {
		return nil, err
	}
	count := int(aws.ToInt32(in.MaxCount))
	if count < 1 || aws.ToInt32(in.MinCount) > int32(count) {
		return nil, errInvalidParameter("Invalid value '%d' for maxCount", count)
	}
	if err := r.vcpuRoom(l.typ, count); err != nil {
		return nil, err
	}
	res := &reservation{id: r.newID("r-"), request: request}
	now := r.now()
	runLatency := r.latency(LatencyRun, defaultRun)
	if l.typ.gpus > 0 {
		runLatency = r.latency(LatencyRunGPU, defaultRunGPU)
	}
	for range count {
		i := &instance{
			id: r.newID("i-"), reservationID: res.id, typ: l.typ, imageID: aws.ToString(in.ImageId), keyName: aws.ToString(in.KeyName),
			subnetID: l.subnet.id, vpcID: l.subnet.vpcID, zone: l.subnet.zone, groups: l.groups, profile: l.profile,
			clientToken: token, userData: l.userData, metadata: l.metadata, launchedAt: now, runningAt: now.Add(runLatency),
			tags: l.tags, visibleAt: now.Add(r.m.w.Window(WindowInstanceVisible, windowVisibleMin, windowVisibleMax)),
		}
		i.statusOKAt = i.runningAt.Add(r.latency(LatencyStatusChecks, defaultStatusChecks))
		i.workloadAt = i.runningAt.Add(r.latency(LatencyWorkload, defaultWorkload))
		eni, err := r.addENI(l.subnet, l.groups, "")
		if err != nil {
			return nil, err
		}
		eni.instanceID, eni.tags = i.id, l.eniTags
		i.eniID, i.privateIP = eni.id, eni.privateIP
		if l.publicIP {
			i.publicIP = r.newPublicIP()
		}
		for _, v := range l.volumes {
			v.VolumeID, v.Tags = r.newID("vol-"), l.volTags
			i.volumes = append(i.volumes, v)
		}
		r.instances[i.id] = i
		res.instanceIDs = append(res.instanceIDs, i.id)
	}
	if token != "" {
		r.reservations[token] = res
	}
	return r.reservationOutput(res), nil
}

// resolveLaunch checks a RunInstances request as EC2 does and works out
// where and how the instances launch.
func (r *region) resolveLaunch(in *awsec2.RunInstancesInput) (*launch, error) {
	if err := checkImage(aws.ToString(in.ImageId)); err != nil {
		return nil, err
	}
	typ, ok := lookupType(string(in.InstanceType))
	if !ok {
		return nil, errInvalidParameter("Invalid value '%s' for InstanceType.", in.InstanceType)
	}
	l := &launch{typ: typ}
	if err := r.placeLaunch(in, l); err != nil {
		return nil, err
	}
	if !typ.offeredIn(l.subnet.zone) {
		var offered []string
		for _, z := range r.zones() {
			if typ.offeredIn(z) {
				offered = append(offered, z)
			}
		}
		return nil, apiError(CodeUnsupported, "Your requested instance type (%s) is not supported in your requested Availability Zone (%s). Please retry your request by not specifying an Availability Zone or choosing %s.",
			typ.name, l.subnet.zone, strings.Join(offered, ", "))
	}
	if err := r.checkProfile(in.IamInstanceProfile, l); err != nil {
		return nil, err
	}
	if in.UserData != nil {
		data, err := base64.StdEncoding.DecodeString(aws.ToString(in.UserData))
		if err != nil {
			return nil, errInvalidParameter("Invalid BASE64 encoding of user data.")
		}
		if len(data) > MaxUserDataBytes {
			return nil, errInvalidParameter("User data is limited to %d bytes", MaxUserDataBytes)
		}
		l.userData = data
	}
	if r.m.TamperUserData != nil {
		l.userData = r.m.TamperUserData(l.userData)
	}
	l.metadata = MetadataOptions{HTTPTokens: string(types.HttpTokensStateOptional), HopLimit: defaultHopLimit, HTTPEndpoint: string(types.InstanceMetadataEndpointStateEnabled)}
	if mo := in.MetadataOptions; mo != nil {
		if mo.HttpTokens != "" {
			l.metadata.HTTPTokens = string(mo.HttpTokens)
		}
		if mo.HttpEndpoint != "" {
			l.metadata.HTTPEndpoint = string(mo.HttpEndpoint)
		}
		if mo.HttpPutResponseHopLimit != nil {
			if n := aws.ToInt32(mo.HttpPutResponseHopLimit); n < 1 || n > 64 {
				return nil, errInvalidParameter("The HttpPutResponseHopLimit must be between 1 and 64.")
			}
			l.metadata.HopLimit = aws.ToInt32(mo.HttpPutResponseHopLimit)
		}
	}
	l.volumes = launchVolumes(in.BlockDeviceMappings)
	var err error
	if l.tags, err = tagsFor(in.TagSpecifications, types.ResourceTypeInstance, types.ResourceTypeVolume, types.ResourceTypeNetworkInterface); err != nil {
		return nil, err
	}
	l.eniTags, _ = tagsFor(in.TagSpecifications, types.ResourceTypeNetworkInterface, types.ResourceTypeVolume, types.ResourceTypeInstance)
	l.volTags, _ = tagsFor(in.TagSpecifications, types.ResourceTypeVolume, types.ResourceTypeInstance, types.ResourceTypeNetworkInterface)
	return l, nil
}

// placeLaunch chooses the subnet, public addressing and security groups:
// from SubnetId or the first network interface, else the default subnet
// (of the requested AZ); groups default to the VPC's default group.
func (r *region) placeLaunch(in *awsec2.RunInstancesInput, l *launch) error {
	subnetID := aws.ToString(in.SubnetId)
	groups := in.SecurityGroupIds
	var associate *bool
	if len(in.NetworkInterfaces) > 0 {
		if subnetID != "" {
			return apiError(CodeInvalidParameterCombination, "Network interfaces and an instance-level subnet ID may not be specified on the same request")
		}
		ni := in.NetworkInterfaces[0]
		subnetID, associate = aws.ToString(ni.SubnetId), ni.AssociatePublicIpAddress
		if len(ni.Groups) > 0 {
			groups = ni.Groups
		}
	}
	var zone string
	if in.Placement != nil {
		zone = aws.ToString(in.Placement.AvailabilityZone)
	}
	if subnetID != "" {
		s, err := r.subnet(subnetID)
		if err != nil {
			return err
		}
		if zone != "" && zone != s.zone {
			return errInvalidParameter("Value (%s) for parameter availabilityZone is invalid. Subnet %s is in Availability Zone %s.", zone, s.id, s.zone)
		}
		l.subnet = s
	} else {
		v, err := r.defaultVPC()
		if err != nil {
			return err
		}
		for _, s := range sorted(r.subnets) {
			if s.vpcID == v.id && s.defaultForAZ && (zone == "" || s.zone == zone) {
				l.subnet = s
				break
			}
		}
		if l.subnet == nil {
			return errInvalidParameter("Value (%s) for parameter availabilityZone is invalid.", zone)
		}
	}
	for _, name := range in.SecurityGroups {
		g := slices.IndexFunc(sorted(r.groups), func(g *securityGroup) bool { return g.vpcID == l.subnet.vpcID && g.name == name })
		if g < 0 {
			return apiError(CodeInvalidGroupNotFound, "The security group '%s' does not exist in VPC '%s'", name, l.subnet.vpcID)
		}
		groups = append(groups, sorted(r.groups)[g].id)
	}
	if len(groups) == 0 {
		for _, g := range r.groups {
			if g.vpcID == l.subnet.vpcID && g.isDefault {
				groups = []string{g.id}
			}
		}
	}
	visible := r.visibleGroups()
	for _, id := range groups {
		g, ok := visible[id]
		if !ok {
			return errGroupNotFound(id)
		}
		if g.vpcID != l.subnet.vpcID {
			return errInvalidParameter("Security group %s and subnet %s belong to different networks.", id, l.subnet.id)
		}
	}
	l.groups = slices.Clone(groups)
	l.publicIP = l.subnet.mapPublicIP
	if associate != nil {
		l.publicIP = *associate
	}
	return nil
}

// checkProfile rejects an instance profile IAM does not let EC2 use yet:
// a fresh profile takes seconds to propagate, and RunInstances answers
// InvalidParameterValue with this exact message meanwhile.
func (r *region) checkProfile(spec *types.IamInstanceProfileSpecification, l *launch) error {
	if spec == nil {
		return nil
	}
	name, arn := aws.ToString(spec.Name), aws.ToString(spec.Arn)
	switch {
	case name != "":
		l.profile = name
	case arn != "":
		l.profile = arn
		name = arn[strings.LastIndex(arn, "/")+1:]
	default:
		return nil
	}
	if ready := r.m.InstanceProfileReady; ready != nil && !ready(name) {
		if arn != "" && aws.ToString(spec.Name) == "" {
			return errInvalidParameter("Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", arn)
		}
		return errInvalidParameter("Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", name)
	}
	return nil
}

// launchVolumes records the requested EBS volumes; the AMI's root volume
// is used when no mapping names the root device.
func launchVolumes(mappings []types.BlockDeviceMapping) []Volume {
	var out []Volume
	root := false
	for _, m := range mappings {
		if m.Ebs == nil {
			continue
		}
		v := Volume{
			DeviceName:          aws.ToString(m.DeviceName),
			SizeGiB:             aws.ToInt32(m.Ebs.VolumeSize),
			Type:                string(m.Ebs.VolumeType),
			Encrypted:           aws.ToBool(m.Ebs.Encrypted),
			DeleteOnTermination: m.Ebs.DeleteOnTermination == nil || *m.Ebs.DeleteOnTermination,
		}
		if v.SizeGiB == 0 {
			v.SizeGiB = defaultRootVolumeGiB
		}
		if v.Type == "" {
			v.Type = defaultRootVolumeType
		}
		root = root || v.DeviceName == rootDeviceName
		out = append(out, v)
	}
	if !root {
		out = append([]Volume{{DeviceName: rootDeviceName, SizeGiB: defaultRootVolumeGiB, Type: defaultRootVolumeType, DeleteOnTermination: true}}, out...)
	}
	return out
}

// newPublicIP hands out the next public address.
func (r *region) newPublicIP() string {
	r.nextIP++
	n := r.nextIP
	return fmt.Sprintf("3.%d.%d.%d", 80+(n>>16)&0x7f, (n>>8)&0xff, n&0xff)
}

// dnsSuffix is the region's EC2 DNS domain (us-east-1 keeps its legacy one).
func (r *region) dnsSuffix(public bool) string {
	switch {
	case r.name == "us-east-1" && public:
		return "compute-1.amazonaws.com"
	case r.name == "us-east-1":
		return "ec2.internal"
	case public:
		return r.name + ".compute.amazonaws.com"
	default:
		return r.name + ".compute.internal"
	}
}

func (r *region) reservationOutput(res *reservation) *awsec2.RunInstancesOutput {
	out := &awsec2.RunInstancesOutput{ReservationId: aws.String(res.id), OwnerId: aws.String(account.AccountID)}
	for _, id := range res.instanceIDs {
		if i, ok := r.instances[id]; ok {
			out.Instances = append(out.Instances, r.instanceSDK(i))
		}
	}
	return out
}

func (r *region) instanceSDK(i *instance) types.Instance {
	now := r.now()
	state := i.state(now)
	out := types.Instance{
		InstanceId:         aws.String(i.id),
		InstanceType:       types.InstanceType(i.typ.name),
		ImageId:            aws.String(i.imageID),
		Architecture:       types.ArchitectureValues(i.typ.arch),
		State:              &types.InstanceState{Name: types.InstanceStateName(state), Code: aws.Int32(stateCodes[state])},
		LaunchTime:         aws.Time(i.launchedAt),
		Placement:          &types.Placement{AvailabilityZone: aws.String(i.zone), Tenancy: types.TenancyDefault},
		SubnetId:           aws.String(i.subnetID),
		VpcId:              aws.String(i.vpcID),
		ClientToken:        nonEmpty(i.clientToken),
		KeyName:            nonEmpty(i.keyName),
		AmiLaunchIndex:     aws.Int32(0),
		RootDeviceName:     aws.String(rootDeviceName),
		RootDeviceType:     types.DeviceTypeEbs,
		Hypervisor:         types.HypervisorTypeXen,
		VirtualizationType: types.VirtualizationTypeHvm,
		MetadataOptions: &types.InstanceMetadataOptionsResponse{
			HttpTokens: types.HttpTokensState(i.metadata.HTTPTokens), HttpPutResponseHopLimit: aws.Int32(i.metadata.HopLimit),
			HttpEndpoint: types.InstanceMetadataEndpointState(i.metadata.HTTPEndpoint), State: types.InstanceMetadataOptionsStateApplied,
		},
		Tags: sdkTags(i.tags),
	}
	if i.profile != "" {
		arn := i.profile
		if !strings.HasPrefix(arn, "arn:") {
			arn = fmt.Sprintf("arn:%s:iam::%s:instance-profile/%s", r.m.w.Partition(), account.AccountID, i.profile)
		}
		out.IamInstanceProfile = &types.IamInstanceProfile{Arn: aws.String(arn), Id: aws.String("AIPA" + strings.ToUpper(i.id[2:]))}
	}
	if state == stateTerminated {
		// A terminated instance has released its addresses and interfaces.
		out.StateTransitionReason = aws.String(fmt.Sprintf("User initiated (%s)", i.terminatedAt.UTC().Format("2006-01-02 15:04:05 MST")))
		out.StateReason = &types.StateReason{Code: aws.String("Client.UserInitiatedShutdown"), Message: aws.String("Client.UserInitiatedShutdown: User initiated shutdown")}
		return out
	}
	out.PrivateIpAddress = aws.String(i.privateIP)
	out.PrivateDnsName = aws.String("ip-" + strings.ReplaceAll(i.privateIP, ".", "-") + "." + r.dnsSuffix(false))
	if i.publicIP != "" {
		out.PublicIpAddress = aws.String(i.publicIP)
		if v, ok := r.vpcs[i.vpcID]; ok && v.dnsHostnames {
			out.PublicDnsName = aws.String("ec2-" + strings.ReplaceAll(i.publicIP, ".", "-") + "." + r.dnsSuffix(true))
		}
	}
	for _, id := range i.groups {
		gi := types.GroupIdentifier{GroupId: aws.String(id)}
		if g, ok := r.groups[id]; ok {
			gi.GroupName = aws.String(g.name)
		}
		out.SecurityGroups = append(out.SecurityGroups, gi)
	}
	ni := types.InstanceNetworkInterface{
		NetworkInterfaceId: aws.String(i.eniID), SubnetId: aws.String(i.subnetID), VpcId: aws.String(i.vpcID),
		PrivateIpAddress: aws.String(i.privateIP), Groups: out.SecurityGroups, Status: types.NetworkInterfaceStatusInUse,
		Attachment: &types.InstanceNetworkInterfaceAttachment{DeviceIndex: aws.Int32(0), Status: types.AttachmentStatusAttached, DeleteOnTermination: aws.Bool(true)},
	}
	if i.publicIP != "" {
		ni.Association = &types.InstanceNetworkInterfaceAssociation{PublicIp: aws.String(i.publicIP), IpOwnerId: aws.String("amazon")}
	}
	out.NetworkInterfaces = []types.InstanceNetworkInterface{ni}
	for _, v := range i.volumes {
		out.BlockDeviceMappings = append(out.BlockDeviceMappings, types.InstanceBlockDeviceMapping{
			DeviceName: aws.String(v.DeviceName),
			Ebs: &types.EbsInstanceBlockDevice{VolumeId: aws.String(v.VolumeID), Status: types.AttachmentStatusAttached,
				DeleteOnTermination: aws.Bool(v.DeleteOnTermination), AttachTime: aws.Time(i.launchedAt)},
		})
	}
	return out
}

// lookupInstances resolves instance ids: malformed ids, then unknown ones,
// fail the call as in AWS.
func (r *region) lookupInstances(ids []string) ([]*instance, error) {
	for _, id := range ids {
		if !instanceIDRe.MatchString(id) {
			return nil, apiError(CodeInvalidInstanceIDMalformed, "Invalid id: %q", id)
		}
	}
	now := r.now()
	visible := map[string]*instance{}
	for id, i := range r.instances {
		if !now.Before(i.visibleAt) {
			visible[id] = i
		}
	}
	items, missing := only(visible, ids)
	if len(missing) > 0 {
		return nil, errInstancesNotFound(missing)
	}
	return items, nil
}

func (r *region) instanceFields(now time.Time) fields[*instance] {
	return fields[*instance]{
		"instance-id":         func(i *instance) []string { return []string{i.id} },
		"instance-state-name": func(i *instance) []string { return []string{i.state(now)} },
		"client-token":        func(i *instance) []string { return []string{i.clientToken} },
		"instance-type":       func(i *instance) []string { return []string{i.typ.name} },
		"subnet-id":           func(i *instance) []string { return []string{i.subnetID} },
		"vpc-id":              func(i *instance) []string { return []string{i.vpcID} },
		"availability-zone":   func(i *instance) []string { return []string{i.zone} },
		"reservation-id":      func(i *instance) []string { return []string{i.reservationID} },
		"instance.group-id":   func(i *instance) []string { return i.groups },
		"image-id":            func(i *instance) []string { return []string{i.imageID} },
	}
}

func (r *region) describeInstances(in *awsec2.DescribeInstancesInput) (*awsec2.DescribeInstancesOutput, error) {
	items, err := r.lookupInstances(in.InstanceIds)
	if err != nil {
		return nil, err
	}
	items, err = filter(items, in.Filters, r.instanceFields(r.now()), func(i *instance) map[string]string { return i.tags })
	if err != nil {
		return nil, err
	}
	// MaxResults counts instances; a page groups its own by reservation.
	items, next, err := page(r, pagingInstances, pageIn{in.MaxResults, in.NextToken, len(in.InstanceIds)}, items, func(i *instance) string { return i.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeInstancesOutput{Reservations: []types.Reservation{}, NextToken: next}
	index := map[string]int{}
	for _, i := range items {
		k, ok := index[i.reservationID]
		if !ok {
			k = len(out.Reservations)
			index[i.reservationID] = k
			out.Reservations = append(out.Reservations, types.Reservation{ReservationId: aws.String(i.reservationID), OwnerId: aws.String(account.AccountID)})
		}
		out.Reservations[k].Instances = append(out.Reservations[k].Instances, r.instanceSDK(i))
	}
	return out, nil
}

func (r *region) describeInstanceStatus(in *awsec2.DescribeInstanceStatusInput) (*awsec2.DescribeInstanceStatusOutput, error) {
	items, err := r.lookupInstances(in.InstanceIds)
	if err != nil {
		return nil, err
	}
	now := r.now()
	check := func(i *instance) string {
		switch {
		case i.state(now) != stateRunning:
			return string(types.SummaryStatusNotApplicable)
		case now.Before(i.statusOKAt):
			return string(types.SummaryStatusInitializing)
		default:
			return string(types.SummaryStatusOk)
		}
	}
	f := r.instanceFields(now)
	f["instance-status.status"] = func(i *instance) []string { return []string{check(i)} }
	f["system-status.status"] = f["instance-status.status"]
	items, err = filter(items, in.Filters, f, func(i *instance) map[string]string { return i.tags })
	if err != nil {
		return nil, err
	}
	// Without IncludeAllInstances, AWS lists running instances only.
	if !aws.ToBool(in.IncludeAllInstances) {
		items = slices.DeleteFunc(items, func(i *instance) bool { return i.state(now) != stateRunning })
	}
	items, next, err := page(r, pagingInstanceStatus, pageIn{in.MaxResults, in.NextToken, len(in.InstanceIds)}, items, func(i *instance) string { return i.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeInstanceStatusOutput{InstanceStatuses: []types.InstanceStatus{}, NextToken: next}
	for _, i := range items {
		state := i.state(now)
		status := types.SummaryStatus(check(i))
		detail := types.StatusTypeInitializing
		if status == types.SummaryStatusOk {
			detail = types.StatusTypePassed
		}
		summary := &types.InstanceStatusSummary{Status: status, Details: []types.InstanceStatusDetails{{Name: types.StatusNameReachability, Status: detail}}}
		out.InstanceStatuses = append(out.InstanceStatuses, types.InstanceStatus{
			InstanceId: aws.String(i.id), AvailabilityZone: aws.String(i.zone), AvailabilityZoneId: aws.String(r.zoneID(i.zone)),
			InstanceState:  &types.InstanceState{Name: types.InstanceStateName(state), Code: aws.Int32(stateCodes[state])},
			InstanceStatus: summary, SystemStatus: summary,
		})
	}
	return out, nil
}

// terminateInstances starts shutting down each instance; terminating one
// already shutting down or terminated changes nothing (idempotent).
func (r *region) terminateInstances(in *awsec2.TerminateInstancesInput) (*awsec2.TerminateInstancesOutput, error) {
	if len(in.InstanceIds) == 0 {
		return nil, errMissing("InstanceId")
	}
	items, err := r.lookupInstances(in.InstanceIds)
	if err != nil {
		return nil, err
	}
	now := r.now()
	out := &awsec2.TerminateInstancesOutput{}
	for _, i := range items {
		prev := i.state(now)
		if i.terminatedAt.IsZero() {
			i.terminatedAt = now.Add(r.latency(LatencyTerminate, defaultTerminate))
		}
		cur := i.state(now)
		out.TerminatingInstances = append(out.TerminatingInstances, types.InstanceStateChange{
			InstanceId:    aws.String(i.id),
			PreviousState: &types.InstanceState{Name: types.InstanceStateName(prev), Code: aws.Int32(stateCodes[prev])},
			CurrentState:  &types.InstanceState{Name: types.InstanceStateName(cur), Code: aws.Int32(stateCodes[cur])},
		})
	}
	r.settle()
	return out, nil
}

// vcpuQuota is the On-Demand vCPU quota of an instance type's family
// ("Amazon EC2 instance type quotas", EC2 user guide): G and VT, P, and
// the standard families A, C, D, H, I, M, R, T, Z. The other families (F,
// Inf, Trn, DL, X, HPC, high memory, Mac) have quotas of their own that are
// not modeled. The family is the type's leading letters ("g4dn" → "g").
// Written apart from preflight's on purpose: the model checks the step.
func vcpuQuota(typ string) (string, bool) {
	family := typ
	if i := strings.IndexFunc(typ, func(r rune) bool { return r < 'a' || r > 'z' }); i >= 0 {
		family = typ[:i]
	}
	switch family {
	case "g", "vt":
		return "L-DB2E81BA", true
	case "p":
		return "L-417A185B", true
	case "", "f", "inf", "trn", "dl", "x", "hpc", "u", "mac":
		return "", false
	}
	if strings.ContainsRune("acdhimrtz", rune(family[0])) {
		return "L-1216C47A", true
	}
	return "", false
}

// vcpuRoom refuses a launch that would take the running vCPUs of the
// type's quota past its value: VcpuLimitExceeded, as RunInstances answers.
func (r *region) vcpuRoom(t instanceType, count int) error {
	code, ok := vcpuQuota(t.name)
	if !ok || r.m.w.Quota == nil {
		return nil
	}
	limit := r.m.w.Quota(r.name, "ec2", code)
	used := int32(0)
	now := r.now()
	for _, i := range r.instances {
		if c, _ := vcpuQuota(i.typ.name); c == code && i.state(now) != stateTerminated {
			used += i.typ.vcpus
		}
	}
	if float64(used+t.vcpus*int32(count)) > limit {
		return apiError(CodeVcpuLimitExceeded, "You have requested more vCPU capacity than your current vCPU limit of %d allows for the instance bucket that the specified instance type belongs to.", int(limit))
	}
	return nil
}
