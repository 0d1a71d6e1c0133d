package network

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
	"geusemaker/internal/steps/ec2tag"
)

// delete removes the network this deployment created, in dependency
// order: route table, internet gateway, subnets, VPC, and records each in
// doc.Removal. A resource still in use (DependencyViolation while ENIs
// drain) makes the deletion pending under contract.StatusNetworkDelete: the
// state machine runs it again. Supplied and default resources are never
// touched (kept); what AWS no longer has is already gone.
func (s *Step) delete(ctx context.Context, doc *document.Document) error {
	// A new wait: a deadline a previous teardown left in the document
	// must not end this one.
	doc.StartWait(contract.StatusNetworkDelete, s.Clock.Now(), DeleteWait.Timeout)
	return s.deleteNetwork(ctx, doc, contract.ActionDelete)
}

// deleteStatus is delete again, polled while it is pending.
func (s *Step) deleteStatus(ctx context.Context, doc *document.Document) error {
	return s.deleteNetwork(ctx, doc, contract.ActionDeleteStatus)
}

func (s *Step) deleteNetwork(ctx context.Context, doc *document.Document, action string) error {
	c := s.client(doc)
	if err := s.sweep(ctx, c, doc); err != nil {
		return err
	}
	log := s.Logger(doc, action)
	r := &doc.Resources
	// A poll finds what it deleted gone from the ledger: only the first
	// invocation can tell what was never created.
	first := action == contract.ActionDelete
	never := func(kind string) {
		if first {
			doc.NeverCreated(kind)
		}
	}
	deletedBefore := doc.RemovedCount()
	fail := func(err error) error {
		deletedNow := doc.RemovedCount() > deletedBefore
		if family.Waits(err) {
			// The VPC's ENIs (the ALB's linger minutes) or an instance's
			// public address still hold it: wait, keeping the record; but
			// not for what this teardown could not delete.
			if held := holding(doc); len(held) > 0 {
				return family.Blocked(doc, contract.StatusNetworkDelete, action,
					fmt.Sprintf("the network (%v; used by %s)", err, strings.Join(held, ", ")), deletedNow)
			}
			return family.Pending(doc, contract.StatusNetworkDelete, DeleteWait, s.Clock.Now(), action, "deletion of the network", err, deletedNow)
		}
		return family.Defer(doc, contract.StatusNetworkDelete, deletedNow, family.AWSFailure(action, err, remedyDelete))
	}
	removed := func(kind, id string, gone bool) {
		log.Info("deleted "+kind, "resource", kind, "id", id, "already_gone", gone)
		doc.Removed(kind+" "+id, gone)
	}
	if r.Created(document.KeyRouteTableID) {
		gone, err := deleteRouteTable(ctx, c, r.RouteTableID)
		if err != nil {
			return fail(err)
		}
		removed("route table", r.RouteTableID, gone)
		r.RouteTableID = ""
	} else if !r.Has(document.KeyRouteTableID) {
		never("route table")
	}
	if r.Created(document.KeyInternetGatewayID) {
		gone, err := deleteGateway(ctx, c, r.InternetGatewayID)
		if err != nil {
			return fail(err)
		}
		removed("internet gateway", r.InternetGatewayID, gone)
		r.InternetGatewayID = ""
	} else if !r.Has(document.KeyInternetGatewayID) {
		never("internet gateway")
	}
	switch {
	case r.Created(document.KeySubnetIDs):
		for len(r.SubnetIDs) > 0 {
			id := r.SubnetIDs[0]
			gone, err := awsapi.Gone(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}))
			if err != nil {
				return fail(fmt.Errorf("delete subnet %s: %w", id, err))
			}
			removed("subnet", id, gone)
			r.SubnetIDs = r.SubnetIDs[1:]
		}
		r.SubnetIDs = nil
	case r.Has(document.KeySubnetIDs):
		for _, id := range r.SubnetIDs {
			doc.Kept("subnet " + id + owner(r, document.KeySubnetIDs))
		}
	default:
		never("subnets")
	}
	switch {
	case r.Created(document.KeyVPCID):
		id := r.VPCID
		gone, err := awsapi.Gone(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)}))
		if err != nil {
			return fail(fmt.Errorf("delete VPC %s: %w", id, err))
		}
		removed("VPC", id, gone)
		r.VPCID = ""
	case r.Has(document.KeyVPCID):
		doc.Kept("VPC " + r.VPCID + owner(r, document.KeyVPCID))
	default:
		never("VPC")
	}
	doc.SetStatus(contract.StatusNetworkDelete, document.Poll{Status: "deleted", Done: true, Percent: 100})
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Network deleted", "")
	return nil
}

