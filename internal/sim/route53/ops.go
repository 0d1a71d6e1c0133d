package route53

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// zoneByID accepts "Z…" or "/hostedzone/Z…".
func (m *Model) zoneByID(id string) (*zone, error) {
	bare := strings.TrimPrefix(id, "/hostedzone/")
	if z, ok := m.zones[bare]; ok {
		return z, nil
	}
	return nil, errNoSuchHostedZone(bare)
}

func (m *Model) getHostedZone(_ context.Context, in *sdk.GetHostedZoneInput) (*sdk.GetHostedZoneOutput, error) {
	z, err := m.zoneByID(aws.ToString(in.Id))
	if err != nil {
		return nil, err
	}
	out := &sdk.GetHostedZoneOutput{HostedZone: &types.HostedZone{
		Id: aws.String("/hostedzone/" + z.id), Name: aws.String(z.name), CallerReference: aws.String(z.id),
		Config: &types.HostedZoneConfig{PrivateZone: z.private}, ResourceRecordSetCount: aws.Int64(int64(len(z.current))),
	}}
	if !z.private {
		out.DelegationSet = &types.DelegationSet{NameServers: slices.Clone(z.current[key(z.name, "NS")].values)}
	}
	return out, nil
}

func (m *Model) changeResourceRecordSets(_ context.Context, in *sdk.ChangeResourceRecordSetsInput) (*sdk.ChangeResourceRecordSetsOutput, error) {
	z, err := m.zoneByID(aws.ToString(in.HostedZoneId))
	if err != nil {
		return nil, err
	}
	if in.ChangeBatch == nil || len(in.ChangeBatch.Changes) == 0 {
		return nil, errInvalidInput("Invalid request: Expected exactly one of [Changes], but got none.")
	}
	next := maps(z.current)
	seen := map[string]bool{}
	for _, c := range in.ChangeBatch.Changes {
		if c.ResourceRecordSet == nil {
			return nil, errInvalidInput("Invalid request: ResourceRecordSet is required.")
		}
		r, err := m.record(z, c.ResourceRecordSet, c.Action)
		if err != nil {
			return nil, err
		}
		k := key(r.name, r.typ)
		if seen[k] {
			return nil, errInvalidChangeBatch("The request contains an invalid set of changes for a resource record set '%s %s'", r.typ, r.name)
		}
		seen[k] = true
		switch c.Action {
		case types.ChangeActionCreate:
			if _, ok := next[k]; ok {
				return nil, errInvalidChangeBatch("Tried to create resource record set [name='%s', type='%s'] but it already exists", r.name, r.typ)
			}
			fallthrough
		case types.ChangeActionUpsert:
			if err := cnameConflict(next, r); err != nil {
				return nil, err
			}
			next[k] = r
		case types.ChangeActionDelete:
			cur, ok := next[k]
			if !ok {
				return nil, errInvalidChangeBatch("Tried to delete resource record set [name='%s', type='%s'] but it was not found", r.name, r.typ)
			}
			if !same(cur, r) {
				return nil, errInvalidChangeBatch("Tried to delete resource record set [name='%s', type='%s'] but the values provided do not match the current values", r.name, r.typ)
			}
			if z.planted[k] {
				return nil, errInvalidChangeBatch("A HostedZone must contain at least one NS record for the zone itself and exactly one SOA record.")
			}
			delete(next, k)
		default:
			return nil, errInvalidInput("Invalid request: unknown action %q", c.Action)
		}
	}
	now := m.w.Now()
	at := now.Add(m.w.Window(LatencyPropagation, propagationMin, propagationMax))
	if at.Before(m.last) {
		at = m.last // propagation completes in order
	}
	m.last = at
	z.current = next
	z.versions = append(z.versions, version{at: at, records: maps(next)})
	ch := &change{id: m.w.NewID("C", 20), submitted: now, insync: at, comment: aws.ToString(in.ChangeBatch.Comment)}
	m.changes[ch.id] = ch
	return &sdk.ChangeResourceRecordSetsOutput{ChangeInfo: m.info(ch)}, nil
}

// record validates one change's record set and returns it normalized.
func (m *Model) record(z *zone, in *types.ResourceRecordSet, action types.ChangeAction) (*rrset, error) {
	name, typ := normalize(aws.ToString(in.Name)), string(in.Type)
	if i := strings.LastIndex(name, "*"); i > 0 || (i == 0 && !strings.HasPrefix(name, "*.")) {
		return nil, errInvalidChangeBatch("RRSet with DNS name %s is not permitted: '*' may only be the leftmost label", name)
	}
	if !inZone(name, z.name) {
		return nil, errInvalidChangeBatch("RRSet with DNS name %s is not permitted in zone %s", name, z.name)
	}
	if typ == "" {
		return nil, errInvalidInput("Invalid request: Type is required.")
	}
	if typ == "CNAME" && name == z.name {
		return nil, errInvalidChangeBatch("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", name, z.name)
	}
	r := &rrset{name: name, typ: typ, ttl: aws.ToInt64(in.TTL)}
	for _, v := range in.ResourceRecords {
		r.values = append(r.values, aws.ToString(v.Value))
	}
	if in.AliasTarget != nil {
		if in.TTL != nil || len(in.ResourceRecords) > 0 {
			return nil, errInvalidChangeBatch("Invalid Resource Record Set: an alias resource record set must not specify TTL or ResourceRecords [name='%s', type='%s']", name, typ)
		}
		a := *in.AliasTarget
		a.DNSName = aws.String(normalize(aws.ToString(a.DNSName)))
		r.alias = &a
		if action != types.ChangeActionDelete && (m.AliasTarget == nil || !m.AliasTarget(aws.ToString(a.HostedZoneId), *a.DNSName)) {
			return nil, errInvalidChangeBatch("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", *a.DNSName, typ, aws.ToString(a.HostedZoneId))
		}
		return r, nil
	}
	if in.TTL == nil {
		return nil, errInvalidChangeBatch("Invalid Resource Record Set: TTL is required for a non-alias resource record set [name='%s', type='%s']", name, typ)
	}
	if len(r.values) == 0 {
		return nil, errInvalidChangeBatch("Invalid Resource Record Set: at least one ResourceRecord is required [name='%s', type='%s']", name, typ)
	}
	if typ == "CNAME" && len(r.values) > 1 {
		return nil, errInvalidChangeBatch("Invalid Resource Record Set: a CNAME resource record set can hold only one value [name='%s']", name)
	}
	return r, nil
}

