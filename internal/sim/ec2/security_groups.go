package ec2

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/sim/account"
)

const (
	// defaultGroupName is the name of each VPC's default security group.
	defaultGroupName = "default"
	// MaxRulesPerGroup is AWS's default quota of inbound (and, separately,
	// outbound) rules per security group. A rule whose source is a managed
	// prefix list counts as the list's MaxEntries.
	MaxRulesPerGroup = 60
	// allProtocols is IpProtocol "-1": every protocol, every port.
	allProtocols = "-1"
)

type sgRule struct {
	id          string
	egress      bool
	protocol    string
	from, to    int32
	cidr        string
	groupID     string
	prefixList  string
	description string
}

// key identifies a rule for duplicate detection: direction, protocol,
// ports and peer, not the description.
func (r sgRule) key() string {
	return fmt.Sprintf("%t/%s/%d/%d/%s/%s/%s", r.egress, r.protocol, r.from, r.to, r.cidr, r.groupID, r.prefixList)
}

// String renders the rule as AWS names it in InvalidPermission.Duplicate.
func (r sgRule) String() string {
	peer := r.cidr + r.groupID + r.prefixList
	proto := strings.ToUpper(r.protocol)
	if r.protocol == allProtocols {
		proto = "ALL"
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", peer, proto, r.from, r.to)
}

type securityGroup struct {
	id          string
	name        string
	description string
	vpcID       string
	isDefault   bool
	rules       []sgRule
	tags        map[string]string
	// visibleAt is when the calls naming the group start to find it.
	visibleAt time.Time
}

func (g *securityGroup) visible(now time.Time) bool { return !now.Before(g.visibleAt) }

// visibleGroups are the groups the API finds now.
func (r *region) visibleGroups() map[string]*securityGroup {
	now := r.now()
	out := map[string]*securityGroup{}
	for id, g := range r.groups {
		if g.visible(now) {
			out[id] = g
		}
	}
	return out
}

// addSecurityGroup creates a group with AWS's default egress rule (all
// traffic to 0.0.0.0/0); a VPC's default group also admits itself.
func (r *region) addSecurityGroup(vpcID, name, description string, isDefault bool, tags map[string]string) *securityGroup {
	g := &securityGroup{id: r.newID("sg-"), name: name, description: description, vpcID: vpcID, isDefault: isDefault, tags: tags}
	g.rules = append(g.rules, sgRule{id: r.newID("sgr-"), egress: true, protocol: allProtocols, from: -1, to: -1, cidr: anywhere})
	if isDefault {
		g.rules = append(g.rules, sgRule{id: r.newID("sgr-"), protocol: allProtocols, from: -1, to: -1, groupID: g.id})
	}
	r.groups[g.id] = g
	return g
}

// CreateServiceGroup returns the group a service keeps in the VPC under
// name, creating it (no ingress, AWS's default egress) when absent.
func (m *Model) CreateServiceGroup(vpcID, name string, tags map[string]string) (string, error) {
	for _, r := range m.regions {
		if _, err := r.vpc(vpcID); err != nil {
			continue
		}
		for _, g := range r.groups {
			if g.vpcID == vpcID && g.name == name {
				return g.id, nil
			}
		}
		return r.addSecurityGroup(vpcID, name, "Managed by an AWS service", false, maps.Clone(tags)).id, nil
	}
	return "", fmt.Errorf("VPC %s does not exist", vpcID)
}

// DeleteServiceGroup removes a service's group; an unknown id is ignored.
func (m *Model) DeleteServiceGroup(id string) {
	for _, r := range m.regions {
		delete(r.groups, id)
	}
}

// SecurityGroupVPC returns the VPC of a security group.
func (m *Model) SecurityGroupVPC(id string) (string, bool) {
	for _, r := range m.regions {
		if g, ok := r.groups[id]; ok {
			return g.vpcID, true
		}
	}
	return "", false
}

func (r *region) defaultVPC() (*vpc, error) {
	for _, v := range sorted(r.vpcs) {
		if v.isDefault {
			return v, nil
		}
	}
	return nil, apiError(CodeVPCIDNotSpecified, "No default VPC for this user")
}

// group resolves a security group by id, or by name in the default VPC
// (the only place EC2 accepts a bare group name).
func (r *region) group(id, name string) (*securityGroup, error) {
	if id != "" {
		g, ok := r.visibleGroups()[id]
		if !ok {
			return nil, errGroupNotFound(id)
		}
		return g, nil
	}
	if name == "" {
		return nil, errMissing("groupId")
	}
	v, err := r.defaultVPC()
	if err != nil {
		return nil, err
	}
	for _, g := range r.groups {
		if g.vpcID == v.id && g.name == name {
			return g, nil
		}
	}
	return nil, apiError(CodeInvalidGroupNotFound, "The security group '%s' does not exist in default VPC '%s'", name, v.id)
}

func (r *region) createSecurityGroup(in *awsec2.CreateSecurityGroupInput) (*awsec2.CreateSecurityGroupOutput, error) {
	name := aws.ToString(in.GroupName)
	switch {
	case name == "":
		return nil, errMissing("groupName")
	case aws.ToString(in.Description) == "":
		return nil, errMissing("groupDescription")
	case name == defaultGroupName:
		return nil, apiError(CodeInvalidGroupReserved, "The security group '%s' is reserved", name)
	case strings.HasPrefix(name, "sg-"):
		return nil, errInvalidParameter("Group names may not be in the format sg-*")
	}
	var v *vpc
	var err error
	if id := aws.ToString(in.VpcId); id != "" {
		v, err = r.vpc(id)
	} else {
		v, err = r.defaultVPC()
	}
	if err != nil {
		return nil, err
	}
	for _, g := range r.groups {
		if g.vpcID == v.id && g.name == name {
			return nil, apiError(CodeInvalidGroupDuplicate, "The security group '%s' already exists for VPC '%s'", name, v.id)
		}
	}
	tags, err := tagsFor(in.TagSpecifications, types.ResourceTypeSecurityGroup)
	if err != nil {
		return nil, err
	}
	if float64(len(r.groups)) >= r.quota(quotaSecurityGroups, defaultSecurityGroups) {
		return nil, apiError(CodeSecurityGroupLimitExceeded, "The maximum number of security groups for VPC '%s' has been reached.", v.id)
	}
	g := r.addSecurityGroup(v.id, name, aws.ToString(in.Description), false, tags)
	g.visibleAt = r.now().Add(r.m.w.Window(WindowGroupVisible, windowVisibleMin, windowVisibleMax))
	return &awsec2.CreateSecurityGroupOutput{GroupId: aws.String(g.id), SecurityGroupArn: aws.String(r.groupARN(g.id)), Tags: sdkTags(tags)}, nil
}

func (r *region) groupARN(id string) string {
	return fmt.Sprintf("arn:%s:ec2:%s:%s:security-group/%s", account.PartitionOf(r.name), r.name, account.AccountID, id)
}

// permissions gathers the rules a call names, from IpPermissions or from
// the flat CidrIp/IpProtocol/FromPort/ToPort form.
type permissions struct {
	perms                           []types.IpPermission
	cidr, protocol, sourceGroupName string
	from, to                        *int32
}

func (r *region) expand(g *securityGroup, p permissions, egress bool) ([]sgRule, error) {
	perms := p.perms
	if len(perms) == 0 && (p.protocol != "" || p.cidr != "" || p.sourceGroupName != "") {
		perm := types.IpPermission{IpProtocol: aws.String(p.protocol), FromPort: p.from, ToPort: p.to}
		if p.cidr != "" {
			perm.IpRanges = []types.IpRange{{CidrIp: aws.String(p.cidr)}}
		}
		if p.sourceGroupName != "" {
			perm.UserIdGroupPairs = []types.UserIdGroupPair{{GroupName: aws.String(p.sourceGroupName)}}
		}
		perms = []types.IpPermission{perm}
	}
	var out []sgRule
	for _, perm := range perms {
		base, err := portRange(perm)
		if err != nil {
			return nil, err
		}
		base.egress = egress
		for _, ip := range perm.IpRanges {
			rule := base
			rule.cidr, rule.description = aws.ToString(ip.CidrIp), aws.ToString(ip.Description)
			out = append(out, rule)
		}
		for _, pair := range perm.UserIdGroupPairs {
			rule := base
			src, err := r.sourceGroup(g, pair)
			if err != nil {
				return nil, err
			}
			rule.groupID, rule.description = src.id, aws.ToString(pair.Description)
			out = append(out, rule)
		}
		for _, pl := range perm.PrefixListIds {
			rule := base
			id := aws.ToString(pl.PrefixListId)
			if _, ok := r.prefixLists[id]; !ok {
				return nil, apiError(CodeInvalidPrefixListIDNotFound, "The prefix list ID '%s' does not exist", id)
			}
			rule.prefixList, rule.description = id, aws.ToString(pl.Description)
			out = append(out, rule)
		}
	}
	if len(out) == 0 {
		return nil, errMissing("ipPermissions")
	}
	return out, nil
}

// sourceGroup resolves a rule's source group: by id, or by name within the
// target group's VPC.
func (r *region) sourceGroup(g *securityGroup, pair types.UserIdGroupPair) (*securityGroup, error) {
	if id := aws.ToString(pair.GroupId); id != "" {
		src, ok := r.visibleGroups()[id]
		if !ok {
			return nil, errGroupNotFound(id)
		}
		if src.vpcID != g.vpcID {
			return nil, errInvalidParameter("You have specified two resources that belong to different networks.")
		}
		return src, nil
	}
	name := aws.ToString(pair.GroupName)
	for _, src := range r.groups {
		if src.vpcID == g.vpcID && src.name == name {
			return src, nil
		}
	}
	return nil, errGroupNotFound(name)
}

// portRange reads protocol and ports; TCP and UDP need both ports.
func portRange(p types.IpPermission) (sgRule, error) {
	proto := strings.ToLower(aws.ToString(p.IpProtocol))
	switch proto {
	case "-1", "all":
		return sgRule{protocol: allProtocols, from: -1, to: -1}, nil
	case "6":
		proto = "tcp"
	case "17":
		proto = "udp"
	case "1":
		proto = "icmp"
	case "tcp", "udp", "icmp":
	default:
		return sgRule{}, errInvalidParameter("Invalid value '%s' for IP protocol. Unknown protocol.", aws.ToString(p.IpProtocol))
	}
	if p.FromPort == nil || p.ToPort == nil {
		return sgRule{}, errInvalidParameter("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange")
	}
	from, to := aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort)
	if proto != "icmp" && (from < 0 || to > 65535 || from > to) {
		return sgRule{}, errInvalidParameter("Invalid value '%d-%d' for portRange", from, to)
	}
	return sgRule{protocol: proto, from: from, to: to}, nil
}