// holders are the families whose resources use the network, each with
// the kind of resource its record names when it is gone ("" for the
// security groups: any of them left holds the VPC).
var holders = [][2]string{
	{contract.ReportLoadBalancer, "load balancer"},
	{contract.ReportInstance, "EC2 instance"},
	{contract.ReportStorage, "EFS mount target"},
	{contract.ReportSecurityGroups, ""},
}

// holding lists the holders this teardown left behind with what uses the
// network still there.
func holding(doc *document.Document) []string {
	var out []string
	for _, h := range holders {
		if doc.Holding(h[0], h[1]) {
			out = append(out, h[0])
		}
	}
	return out
}

// owner says whose a kept network resource is: the account's default
// VPC's, or the user's.
func owner(r *document.Ledger, key string) string {
	if r.Default(key) {
		return " (the account's default VPC)"
	}
	return " (yours)"
}

// sweep completes the ledger with what the tag geusemaker:deployment finds,
// for a run whose ledger was lost with a failed invocation's output.
func (s *Step) sweep(ctx context.Context, c ec2API, doc *document.Document) error {
	r := &doc.Resources
	tag := ec2tag.Deployment(doc.Request)
	fail := func(err error) error {
		return family.AWSFailure(contract.ActionDelete, fmt.Errorf("find the deployment's network by tag: %w", err), remedyDelete)
	}
	if r.VPCID == "" {
		vpc, err := findVPC(ctx, c, tag)
		if err != nil {
			return fail(err)
		}
		if vpc != nil {
			r.VPCID = aws.ToString(vpc.VpcId)
		}
	}
	if r.InternetGatewayID == "" {
		igws, err := listGateways(ctx, c, tag)
		if err != nil {
			return fail(err)
		}
		if len(igws) > 0 {
			r.InternetGatewayID = aws.ToString(igws[0].InternetGatewayId)
		}
	}
	if r.RouteTableID == "" {
		tables, err := listRouteTables(ctx, c, tag)
		if err != nil {
			return fail(err)
		}
		if len(tables) > 0 {
			r.RouteTableID = aws.ToString(tables[0].RouteTableId)
		}
	}
	if !r.Supplied(document.KeySubnetIDs) {
		subnets, err := listSubnets(ctx, c, &ec2.DescribeSubnetsInput{Filters: []types.Filter{tag}})
		if err != nil {
			return fail(err)
		}
		for _, sn := range subnets {
			if id := aws.ToString(sn.SubnetId); !slices.Contains(r.SubnetIDs, id) {
				r.SubnetIDs = append(r.SubnetIDs, id)
			}
		}
	}
	return nil
}

// deleteRouteTable removes a table's subnet associations, then the table;
// it tells whether the table was already gone.
func deleteRouteTable(ctx context.Context, c ec2API, id string) (alreadyGone bool, _ error) {
	tables, err := listRouteTables(ctx, c, ec2tag.Filter("route-table-id", id))
	if err != nil {
		return false, fmt.Errorf("describe route table %s: %w", id, err)
	}
	if len(tables) == 0 {
		return true, nil
	}
	for _, a := range tables[0].Associations {
		if aws.ToBool(a.Main) {
			continue
		}
		if _, err := awsapi.Gone(c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId})); err != nil {
			return false, fmt.Errorf("disassociate %s from route table %s: %w", aws.ToString(a.SubnetId), id, err)
		}
	}
	gone, err := awsapi.Gone(c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(id)}))
	if err != nil {
		return false, fmt.Errorf("delete route table %s: %w", id, err)
	}
	return gone, nil
}

// deleteGateway detaches a gateway from its VPC, then deletes it; it tells
// whether the gateway was already gone. Detaching fails with
// DependencyViolation while instances in the VPC still hold public
// addresses (until they have terminated).
func deleteGateway(ctx context.Context, c ec2API, id string) (alreadyGone bool, _ error) {
	igws, err := listGateways(ctx, c, ec2tag.Filter("internet-gateway-id", id))
	if err != nil {
		return false, fmt.Errorf("describe internet gateway %s: %w", id, err)
	}
	if len(igws) == 0 {
		return true, nil
	}
	for _, a := range igws[0].Attachments {
		_, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: a.VpcId})
		// Gateway.NotAttached: a retried detach that reached AWS.
		if err != nil && awsapi.Code(err) != codeGatewayNotAttached && !awsapi.IsNotFound(err) {
			return false, fmt.Errorf("detach internet gateway %s from %s: %w", id, aws.ToString(a.VpcId), err)
		}
	}
	gone, err := awsapi.Gone(c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(id)}))
	if err != nil {
		return false, fmt.Errorf("delete internet gateway %s: %w", id, err)
	}
	return gone, nil
}