// cnameConflict refuses a CNAME beside another type at its name ("RRSet of
// type CNAME with DNS name x. is not permitted as it conflicts with other
// records with the same DNS name in zone y.").
func cnameConflict(recs map[string]*rrset, r *rrset) error {
	for _, o := range recs {
		if o.name != r.name || o.typ == r.typ {
			continue
		}
		if r.typ == "CNAME" || o.typ == "CNAME" {
			return errInvalidChangeBatch("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name", r.name)
		}
	}
	return nil
}

// same reports whether a DELETE's record set matches the current one
// exactly.
func same(a, b *rrset) bool {
	if (a.alias == nil) != (b.alias == nil) {
		return false
	}
	if a.alias != nil {
		return aws.ToString(a.alias.HostedZoneId) == aws.ToString(b.alias.HostedZoneId) &&
			aws.ToString(a.alias.DNSName) == aws.ToString(b.alias.DNSName) &&
			a.alias.EvaluateTargetHealth == b.alias.EvaluateTargetHealth
	}
	return a.ttl == b.ttl && slices.Equal(sorted(a.values), sorted(b.values))
}

func sorted(v []string) []string {
	out := slices.Clone(v)
	slices.Sort(out)
	return out
}

func (m *Model) info(ch *change) *types.ChangeInfo {
	status := types.ChangeStatusPending
	if !m.w.Now().Before(ch.insync) {
		status = types.ChangeStatusInsync
	}
	out := &types.ChangeInfo{Id: aws.String("/change/" + ch.id), Status: status, SubmittedAt: aws.Time(ch.submitted)}
	if ch.comment != "" {
		out.Comment = aws.String(ch.comment)
	}
	return out
}

func (m *Model) getChange(_ context.Context, in *sdk.GetChangeInput) (*sdk.GetChangeOutput, error) {
	id := strings.TrimPrefix(aws.ToString(in.Id), "/change/")
	ch, ok := m.changes[id]
	if !ok {
		return nil, errNoSuchChange(id)
	}
	return &sdk.GetChangeOutput{ChangeInfo: m.info(ch)}, nil
}

func (m *Model) listResourceRecordSets(_ context.Context, in *sdk.ListResourceRecordSetsInput) (*sdk.ListResourceRecordSetsOutput, error) {
	z, err := m.zoneByID(aws.ToString(in.HostedZoneId))
	if err != nil {
		return nil, err
	}
	if in.StartRecordType != "" && in.StartRecordName == nil {
		return nil, errInvalidInput("The input is not valid: StartRecordType requires StartRecordName.")
	}
	max := int(aws.ToInt32(in.MaxItems))
	if max <= 0 || max > defaultMaxItems {
		max = defaultMaxItems
	}
	all := make([]*rrset, 0, len(z.current))
	for _, r := range z.current {
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b *rrset) int {
		switch {
		case less(a.name, a.typ, b.name, b.typ):
			return -1
		case less(b.name, b.typ, a.name, a.typ):
			return 1
		}
		return 0
	})
	start := 0
	if in.StartRecordName != nil {
		sn, st := normalize(*in.StartRecordName), string(in.StartRecordType)
		start = len(all)
		for i, r := range all {
			if c := compareNames(r.name, sn); c > 0 || (c == 0 && r.typ >= st) {
				start = i
				break
			}
		}
	}
	out := &sdk.ListResourceRecordSetsOutput{MaxItems: aws.Int32(int32(max))}
	end := min(start+max, len(all))
	for _, r := range all[start:end] {
		out.ResourceRecordSets = append(out.ResourceRecordSets, r.sdk())
	}
	if end < len(all) {
		out.IsTruncated = true
		out.NextRecordName = aws.String(all[end].name)
		out.NextRecordType = types.RRType(all[end].typ)
	}
	return out, nil
}

func (r *rrset) sdk() types.ResourceRecordSet {
	out := types.ResourceRecordSet{Name: aws.String(r.name), Type: types.RRType(r.typ)}
	if r.alias != nil {
		a := *r.alias
		out.AliasTarget = &a
		return out
	}
	out.TTL = aws.Int64(r.ttl)
	for _, v := range r.values {
		out.ResourceRecords = append(out.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
	}
	return out
}
