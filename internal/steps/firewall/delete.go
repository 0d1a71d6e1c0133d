package firewall

import (
	"context"
	"fmt"
	"maps"
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

// delete removes the groups this deployment created: first the rules by
// which they reference each other (a referenced group cannot be deleted),
// then the groups, each recorded in doc.Removal. A group still in use
// (DependencyViolation while ENIs drain) makes the deletion pending under
// contract.StatusSecurityGroupsDelete: the state machine runs it again; one
// used by what this teardown could not delete is blocked (step.Blocked). A
// supplied group is never touched (kept); one AWS no longer has is already
// gone.
func (s *Step) delete(ctx context.Context, doc *document.Document) error {
	// A new wait: a deadline a previous teardown left in the document
	// must not end this one.
	doc.StartWait(contract.StatusSecurityGroupsDelete, s.Clock.Now(), DeleteWait.Timeout)
	return s.deleteGroups(ctx, doc, contract.ActionDelete)
}

// deleteStatus is delete again, polled while it is pending.
func (s *Step) deleteStatus(ctx context.Context, doc *document.Document) error {
	return s.deleteGroups(ctx, doc, contract.ActionDeleteStatus)
}

func (s *Step) deleteGroups(ctx context.Context, doc *document.Document, action string) error {
	c := s.client(doc)
	if err := s.sweep(ctx, c, doc); err != nil {
		return err
	}
	groups := maps.Clone(doc.Resources.SecurityGroupIDs)
	var ours []string
	for _, role := range roles {
		if id := groups[role]; id != "" && !doc.Resources.Supplied(document.SecurityGroupKey(role)) {
			ours = append(ours, id)
		}
	}
	for _, id := range ours {
		if err := revokeReferences(ctx, c, id, ours); err != nil {
			return family.AWSFailure(action, err, remedyDelete)
		}
	}
	log := s.Logger(doc, action)
	if id := groups[document.SGRoleSupplied]; id != "" {
		doc.Kept("security group " + id + " (yours)")
	}
	// A poll finds the groups it deleted gone from the ledger: only the
	// first invocation can tell what was never created.
	first := action == contract.ActionDelete
	deletedBefore := doc.RemovedCount()
	fail := func(err error) error {
		return family.Defer(doc, contract.StatusSecurityGroupsDelete, doc.RemovedCount() > deletedBefore, err)
	}
	var wait error       // a group whose ENIs are still draining
	var blocked []string // groups held by what this teardown left behind
	for _, role := range slices.Backward(roles) {
		id := groups[role]
		switch {
		case id == "":
			if first {
				doc.NeverCreated(role + " security group")
			}
			continue
		case doc.Resources.Supplied(document.SecurityGroupKey(role)):
			continue
		}
		gone, err := awsapi.Gone(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)}))
		if family.Waits(err) {
			// The ENIs of the group's holder (the load balancer, the
			// instance, the mount targets) use it for minutes after their
			// owner's delete, and for ever when this teardown could not
			// delete the owner. The other groups go on.
			if h := holder[role]; doc.Holding(h[0], h[1]) {
				blocked = append(blocked, fmt.Sprintf("security group %s (used by %s)", id, h[0]))
			} else {
				wait = fmt.Errorf("delete security group %s: %w", id, err)
			}
			continue
		}
		if err != nil {
			return fail(family.AWSFailure(action, fmt.Errorf("delete security group %s: %w", id, err), remedyDelete))
		}
		log.Info("deleted security group", "resource", "security-group", "id", id, "role", role, "already_gone", gone)
		doc.Removed(role+" security group "+id, gone)
		delete(groups, role)
		doc.Resources.SecurityGroupIDs = maps.Clone(groups)
	}
	now := s.Clock.Now()
	switch {
	case wait != nil:
		return family.Pending(doc, contract.StatusSecurityGroupsDelete, DeleteWait, now, action, "deletion of the security groups", wait, doc.RemovedCount() > deletedBefore)
	case len(blocked) > 0:
		return family.Blocked(doc, contract.StatusSecurityGroupsDelete, action, strings.Join(blocked, ", "), doc.RemovedCount() > deletedBefore)
	}
	if len(groups) == 0 {
		doc.Resources.SecurityGroupIDs = nil
	}
	doc.SetStatus(contract.StatusSecurityGroupsDelete, document.Poll{Status: "deleted", Done: true, Percent: 100})
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Security groups deleted", "")
	return nil
}

// sweep completes the ledger with the deployment's groups found by tag and
// matched to their role by name, for a run whose ledger was lost.
func (s *Step) sweep(ctx context.Context, c ec2API, doc *document.Document) error {
	req := doc.Request
	found, err := listGroups(ctx, c, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{ec2tag.Filter("tag:"+document.TagDeployment, req.DeploymentID)}})
	if err != nil {
		return family.AWSFailure(contract.ActionDelete, fmt.Errorf("find the deployment's security groups by tag: %w", err), remedyDelete)
	}
	for _, g := range found {
		for _, role := range roles {
			if aws.ToString(g.GroupName) != req.SecurityGroupName(role) || doc.Resources.SecurityGroupIDs[role] != "" {
				continue
			}
			if doc.Resources.SecurityGroupIDs == nil {
				doc.Resources.SecurityGroupIDs = map[string]string{}
			}
			doc.Resources.SecurityGroupIDs[role] = aws.ToString(g.GroupId)
		}
	}
	return nil
}

// revokeReferences removes the ingress rules of group whose source is
// another of ours, so that group can be deleted.
func revokeReferences(ctx context.Context, c ec2API, group string, ours []string) error {
	g, err := findGroupByID(ctx, c, group)
	if err != nil || g == nil {
		return err
	}
	var refs []types.IpPermission
	for _, p := range g.IpPermissions {
		var pairs []types.UserIdGroupPair
		for _, pair := range p.UserIdGroupPairs {
			if other := aws.ToString(pair.GroupId); other != group && slices.Contains(ours, other) {
				pairs = append(pairs, types.UserIdGroupPair{GroupId: pair.GroupId})
			}
		}
		if len(pairs) > 0 {
			refs = append(refs, types.IpPermission{IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort, UserIdGroupPairs: pairs})
		}
	}
	if len(refs) == 0 {
		return nil
	}
	_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: refs})
	// InvalidPermission.NotFound (a retried revoke) and a vanished group
	// both mean the reference is gone.
	if err != nil && !awsapi.IsNotFound(err) {
		return fmt.Errorf("revoke references to our groups from %s: %w", group, err)
	}
	return nil
}
