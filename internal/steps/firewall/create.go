package firewall

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/ec2tag"
)

// create makes the deployment's groups and their ingress rules, recording
// each group id as soon as AWS returns it. Groups are found again by name
// in the VPC, so a retry creates nothing twice.
func (s *Step) create(ctx context.Context, doc *document.Document) error {
	const action = contract.ActionCreate
	req := doc.Request
	if doc.Resources.VPCID == "" {
		return family.Missing(action, "vpc_id")
	}
	c := s.client(doc)
	groups := maps.Clone(doc.Resources.SecurityGroupIDs)
	if groups == nil {
		groups = map[string]string{}
	}
	// The ledger's map is written whole by this step (Parallel branches
	// merge ledgers shallowly), after each group exists.
	record := func(role, id string) {
		groups[role] = id
		doc.Resources.SecurityGroupIDs = maps.Clone(groups)
	}

	// Every group first, then every rule: a new group's id takes seconds
	// to reach the calls that name it (InvalidGroup.NotFound, retried as
	// ResourceBusy), and this way the groups wait out that window together.
	roles := []string{document.SGRoleInstance, document.SGRoleEFS}
	if req.EnableALB {
		roles = append([]string{document.SGRoleALB}, roles...)
	}
	if req.SecurityGroupID != "" {
		if err := s.useSupplied(ctx, c, doc); err != nil {
			return err
		}
		record(document.SGRoleSupplied, req.SecurityGroupID)
	}
	for _, role := range roles {
		id, err := s.ensureGroup(ctx, c, doc, role)
		if err != nil {
			return err
		}
		record(role, id)
	}

	// Only the ALB reaches the instance when there is one.
	toInstance := source{cidr: anywhere}
	if req.EnableALB {
		from, err := s.albSource(ctx, c, doc)
		if err != nil {
			return err
		}
		if err := authorize(ctx, c, groups[document.SGRoleALB], portHTTP, from); err != nil {
			return err
		}
		toInstance = source{group: groups[document.SGRoleALB]}
	}
	if err := authorize(ctx, c, groups[document.SGRoleInstance], portHTTP, toInstance); err != nil {
		return err
	}
	if req.SSHCIDR != "" {
		if err := authorize(ctx, c, groups[document.SGRoleInstance], portSSH, source{cidr: req.SSHCIDR}); err != nil {
			return err
		}
	}
	if err := authorize(ctx, c, groups[document.SGRoleEFS], portNFS, source{group: groups[document.SGRoleInstance]}); err != nil {
		return err
	}
	doc.Report(s.Clock.Now(), document.StageSecurity,
		fmt.Sprintf("Security groups ready in %s", doc.Resources.VPCID), groups[document.SGRoleInstance])
	return nil
}

// ensureGroup returns the id of the role's group in the VPC, creating it
// when absent.
func (s *Step) ensureGroup(ctx context.Context, c ec2API, doc *document.Document, role string) (string, error) {
	const action = contract.ActionCreate
	req := doc.Request
	vpcID := doc.Resources.VPCID
	name := req.SecurityGroupName(role)
	g, err := findGroupByName(ctx, c, vpcID, name)
	if err != nil {
		return "", family.AWSFailure(action, err, remedyCreate)
	}
	if g != nil {
		return aws.ToString(g.GroupId), nil
	}
	out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:         aws.String(name),
		Description:       aws.String(fmt.Sprintf("GeuseMaker %s security group of %s", role, req.DeploymentID)),
		VpcId:             aws.String(vpcID),
		TagSpecifications: ec2tag.Specs(req, name, types.ResourceTypeSecurityGroup),
	})
	if awsapi.Code(err) == codeGroupDuplicate {
		// A concurrent or retried create won the race: use its group, once
		// the look-up sees it (a group seconds old may not be listed yet).
		g, ferr := findGroupByName(ctx, c, vpcID, name)
		if ferr == nil && g != nil {
			return aws.ToString(g.GroupId), nil
		}
		if ferr == nil {
			return "", family.ResourceBusy(action, fmt.Errorf("security group %s exists in %s but is not listed yet: %w", name, vpcID, err), remedyNotYet)
		}
	}
	if err != nil {
		return "", family.AWSFailure(action, fmt.Errorf("create security group %s in %s: %w", name, vpcID, err), remedyCreate)
	}
	id := aws.ToString(out.GroupId)
	s.Logger(doc, action).Info("created security group", "resource", "security-group", "id", id, "role", role)
	return id, nil
}

// useSupplied checks the user's group: it must exist in the deployment's
// VPC. It is marked supplied and left exactly as it is: the instance gets
// it beside GeuseMaker's own instance group, which opens the workload's
// port, so the user's rules (SSH from a bastion, access to their
// databases) apply without GeuseMaker changing them.
func (s *Step) useSupplied(ctx context.Context, c ec2API, doc *document.Document) error {
	const action = contract.ActionCreate
	id := doc.Request.SecurityGroupID
	g, err := findGroupByID(ctx, c, id)
	if err != nil {
		return family.AWSFailure(action, err, remedySupplied)
	}
	if g == nil {
		return family.Failure(action, fmt.Sprintf("security group %s given in security_group_id does not exist in %s", id, doc.Request.Region), remedySupplied)
	}
	if vpc := aws.ToString(g.VpcId); vpc != doc.Resources.VPCID {
		return family.Failure(action, fmt.Sprintf("security group %s belongs to %s, not to the deployment's VPC %s", id, vpc, doc.Resources.VPCID), remedySupplied)
	}
	doc.Resources.MarkSupplied(document.SecurityGroupKey(document.SGRoleSupplied))
	s.Logger(doc, action).Info("using supplied security group", "resource", "security-group", "id", id)
	return nil
}

// albSource is where the ALB accepts HTTP from: CloudFront's origin-facing
// addresses when CloudFront fronts it, else anywhere.
func (s *Step) albSource(ctx context.Context, c ec2API, doc *document.Document) (source, error) {
	const action = contract.ActionCreate
	if !doc.Request.EnableCDN {
		return source{cidr: anywhere}, nil
	}
	id, err := findPrefixList(ctx, c, cloudFrontPrefixList)
	if err != nil {
		return source{}, family.AWSFailure(action, err, remedyPrefix)
	}
	if id == "" {
		return source{}, family.Failure(action, fmt.Sprintf("prefix list %s not found in %s", cloudFrontPrefixList, doc.Request.Region), remedyPrefix)
	}
	return source{prefixList: id}, nil
}

// source is one rule's peer: a CIDR, a security group or a prefix list.
type source struct{ cidr, group, prefixList string }

func (src source) permission(port int32) types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
	switch {
	case src.group != "":
		p.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(src.group)}}
	case src.prefixList != "":
		p.PrefixListIds = []types.PrefixListId{{PrefixListId: aws.String(src.prefixList)}}
	default:
		p.IpRanges = []types.IpRange{{CidrIp: aws.String(src.cidr)}}
	}
	return p
}

// authorize opens TCP port on group to src; a rule that already exists
// (a retried call) is done.
func authorize(ctx context.Context, c ec2API, group string, port int32, src source) error {
	_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: []types.IpPermission{src.permission(port)}})
	if err != nil && awsapi.Code(err) != codePermissionDuplicate {
		return family.AWSFailure(contract.ActionCreate, fmt.Errorf("authorize port %d on %s: %w", port, group, err), remedyCreate)
	}
	return nil
}
