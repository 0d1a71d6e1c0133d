package compute

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/compute/userdata"
	"geusemaker/internal/steps/ec2tag"
)

// Root volume of every instance: 75 GiB (the Deep Learning AMIs need it),
// gp3, encrypted with the account's default EBS key.
const rootVolumeGiB = 75

// IMDSv2 hop limit 1: only the host reaches the metadata service (and so
// the role's credentials); no container needs it, since the bootstrap
// reads the secret on the host. Docker's bridge adds a hop, so containers
// cannot (EC2 user guide, "Configure the instance metadata options").
const imdsHopLimit = 1

// candidate is one (instance type, subnet) RunInstances may try.
type candidate struct {
	instanceType string
	subnetID     string
}

// candidates lists the launch attempts in order: the requested type in the
// preferred (first) subnet, then in the other subnets (other AZs), then
// each GPU fallback type the same way.
func candidates(doc *document.Document) []candidate {
	instanceTypes := []string{doc.Request.InstanceType}
	if document.IsGPUInstanceType(doc.Request.InstanceType) {
		instanceTypes = append(instanceTypes, doc.Request.GPUInstanceFallbacks...)
	}
	var out []candidate
	for _, t := range instanceTypes {
		for _, s := range doc.Resources.SubnetIDs {
			out = append(out, candidate{instanceType: t, subnetID: s})
		}
	}
	return out
}

// token is the candidate's EC2 ClientToken in this run: a retried launch
// of the same candidate returns the instance it already started.
func (c candidate) token(doc *document.Document) string {
	return doc.Token("instance-" + c.instanceType + "-" + c.subnetID)
}

func clientTokens(doc *document.Document) []string {
	var out []string
	for _, c := range candidates(doc) {
		out = append(out, c.token(doc))
	}
	return out
}

// launched returns the instance RunInstances answered with, or ok=false
// when the token was spent: EC2 replays a ClientToken's original
// reservation for at least 24 hours after its instance terminated (EC2
// developer guide, "Ensuring idempotency"), by then with the instance
// shutting down or terminated, or with no instance at all once the
// terminated one has dropped out of EC2's records. Such an instance must
// not be recorded: nothing would ever run there.
func launched(out *ec2.RunInstancesOutput) (types.Instance, bool) {
	if len(out.Instances) == 0 {
		return types.Instance{}, false
	}
	i := out.Instances[0]
	if i.State != nil && (string(i.State.Name) == stateTerminated || string(i.State.Name) == stateShuttingDown) {
		return types.Instance{}, false
	}
	return i, true
}

// launch starts the instance and records it at once.
func (s *Step) launch(ctx context.Context, doc *document.Document) error {
	log := s.Logger(doc, contract.ActionLaunch)
	ec2c, ssmc := s.clients(doc)
	deadline := doc.Deadline(contract.StatusInstance, s.Clock.Now(), InstanceWait.Timeout)

	if doc.Resources.InstanceID == "" {
		// A launch whose answer was lost (Lambda timeout, crash) left an
		// instance the ledger does not know: adopt it rather than start a
		// second one with another candidate's token.
		found, err := sweep(ctx, ec2c, doc)
		if err != nil {
			return steperr.FromAWS(contract.InstanceLaunchFailed, family.StepName(contract.ActionLaunch), err, remedyLaunch)
		}
		if i := slices.IndexFunc(found, func(i types.Instance) bool { return string(i.State.Name) != stateShuttingDown }); i >= 0 {
			record(doc, found[i])
			log.Info("adopted instance", "resource", "instance", "id", doc.Resources.InstanceID)
		}
	}
	if doc.Resources.InstanceID == "" {
		inst, err := s.runFirstAvailable(ctx, ec2c, &amiResolver{
			ssm: ssmc, ec2: ec2c, override: doc.Request.AMIID, os: doc.Request.OSType,
			amis: map[string]string{}, roots: map[string]string{},
		}, doc)
		if err != nil {
			return err
		}
		record(doc, inst)
		log.Info("launched instance", "resource", "instance", "id", doc.Resources.InstanceID,
			"instance_type", doc.Resources.InstanceType, "availability_zone", doc.Resources.AvailabilityZone)
	}
	doc.SetStatus(contract.StatusInstance, launchWait(doc).Pending(statePending, deadline, s.Clock.Now()))
	doc.Report(s.Clock.Now(), document.StageCompute,
		fmt.Sprintf("Launching %s instance %s...", doc.Resources.InstanceType, doc.Resources.InstanceID), doc.Resources.InstanceID)
	return nil
}

