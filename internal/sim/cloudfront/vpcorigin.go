package cloudfront

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/sim/account"
)

// VPC origins ("Restrict access with VPC origins", CloudFront Developer
// Guide; API reference CreateVpcOrigin, GetVpcOrigin, DeleteVpcOrigin): a
// private load balancer or instance CloudFront reaches through network
// interfaces it puts in the origin's subnets.
const (
	// StatusVPCOriginDeploying and StatusVPCOriginDeployed are the two
	// statuses AWS shows: a create or delete answers Deploying; a deleted
	// origin stays Deploying until GetVpcOrigin answers EntityNotFound (the
	// SDK's own DeleteVpcOrigin example; terraform-provider-aws waits for
	// exactly that).
	StatusVPCOriginDeploying = "Deploying"
	StatusVPCOriginDeployed  = "Deployed"
	// maxVPCOrigins is the default quota "VPC origins per AWS account"
	// (CloudFront quotas page).
	maxVPCOrigins = 25
	// serviceGroup is the security group CloudFront creates in the VPC of
	// its VPC origins ("CloudFront automatically creates a service-managed
	// security group with the naming pattern CloudFront-VPCOrigins-Service-SG"),
	// one per VPC (terraform-provider-aws#40683), tagged as its
	// service-linked role's policy requires to delete it.
	serviceGroup = "CloudFront-VPCOrigins-Service-SG"
)

// serviceGroupTags are the tags CloudFront's service-linked role puts on
// what it creates (AWSCloudFrontVPCOriginServiceRolePolicy).
var serviceGroupTags = map[string]string{"aws.cloudfront.vpcorigin": "enabled"}

// vpcOriginRegions are the commercial regions where VPC origins are
// available ("VPC origins are currently supported in the following
// commercial AWS Regions", Developer Guide); elsewhere CreateVpcOrigin
// answers UnsupportedOperation.
var vpcOriginRegions = map[string]bool{
	"us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true, "af-south-1": true,
	"ap-east-1": true, "ap-east-2": true, "ap-south-1": true, "ap-south-2": true,
	"ap-southeast-1": true, "ap-southeast-2": true, "ap-southeast-3": true, "ap-southeast-4": true,
	"ap-southeast-5": true, "ap-southeast-7": true,
	"ap-northeast-1": true, "ap-northeast-2": true, "ap-northeast-3": true,
	"ca-central-1": true, "ca-west-1": true,
	"eu-central-1": true, "eu-central-2": true, "eu-west-1": true, "eu-west-2": true, "eu-west-3": true,
	"eu-south-1": true, "eu-south-2": true, "eu-north-1": true,
	"il-central-1": true, "me-south-1": true, "me-central-1": true, "sa-east-1": true, "mx-central-1": true,
}

// vpcOriginExcludedZones are the Availability Zones the Developer Guide
// excepts in those regions (use1-az3, usw1-az2, apne1-az3, cac1-az3).
var vpcOriginExcludedZones = map[string]bool{"use1-az3": true, "usw1-az2": true, "apne1-az3": true, "cac1-az3": true}

// vpcOrigin is one VPC origin.
type vpcOrigin struct {
	id, arn, name string
	endpoint      []byte // its VpcOriginEndpointConfig, as JSON
	lbARN, vpcID  string
	etag          string
	created       time.Time
	// modified is when the create or the delete was accepted; the origin
	// is Deploying until modified+settle, then Deployed, or gone once
	// deleting.
	modified time.Time
	settle   time.Duration
	deleting bool
	// enis are the service-managed interfaces in the origin's subnets.
	enis []string
	tags map[string]string
}

func (o *vpcOrigin) status(now time.Time) string {
	if o.deleting || now.Before(o.modified.Add(o.settle)) {
		return StatusVPCOriginDeploying
	}
	return StatusVPCOriginDeployed
}

// Settle removes the VPC origins whose deletion has finished by now, and
// their network interfaces in EC2; the service group of a VPC goes a while
// after its last VPC origin (account.Settler).
func (m *Model) Settle(now time.Time) {
	for id, o := range m.origins {
		if o.deleting && !now.Before(o.modified.Add(o.settle)) {
			for _, eni := range o.enis {
				m.w.Network.DeleteNetworkInterface(eni)
			}
			delete(m.origins, id)
			if !m.usesVPC(o.vpcID) {
				m.groupsGone[o.vpcID] = now.Add(m.w.Window(WindowServiceGroupLinger, windowGroupLingerMin, windowGroupLingerMax))
			}
		}
	}
	for vpcID, at := range m.groupsGone {
		switch {
		case m.usesVPC(vpcID):
			delete(m.groupsGone, vpcID) // a new VPC origin there keeps it
		case !now.Before(at):
			m.w.Network.DeleteServiceGroup(m.groups[vpcID])
			delete(m.groups, vpcID)
			delete(m.groupsGone, vpcID)
		}
	}
}

