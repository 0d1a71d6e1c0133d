package network

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/ec2tag"
)

// delete removes the network this deployment created, in dependency
// order: route table, internet gateway, subnets, VPC. Supplied and default
// resources are never touched; what is already gone counts as deleted.
func (s *Step) delete(ctx context.Context, doc *document.Document) error {
	c := s.client(doc)
	if err := s.sweep(ctx, c, doc); err != nil {
		return err
	}
	log := s.Logger(doc, contract.ActionDelete)
	r := &doc.Resources
	if r.Created(document.KeyRouteTableID) {
		if err := deleteRouteTable(ctx, c, r.RouteTableID); err != nil {
			return family.AWSFailure(contract.ActionDelete, err, remedyDelete)
		}
		log.Info("deleted route table", "resource", "route-table", "id", r.RouteTableID)
		r.RouteTableID = ""
	}
	if r.Created(document.KeyInternetGatewayID) {
		if err := deleteGateway(ctx, c, r.InternetGatewayID); err != nil {
			return family.AWSFailure(contract.ActionDelete, err, remedyDelete)
		}
		log.Info("deleted internet gateway", "resource", "internet-gateway", "id", r.InternetGatewayID)
		r.InternetGatewayID = ""
	}
	if r.Created(document.KeySubnetIDs) {
		for len(r.SubnetIDs) > 0 {
			id := r.SubnetIDs[0]
			if err := ignoreNotFound(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)})); err != nil {
				return family.AWSFailure(contract.ActionDelete, fmt.Errorf("delete subnet %s: %w", id, err), remedyDelete)
			}
			log.Info("deleted subnet", "resource", "subnet", "id", id)
			r.SubnetIDs = r.SubnetIDs[1:]
		}
		r.SubnetIDs = nil
	}
	if r.Created(document.KeyVPCID) {
		id := r.VPCID
		if err := ignoreNotFound(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})); err != nil {
			return family.AWSFailure(contract.ActionDelete, fmt.Errorf("delete VPC %s: %w", id, err), remedyDelete)
		}
		log.Info("deleted VPC", "resource", "vpc", "id", id)
		r.VPCID = ""
	}
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Network deleted", "")
	return nil
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

// deleteRouteTable removes a table's subnet associations, then the table.
func deleteRouteTable(ctx context.Context, c ec2API, id string) error {
	tables, err := listRouteTables(ctx, c, ec2tag.Filter("route-table-id", id))
	if err != nil {
		return fmt.Errorf("describe route table %s: %w", id, err)
	}
	if len(tables) == 0 {
		return nil
	}
	for _, a := range tables[0].Associations {
		if aws.ToBool(a.Main) {
			continue
		}
		if err := ignoreNotFound(c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId})); err != nil {
			return fmt.Errorf("disassociate %s from route table %s: %w", aws.ToString(a.SubnetId), id, err)
		}
	}
	if err := ignoreNotFound(c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(id)})); err != nil {
		return fmt.Errorf("delete route table %s: %w", id, err)
	}
	return nil
}

// deleteGateway detaches a gateway from its VPC, then deletes it.
// Detaching fails with DependencyViolation while instances in the VPC still
// hold public addresses (until they have terminated).
func deleteGateway(ctx context.Context, c ec2API, id string) error {
	igws, err := listGateways(ctx, c, ec2tag.Filter("internet-gateway-id", id))
	if err != nil {
		return fmt.Errorf("describe internet gateway %s: %w", id, err)
	}
	if len(igws) == 0 {
		return nil
	}
	for _, a := range igws[0].Attachments {
		_, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: a.VpcId})
		// Gateway.NotAttached: a retried detach that reached AWS.
		if err != nil && awsapi.Code(err) != codeGatewayNotAttached && !awsapi.IsNotFound(err) {
			return fmt.Errorf("detach internet gateway %s from %s: %w", id, aws.ToString(a.VpcId), err)
		}
	}
	if err := ignoreNotFound(c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(id)})); err != nil {
		return fmt.Errorf("delete internet gateway %s: %w", id, err)
	}
	return nil
}

// ignoreNotFound drops a call's output and treats "already gone" as done.
func ignoreNotFound[O any](_ O, err error) error {
	if awsapi.IsNotFound(err) {
		return nil
	}
	return err
}