// record writes the instance into the ledger.
func record(doc *document.Document, i types.Instance) {
	r := &doc.Resources
	r.InstanceID = aws.ToString(i.InstanceId)
	r.InstanceType = string(i.InstanceType)
	r.AMIID = aws.ToString(i.ImageId)
	if i.Placement != nil {
		r.AvailabilityZone = aws.ToString(i.Placement.AvailabilityZone)
	}
	if ip := aws.ToString(i.PublicIpAddress); ip != "" {
		r.PublicIP = ip
	}
}

// runFirstAvailable tries each candidate until EC2 launches one. Only a
// lack of capacity (or the type not being offered in the AZ) moves on to
// the next candidate; any other error stops.
func (s *Step) runFirstAvailable(ctx context.Context, api ec2API, amis *amiResolver, doc *document.Document) (types.Instance, error) {
	step := family.StepName(contract.ActionLaunch)
	all := candidates(doc)
	if len(all) == 0 {
		return types.Instance{}, steperr.New(contract.InstanceLaunchFailed, step,
			"no subnet to launch into: the ledger has no subnet_ids",
			"The network step did not record subnets: check its output, then retry the deployment.")
	}
	var tried []string
	var last error
	for _, c := range all {
		ami, err := amis.resolve(ctx, c.instanceType)
		if err != nil {
			return types.Instance{}, steperr.FromAWS(contract.InstanceLaunchFailed, step, err, remedyAMI)
		}
		root, err := amis.rootDevice(ctx, ami)
		if err != nil {
			return types.Instance{}, steperr.FromAWS(contract.InstanceLaunchFailed, step, err, remedyAMI)
		}
		in, err := s.runInput(doc, c, ami, root)
		if err != nil {
			return types.Instance{}, steperr.New(contract.InstanceLaunchFailed, step, err.Error(),
				"The UserData could not be built from the request and ledger: check efs_id and the request, then retry.")
		}
		out, err := api.RunInstances(ctx, in)
		switch code := awsapi.Code(err); {
		case err == nil:
			if i, ok := launched(out); ok {
				return i, nil
			}
			tried = append(tried, c.instanceType+" in "+c.subnetID+" (client token spent)")
			s.Logger(doc, contract.ActionLaunch).Warn("client token already spent on an instance that is gone, trying the next candidate",
				"instance_type", c.instanceType, "subnet", c.subnetID, "reservation", aws.ToString(out.ReservationId))
		case code == codeInsufficientCapacity || code == codeUnsupported:
			tried = append(tried, c.instanceType+" in "+c.subnetID)
			last = err
			s.Logger(doc, contract.ActionLaunch).Info("no capacity, trying the next candidate",
				"instance_type", c.instanceType, "subnet", c.subnetID, "aws_error_code", code)
		case code == codeVcpuLimitExceeded:
			// A quota of the family, not of the zone: no other subnet helps.
			return types.Instance{}, steperr.FromAWS(contract.InstanceLaunchFailed, step,
				fmt.Errorf("run instance %s in %s: %w", c.instanceType, c.subnetID, err), remedyVCPUQuota)
		case isInstanceProfileNotReady(err):
			return types.Instance{}, steperr.FromAWS(contract.InstanceProfileNotReady, step,
				fmt.Errorf("run instance %s in %s: %w", c.instanceType, c.subnetID, err), remedyProfile)
		default:
			return types.Instance{}, steperr.FromAWS(contract.InstanceLaunchFailed, step,
				fmt.Errorf("run instance %s in %s: %w", c.instanceType, c.subnetID, err), remedyLaunch)
		}
	}
	if last == nil {
		// Every candidate's token was spent: this run's instances were
		// terminated behind its back, and its tokens can launch no other.
		return types.Instance{}, steperr.New(contract.InstanceLaunchFailed, step,
			fmt.Sprintf("EC2 answered every launch (%s) with an instance of this run that is already terminated", strings.Join(tried, ", ")),
			"Something terminated the deployment's instance while it was being launched. Destroy the deployment, "+
				"then deploy again: a new run launches with new client tokens.")
	}
	e := steperr.FromAWS(contract.InsufficientCapacity, step,
		fmt.Errorf("no capacity after trying %s: %w", strings.Join(tried, ", "), last),
		fmt.Sprintf("EC2 had no capacity for any of: %s. Try another region, other instance types "+
			"(gpu_instance_fallbacks), or later; for GPU types, request a higher vCPU quota in Service Quotas "+
			"or reserve capacity with an On-Demand Capacity Reservation.", strings.Join(tried, ", ")))
	return types.Instance{}, e
}