// weight is how many entries a rule takes of the group's quota: a managed
// prefix list counts as its MaxEntries.
func (r *region) weight(rule sgRule) int {
	if pl, ok := r.prefixLists[rule.prefixList]; ok {
		return int(pl.maxEntries)
	}
	return 1
}

// authorize adds rules atomically: a duplicate of an existing rule (or of
// another in the same call) fails the whole call, as does exceeding the
// quota.
func (r *region) authorize(g *securityGroup, p permissions, egress bool) ([]types.SecurityGroupRule, error) {
	rules, err := r.expand(g, p, egress)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	used := 0
	for _, have := range g.rules {
		if have.egress == egress {
			seen[have.key()] = true
			used += r.weight(have)
		}
	}
	for _, rule := range rules {
		if seen[rule.key()] {
			return nil, apiError(CodeInvalidPermissionDuplicate, "the specified rule %q already exists", rule.String())
		}
		seen[rule.key()] = true
		used += r.weight(rule)
	}
	if float64(used) > r.quota(quotaRulesPerGroup, MaxRulesPerGroup) {
		return nil, apiError(CodeRulesPerSecurityGroupLimitExceeded, "The maximum number of rules per security group has been reached.")
	}
	var out []types.SecurityGroupRule
	for _, rule := range rules {
		rule.id = r.newID("sgr-")
		g.rules = append(g.rules, rule)
		out = append(out, r.ruleSDK(g, rule))
	}
	return out, nil
}