// usesVPC tells whether a VPC origin lives in vpcID.
func (m *Model) usesVPC(vpcID string) bool {
	for _, o := range m.origins {
		if o.vpcID == vpcID {
			return true
		}
	}
	return false
}

// HeldBy names the VPC origin that points at a load balancer, "" when none
// does: ELBv2 asks before deleting one.
func (m *Model) HeldBy(lbARN string) string {
	for _, id := range slices.Sorted(maps.Keys(m.origins)) {
		if m.origins[id].lbARN == lbARN {
			return "CloudFront VPC origin " + id
		}
	}
	return ""
}

func (m *Model) createVpcOrigin(_ context.Context, in *sdk.CreateVpcOriginInput) (*sdk.CreateVpcOriginOutput, error) {
	cfg := in.VpcOriginEndpointConfig
	name, arn := aws.ToString(cfg.Name), aws.ToString(cfg.Arn)
	switch cfg.OriginProtocolPolicy {
	case types.OriginProtocolPolicyHttpOnly, types.OriginProtocolPolicyHttpsOnly, types.OriginProtocolPolicyMatchViewer:
	default:
		return nil, errInvalidArgument(fmt.Sprintf("OriginProtocolPolicy %q is not one of http-only, match-viewer, https-only.", cfg.OriginProtocolPolicy))
	}
	if name == "" {
		return nil, errInvalidArgument("The VPC origin needs a Name.")
	}
	for _, o := range m.origins {
		if o.name == name {
			return nil, errEntityAlreadyExists(fmt.Sprintf("A VPC origin named %s already exists.", name))
		}
	}
	var lb account.LoadBalancer
	ok := false
	if m.LoadBalancer != nil {
		lb, ok = m.LoadBalancer(arn)
	}
	switch {
	case !ok:
		return nil, errInvalidArgument(fmt.Sprintf("The origin endpoint %s does not exist.", arn))
	case !vpcOriginRegions[lb.Region]:
		return nil, errUnsupportedOperation()
	case !lb.Active:
		// "The resource you launch must be fully deployed and in Active
		// status before you can use it for a VPC origin."
		return nil, errInvalidArgument(fmt.Sprintf("The origin endpoint %s is not active.", arn))
	case m.w.Network == nil || !m.w.Network.HasInternetGateway(lb.VPCID):
		// "You need to add an internet gateway to the VPC that has your
		// VPC origin resources" (not used for routing).
		return nil, errInvalidArgument(fmt.Sprintf("The VPC %s of the origin endpoint has no internet gateway attached.", lb.VPCID))
	}
	// "us-east-1 (except AZ use1-az3)" and the like: the model refuses an
	// origin with a subnet there rather than guess what AWS would do.
	for _, id := range lb.Subnets {
		if sn, ok := m.w.Network.Subnet(id); ok && vpcOriginExcludedZones[sn.AvailabilityZoneID] {
			return nil, errInvalidArgument(fmt.Sprintf("The origin endpoint %s has a subnet, %s, in %s, where VPC origins are not supported.", arn, id, sn.AvailabilityZoneID))
		}
	}
	if len(m.origins) >= maxVPCOrigins {
		return nil, errEntityLimitExceeded(fmt.Sprintf("Your request contains more VPC origins than are allowed per AWS account (%d).", maxVPCOrigins))
	}
	endpoint, err := json.Marshal(cfg)
	if err != nil {
		return nil, errInvalidArgument(fmt.Sprintf("sim: this VpcOriginEndpointConfig is not modeled: %v", err))
	}
	group, err := m.w.Network.CreateServiceGroup(lb.VPCID, serviceGroup, serviceGroupTags)
	if err != nil {
		return nil, errInvalidArgument(fmt.Sprintf("sim: the service security group in %s: %v", lb.VPCID, err))
	}
	m.groups[lb.VPCID] = group
	id := "vo_" + m.suffix("vpcorigin")
	o := &vpcOrigin{
		id: id, name: name, lbARN: arn, vpcID: lb.VPCID, endpoint: endpoint,
		arn:     fmt.Sprintf("arn:%s:cloudfront::%s:vpcorigin/%s", m.w.Partition(), account.AccountID, id),
		etag:    m.newETag(),
		created: m.w.Now(), modified: m.w.Now(), settle: m.w.Latency(LatencyVPCOriginDeploy, defaultVPCOriginDeploy),
		tags: map[string]string{},
	}
	// "CloudFront routes to your subnet by using a service-managed elastic
	// network interface": one per subnet of the origin, private.
	for _, subnet := range lb.Subnets {
		eni, err := m.w.Network.CreateNetworkInterface(subnet, []string{group}, "CloudFront VPC origin "+id, false)
		if err != nil {
			for _, made := range o.enis {
				m.w.Network.DeleteNetworkInterface(made)
			}
			return nil, errInvalidArgument(fmt.Sprintf("No IPv4 address for CloudFront's network interface in %s: %v", subnet, err))
		}
		o.enis = append(o.enis, eni)
	}
	if in.Tags != nil {
		for _, t := range in.Tags.Items {
			o.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	m.origins[id] = o
	return &sdk.CreateVpcOriginOutput{VpcOrigin: m.viewOrigin(o), ETag: aws.String(o.etag),
		Location: aws.String("https://cloudfront.amazonaws.com/2020-05-31/vpc-origin/" + id)}, nil
}

func (m *Model) findOrigin(id string) (*vpcOrigin, error) {
	o, ok := m.origins[id]
	if !ok {
		return nil, errEntityNotFound(fmt.Sprintf("The VPC origin %s does not exist.", id))
	}
	return o, nil
}

func (m *Model) getVpcOrigin(_ context.Context, in *sdk.GetVpcOriginInput) (*sdk.GetVpcOriginOutput, error) {
	o, err := m.findOrigin(aws.ToString(in.Id))
	if err != nil {
		return nil, err
	}
	return &sdk.GetVpcOriginOutput{VpcOrigin: m.viewOrigin(o), ETag: aws.String(o.etag)}, nil
}

// deleteVpcOrigin starts the deletion of an origin no distribution uses.
func (m *Model) deleteVpcOrigin(_ context.Context, in *sdk.DeleteVpcOriginInput) (*sdk.DeleteVpcOriginOutput, error) {
	id := aws.ToString(in.Id)
	o, err := m.findOrigin(id)
	if err != nil {
		return nil, err
	}
	switch {
	case aws.ToString(in.IfMatch) == "":
		return nil, errInvalidIfMatchVersion()
	case *in.IfMatch != o.etag:
		return nil, errPreconditionFailed()
	}
	// AWS does not document deleting a VPC origin still deploying from its
	// creation; its procedure waits for Deployed first, and the model
	// refuses until then (IllegalDelete, in DeleteVpcOrigin's error list).
	if !o.deleting && o.status(m.w.Now()) != StatusVPCOriginDeployed {
		return nil, errIllegalDelete(fmt.Sprintf("The VPC origin %s is still deploying: delete it once it is Deployed.", id))
	}
	// A distribution that names the origin, enabled or not, holds it:
	// "The specified VPC origin is currently associated with one or more
	// distributions" (409), until that distribution is deleted.
	for _, did := range m.sortedIDs() {
		if usesOrigin(decode(m.dists[did].config), id) {
			return nil, errCannotDeleteEntityWhileInUse()
		}
	}
	if !o.deleting {
		o.deleting, o.modified = true, m.w.Now()
		o.settle = m.w.Latency(LatencyVPCOriginDelete, defaultVPCOriginDelete)
		o.etag = m.newETag()
	}
	return &sdk.DeleteVpcOriginOutput{VpcOrigin: m.viewOrigin(o), ETag: aws.String(o.etag)}, nil
}

func (m *Model) listVpcOrigins(_ context.Context, in *sdk.ListVpcOriginsInput) (*sdk.ListVpcOriginsOutput, error) {
	maxItems := int32(defaultMaxItems)
	if in.MaxItems != nil {
		maxItems = *in.MaxItems
	}
	if maxItems < 1 {
		return nil, errInvalidArgument("MaxItems must be a positive number.")
	}
	marker := aws.ToString(in.Marker)
	list := &types.VpcOriginList{IsTruncated: aws.Bool(false), Marker: aws.String(marker), MaxItems: aws.Int32(maxItems)}
	for _, id := range slices.Sorted(maps.Keys(m.origins)) {
		if marker != "" && id <= marker {
			continue
		}
		if len(list.Items) == int(maxItems) {
			list.IsTruncated = aws.Bool(true)
			list.NextMarker = list.Items[len(list.Items)-1].Id
			break
		}
		o := m.origins[id]
		list.Items = append(list.Items, types.VpcOriginSummary{
			Arn: aws.String(o.arn), Id: aws.String(o.id), Name: aws.String(o.name), OriginEndpointArn: aws.String(o.lbARN),
			Status: aws.String(o.status(m.w.Now())), CreatedTime: aws.Time(o.created), LastModifiedTime: aws.Time(o.modified),
			AccountId: aws.String(account.AccountID),
		})
	}
	list.Quantity = aws.Int32(int32(len(list.Items)))
	return &sdk.ListVpcOriginsOutput{VpcOriginList: list}, nil
}

func (m *Model) viewOrigin(o *vpcOrigin) *types.VpcOrigin {
	cfg := new(types.VpcOriginEndpointConfig)
	if err := json.Unmarshal(o.endpoint, cfg); err != nil {
		panic(fmt.Sprintf("sim: stored VPC origin endpoint no longer decodes: %v", err))
	}
	return &types.VpcOrigin{
		Arn: aws.String(o.arn), Id: aws.String(o.id), Status: aws.String(o.status(m.w.Now())),
		CreatedTime: aws.Time(o.created), LastModifiedTime: aws.Time(o.modified), VpcOriginEndpointConfig: cfg,
		AccountId: aws.String(account.AccountID),
	}
}

// usesOrigin tells whether a distribution config names the VPC origin.
func usesOrigin(cfg *types.DistributionConfig, id string) bool {
	return cfg.Origins != nil && slices.ContainsFunc(cfg.Origins.Items, func(o types.Origin) bool {
		return o.VpcOriginConfig != nil && aws.ToString(o.VpcOriginConfig.VpcOriginId) == id
	})
}

// validateVPCOrigin checks an origin that names a VPC origin: of one kind
// only, naming an origin that exists and has deployed (the Developer
// Guide's procedure: "Wait for your VPC origin status to change to
// Deployed", then create the distribution; the model refuses earlier).
func (m *Model) validateVPCOrigin(o types.Origin) error {
	c := o.VpcOriginConfig
	if o.CustomOriginConfig != nil || o.S3OriginConfig != nil {
		return errInvalidArgument(fmt.Sprintf("Origin %s: specify only one of S3OriginConfig, CustomOriginConfig and VpcOriginConfig.", aws.ToString(o.Id)))
	}
	if !timeoutInRange(c.OriginReadTimeout) {
		return errInvalidOriginReadTimeout()
	}
	if !timeoutInRange(c.OriginKeepaliveTimeout) {
		return errInvalidOriginKeepaliveTimeout()
	}
	vo, ok := m.origins[aws.ToString(c.VpcOriginId)]
	switch {
	case !ok || vo.deleting:
		return errInvalidArgument(fmt.Sprintf("The VPC origin %s does not exist.", aws.ToString(c.VpcOriginId)))
	case vo.status(m.w.Now()) != StatusVPCOriginDeployed:
		return errInvalidArgument(fmt.Sprintf("The VPC origin %s is not deployed yet.", vo.id))
	}
	return nil
}

// vpcOriginInventory lists the VPC origins for Inventory.
func (m *Model) vpcOriginInventory(now time.Time) []account.Resource {
	var out []account.Resource
	for _, o := range m.origins {
		out = append(out, account.Resource{
			Service: m.ServiceID(), Type: "vpc-origin", ID: o.id, State: strings.ToLower(o.status(now)), Tags: maps.Clone(o.tags),
		})
	}
	return out
}

func errEntityNotFound(msg string) error {
	return account.WithStatus(http.StatusNotFound, &types.EntityNotFound{Message: aws.String(msg)})
}

func errEntityAlreadyExists(msg string) error {
	return account.WithStatus(http.StatusConflict, &types.EntityAlreadyExists{Message: aws.String(msg)})
}

func errEntityLimitExceeded(msg string) error {
	return account.WithStatus(http.StatusBadRequest, &types.EntityLimitExceeded{Message: aws.String(msg)})
}

func errCannotDeleteEntityWhileInUse() error {
	return account.WithStatus(http.StatusConflict, &types.CannotDeleteEntityWhileInUse{Message: aws.String(
		"The specified VPC origin is currently associated with one or more distributions. Please disassociate the VPC origin from all distributions before updating or deleting.")})
}

func errIllegalDelete(msg string) error {
	return account.WithStatus(http.StatusBadRequest, &types.IllegalDelete{Message: aws.String(msg)})
}

func errUnsupportedOperation() error {
	return account.WithStatus(http.StatusBadRequest, &types.UnsupportedOperation{
		Message: aws.String("This operation is not supported in this Amazon Web Services Region."),
	})
}