// runInput is the RunInstances request for a candidate.
func (s *Step) runInput(doc *document.Document, c candidate, ami, rootDevice string) (*ec2.RunInstancesInput, error) {
	req := doc.Request
	ud, err := userdata.Build(userdata.Params{
		DeploymentID: req.DeploymentID,
		FileSystemID: doc.Resources.EFSID,
		Region:       req.Region,
		SecretARN:    doc.Resources.SecretARN,
		OS:           req.OSType,
		GPU:          document.IsGPUInstanceType(c.instanceType),
		HTTPS:        req.EnableCDN,
		Proxies:      count(req.EnableALB, req.EnableCDN),
	})
	if err != nil {
		return nil, err
	}
	in := &ec2.RunInstancesInput{
		ImageId:      aws.String(ami),
		InstanceType: types.InstanceType(c.instanceType),
		MinCount:     aws.Int32(1),
		MaxCount:     aws.Int32(1),
		SubnetId:     aws.String(c.subnetID),
		ClientToken:  aws.String(c.token(doc)),
		UserData:     aws.String(ud),
		MetadataOptions: &types.InstanceMetadataOptionsRequest{
			HttpTokens:              types.HttpTokensStateRequired,
			HttpPutResponseHopLimit: aws.Int32(imdsHopLimit),
			HttpEndpoint:            types.InstanceMetadataEndpointStateEnabled,
		},
		BlockDeviceMappings: []types.BlockDeviceMapping{{
			DeviceName: aws.String(rootDevice),
			Ebs: &types.EbsBlockDevice{
				VolumeSize:          aws.Int32(rootVolumeGiB),
				VolumeType:          types.VolumeTypeGp3,
				Encrypted:           aws.Bool(true),
				DeleteOnTermination: aws.Bool(true),
			},
		}},
		TagSpecifications: ec2tag.Specs(req, req.DeploymentID,
			types.ResourceTypeInstance, types.ResourceTypeVolume, types.ResourceTypeNetworkInterface),
	}
	for _, role := range []string{document.SGRoleInstance, document.SGRoleSupplied} {
		if sg := doc.Resources.SecurityGroupIDs[role]; sg != "" {
			in.SecurityGroupIds = append(in.SecurityGroupIds, sg)
		}
	}
	if p := doc.Resources.InstanceProfileName; p != "" {
		in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String(p)}
	}
	if req.KeyPairName != "" {
		in.KeyName = aws.String(req.KeyPairName)
	}
	return in, nil
}

// count is how many of the conditions hold.
func count(conditions ...bool) int {
	n := 0
	for _, c := range conditions {
		if c {
			n++
		}
	}
	return n
}