func (r *region) ruleSDK(g *securityGroup, rule sgRule) types.SecurityGroupRule {
	out := types.SecurityGroupRule{
		SecurityGroupRuleId: aws.String(rule.id),
		GroupId:             aws.String(g.id),
		GroupOwnerId:        aws.String(account.AccountID),
		IsEgress:            aws.Bool(rule.egress),
		IpProtocol:          aws.String(rule.protocol),
		FromPort:            aws.Int32(rule.from),
		ToPort:              aws.Int32(rule.to),
		CidrIpv4:            nonEmpty(rule.cidr),
		PrefixListId:        nonEmpty(rule.prefixList),
		Description:         nonEmpty(rule.description),
	}
	if rule.groupID != "" {
		out.ReferencedGroupInfo = &types.ReferencedSecurityGroup{GroupId: aws.String(rule.groupID), UserId: aws.String(account.AccountID)}
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func (r *region) authorizeSecurityGroupIngress(in *awsec2.AuthorizeSecurityGroupIngressInput) (*awsec2.AuthorizeSecurityGroupIngressOutput, error) {
	g, err := r.group(aws.ToString(in.GroupId), aws.ToString(in.GroupName))
	if err != nil {
		return nil, err
	}
	rules, err := r.authorize(g, permissions{perms: in.IpPermissions, cidr: aws.ToString(in.CidrIp), protocol: aws.ToString(in.IpProtocol),
		sourceGroupName: aws.ToString(in.SourceSecurityGroupName), from: in.FromPort, to: in.ToPort}, false)
	if err != nil {
		return nil, err
	}
	return &awsec2.AuthorizeSecurityGroupIngressOutput{Return: aws.Bool(true), SecurityGroupRules: rules}, nil
}

func (r *region) authorizeSecurityGroupEgress(in *awsec2.AuthorizeSecurityGroupEgressInput) (*awsec2.AuthorizeSecurityGroupEgressOutput, error) {
	g, err := r.group(aws.ToString(in.GroupId), "")
	if err != nil {
		return nil, err
	}
	rules, err := r.authorize(g, permissions{perms: in.IpPermissions, cidr: aws.ToString(in.CidrIp), protocol: aws.ToString(in.IpProtocol),
		sourceGroupName: aws.ToString(in.SourceSecurityGroupName), from: in.FromPort, to: in.ToPort}, true)
	if err != nil {
		return nil, err
	}
	return &awsec2.AuthorizeSecurityGroupEgressOutput{Return: aws.Bool(true), SecurityGroupRules: rules}, nil
}

// revokeSecurityGroupIngress removes the named rules, by permission or by
// rule id. A rule that does not exist fails the call with
// InvalidPermission.NotFound (EC2's long-standing answer for VPC groups;
// callers treat it as already revoked).
func (r *region) revokeSecurityGroupIngress(in *awsec2.RevokeSecurityGroupIngressInput) (*awsec2.RevokeSecurityGroupIngressOutput, error) {
	g, err := r.group(aws.ToString(in.GroupId), aws.ToString(in.GroupName))
	if err != nil {
		return nil, err
	}
	var keys []string
	if len(in.SecurityGroupRuleIds) > 0 {
		for _, id := range in.SecurityGroupRuleIds {
			i := slices.IndexFunc(g.rules, func(rule sgRule) bool { return rule.id == id && !rule.egress })
			if i < 0 {
				return nil, apiError(CodeInvalidSecurityGroupRuleIDNotFound, "The security group rule ID '%s' does not exist", id)
			}
			keys = append(keys, g.rules[i].key())
		}
	} else {
		rules, err := r.expand(g, permissions{perms: in.IpPermissions, cidr: aws.ToString(in.CidrIp), protocol: aws.ToString(in.IpProtocol),
			sourceGroupName: aws.ToString(in.SourceSecurityGroupName), from: in.FromPort, to: in.ToPort}, false)
		if err != nil {
			return nil, err
		}
		for _, rule := range rules {
			if !slices.ContainsFunc(g.rules, func(have sgRule) bool { return have.key() == rule.key() }) {
				return nil, apiError(CodeInvalidPermissionNotFound, "The specified rule does not exist in this security group.")
			}
			keys = append(keys, rule.key())
		}
	}
	out := &awsec2.RevokeSecurityGroupIngressOutput{Return: aws.Bool(true)}
	g.rules = slices.DeleteFunc(g.rules, func(have sgRule) bool {
		if !slices.Contains(keys, have.key()) {
			return false
		}
		out.RevokedSecurityGroupRules = append(out.RevokedSecurityGroupRules, types.RevokedSecurityGroupRule{
			SecurityGroupRuleId: aws.String(have.id), GroupId: aws.String(g.id), IsEgress: aws.Bool(false),
			IpProtocol: aws.String(have.protocol), FromPort: aws.Int32(have.from), ToPort: aws.Int32(have.to),
			CidrIpv4: nonEmpty(have.cidr), PrefixListId: nonEmpty(have.prefixList), ReferencedGroupId: nonEmpty(have.groupID),
		})
		return true
	})
	return out, nil
}

// deleteSecurityGroup refuses the default group, and a group still used by
// a network interface or referenced by another group's rule
// (DependencyViolation until the ENIs drain and the references go).
func (r *region) deleteSecurityGroup(in *awsec2.DeleteSecurityGroupInput) (*awsec2.DeleteSecurityGroupOutput, error) {
	g, err := r.group(aws.ToString(in.GroupId), aws.ToString(in.GroupName))
	if err != nil {
		return nil, err
	}
	if g.isDefault {
		return nil, apiError(CodeCannotDelete, "the specified group: %q name: %q cannot be deleted by a user", g.id, g.name)
	}
	for _, e := range r.enis {
		if slices.Contains(e.groups, g.id) {
			return nil, errDependentObject(g.id)
		}
	}
	for _, other := range r.groups {
		if other == g {
			continue
		}
		if slices.ContainsFunc(other.rules, func(rule sgRule) bool { return rule.groupID == g.id }) {
			return nil, errDependentObject(g.id)
		}
	}
	delete(r.groups, g.id)
	return &awsec2.DeleteSecurityGroupOutput{GroupId: aws.String(g.id), Return: aws.Bool(true)}, nil
}

// permissionsSDK groups a direction's rules as DescribeSecurityGroups does:
// one IpPermission per protocol and port range, listing its peers.
func permissionsSDK(g *securityGroup, egress bool) []types.IpPermission {
	out := []types.IpPermission{}
	index := map[string]int{}
	for _, rule := range g.rules {
		if rule.egress != egress {
			continue
		}
		k := rule.protocol + "/" + strconv.Itoa(int(rule.from)) + "/" + strconv.Itoa(int(rule.to))
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			perm := types.IpPermission{IpProtocol: aws.String(rule.protocol)}
			if rule.protocol != allProtocols {
				perm.FromPort, perm.ToPort = aws.Int32(rule.from), aws.Int32(rule.to)
			}
			out = append(out, perm)
		}
		p := &out[i]
		switch {
		case rule.cidr != "":
			p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(rule.cidr), Description: nonEmpty(rule.description)})
		case rule.groupID != "":
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, types.UserIdGroupPair{GroupId: aws.String(rule.groupID), UserId: aws.String(account.AccountID), Description: nonEmpty(rule.description)})
		default:
			p.PrefixListIds = append(p.PrefixListIds, types.PrefixListId{PrefixListId: aws.String(rule.prefixList), Description: nonEmpty(rule.description)})
		}
	}
	return out
}

var groupFields = fields[*securityGroup]{
	"group-id":    func(g *securityGroup) []string { return []string{g.id} },
	"group-name":  func(g *securityGroup) []string { return []string{g.name} },
	"vpc-id":      func(g *securityGroup) []string { return []string{g.vpcID} },
	"description": func(g *securityGroup) []string { return []string{g.description} },
	"ip-permission.group-id": func(g *securityGroup) []string {
		var out []string
		for _, rule := range g.rules {
			if !rule.egress && rule.groupID != "" {
				out = append(out, rule.groupID)
			}
		}
		return out
	},
}

func (r *region) describeSecurityGroups(in *awsec2.DescribeSecurityGroupsInput) (*awsec2.DescribeSecurityGroupsOutput, error) {
	items, missing := only(r.visibleGroups(), in.GroupIds)
	if len(missing) > 0 {
		return nil, errGroupNotFound(missing[0])
	}
	if len(in.GroupNames) > 0 && len(in.GroupIds) == 0 {
		items = nil
	}
	for _, name := range in.GroupNames {
		g, err := r.group("", name)
		if err != nil {
			return nil, err
		}
		items = append(items, g)
	}
	items, err := filter(items, in.Filters, groupFields, func(g *securityGroup) map[string]string { return g.tags })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingSecurityGroups, pageIn{in.MaxResults, in.NextToken, len(in.GroupIds) + len(in.GroupNames)}, items, func(g *securityGroup) string { return g.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeSecurityGroupsOutput{SecurityGroups: []types.SecurityGroup{}, NextToken: next}
	for _, g := range items {
		out.SecurityGroups = append(out.SecurityGroups, types.SecurityGroup{
			GroupId:             aws.String(g.id),
			GroupName:           aws.String(g.name),
			Description:         aws.String(g.description),
			VpcId:               aws.String(g.vpcID),
			OwnerId:             aws.String(account.AccountID),
			SecurityGroupArn:    aws.String(r.groupARN(g.id)),
			IpPermissions:       permissionsSDK(g, false),
			IpPermissionsEgress: permissionsSDK(g, true),
			Tags:                sdkTags(g.tags),
		})
	}
	return out, nil
}

// The VPC quotas the create operations enforce (Service Quotas codes),
// with AWS's defaults for an account without Service Quotas.
const (
	quotaSecurityGroups   = "L-E79EC296" // VPC security groups per Region
	defaultSecurityGroups = 2500
	quotaRulesPerGroup    = "L-0EA8095F" // Inbound or outbound rules per security group
)

// quota is the account's value of a VPC quota in the region.
func (r *region) quota(code string, def float64) float64 {
	if r.m.w.Quota == nil {
		return def
	}
	return r.m.w.Quota(r.name, "vpc", code)
}
