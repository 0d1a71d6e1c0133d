package route53_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	simr53 "geusemaker/internal/sim/route53"
)

const propagation = 30 * time.Second

type fixture struct {
	w    *account.Account
	m    *simr53.Model
	clk  *clock.Virtual
	api  *r53.Client
	zone string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	w := account.New(account.WithLatency(simr53.LatencyPropagation, propagation))
	m := simr53.Register(w)
	f := &fixture{w: w, m: m, clk: w.Clock().(*clock.Virtual), api: r53.NewFromConfig(w.Config("us-east-1"))}
	w.Do(func() { f.zone = m.AddZone("Example.COM", false) })
	return f
}

func rr(name, typ string, ttl int64, values ...string) *types.ResourceRecordSet {
	s := &types.ResourceRecordSet{Name: aws.String(name), Type: types.RRType(typ), TTL: aws.Int64(ttl)}
	for _, v := range values {
		s.ResourceRecords = append(s.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
	}
	return s
}

func (f *fixture) change(changes ...types.Change) (*r53.ChangeResourceRecordSetsOutput, error) {
	return f.api.ChangeResourceRecordSets(context.Background(), &r53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(f.zone), ChangeBatch: &types.ChangeBatch{Changes: changes},
	})
}

func ch(action types.ChangeAction, s *types.ResourceRecordSet) types.Change {
	return types.Change{Action: action, ResourceRecordSet: s}
}

func (f *fixture) lookup(name string) (string, bool) {
	var v string
	var ok bool
	f.w.Do(func() { v, ok = f.m.Lookup(name) })
	return v, ok
}

func TestCreateUpsertDeleteChangeTheZoneAndTheInventory(t *testing.T) {
	f := newFixture(t)
	_, err := f.change(ch(types.ChangeActionCreate, rr("App.Example.com", "CNAME", 60, "lb-1.elb.amazonaws.com")))
	require.NoError(t, err)
	assert.Equal(t, []account.Resource{{Service: "Route 53", Type: "record", ID: f.zone + "/app.example.com./CNAME"}}, f.w.Inventory())

	_, err = f.change(ch(types.ChangeActionUpsert, rr("app.example.com.", "CNAME", 60, "lb-2.elb.amazonaws.com")))
	require.NoError(t, err)
	list, err := f.api.ListResourceRecordSets(context.Background(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String("/hostedzone/" + f.zone)})
	require.NoError(t, err)
	require.Len(t, list.ResourceRecordSets, 3)
	assert.Equal(t, "lb-2.elb.amazonaws.com", *list.ResourceRecordSets[2].ResourceRecords[0].Value)

	_, err = f.change(ch(types.ChangeActionDelete, rr("app.example.com", "CNAME", 60, "lb-2.elb.amazonaws.com")))
	require.NoError(t, err)
	assert.Empty(t, f.w.Inventory(), "the planted zone and its apex SOA/NS are never leftovers")
}

func TestRefusesInvalidChangeBatchesAsRoute53Does(t *testing.T) {
	f := newFixture(t)
	_, err := f.change(ch(types.ChangeActionCreate, rr("x.example.com", "A", 60, "192.0.2.1")))
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		changes []types.Change
		want    string
	}{
		{"create existing", []types.Change{ch(types.ChangeActionCreate, rr("X.example.com", "A", 60, "192.0.2.2"))},
			"Tried to create resource record set [name='x.example.com.', type='A'] but it already exists"},
		{"delete missing", []types.Change{ch(types.ChangeActionDelete, rr("y.example.com", "A", 60, "192.0.2.1"))},
			"Tried to delete resource record set [name='y.example.com.', type='A'] but it was not found"},
		{"delete other ttl", []types.Change{ch(types.ChangeActionDelete, rr("x.example.com", "A", 300, "192.0.2.1"))},
			"but the values provided do not match the current values"},
		{"delete other value", []types.Change{ch(types.ChangeActionDelete, rr("x.example.com", "A", 60, "192.0.2.9"))},
			"but the values provided do not match the current values"},
		{"cname beside A", []types.Change{ch(types.ChangeActionCreate, rr("x.example.com", "CNAME", 60, "a.example.org"))},
			"conflicts with other records"},
		{"A beside cname", []types.Change{
			ch(types.ChangeActionCreate, rr("c.example.com", "CNAME", 60, "a.example.org")),
			ch(types.ChangeActionCreate, rr("c.example.com", "A", 60, "192.0.2.1"))},
			"conflicts with other records"},
		{"cname at apex", []types.Change{ch(types.ChangeActionCreate, rr("example.com", "CNAME", 60, "a.example.org"))},
			"not permitted at apex"},
		{"outside zone", []types.Change{ch(types.ChangeActionCreate, rr("x.example.org", "A", 60, "192.0.2.1"))},
			"RRSet with DNS name x.example.org. is not permitted in zone example.com."},
		{"no ttl", []types.Change{ch(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("n.example.com"), Type: types.RRTypeA,
			ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}})}, "TTL is required"},
		{"no values", []types.Change{ch(types.ChangeActionCreate, rr("n.example.com", "A", 60))}, "at least one ResourceRecord"},
		{"alias with ttl", []types.Change{ch(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("n.example.com"), Type: types.RRTypeA, TTL: aws.Int64(60),
			AliasTarget: &types.AliasTarget{HostedZoneId: aws.String("Z2FDTNDATAQYW2"), DNSName: aws.String("d1.cloudfront.net")}})}, "must not specify TTL"},
		{"twice in a batch", []types.Change{
			ch(types.ChangeActionCreate, rr("t.example.com", "A", 60, "192.0.2.1")),
			ch(types.ChangeActionUpsert, rr("t.example.com", "A", 60, "192.0.2.2"))}, "invalid set of changes"},
		{"wildcard not leftmost", []types.Change{ch(types.ChangeActionCreate, rr("a.*.example.com", "A", 60, "192.0.2.1"))}, "leftmost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.change(tc.changes...)
			var invalid *types.InvalidChangeBatch
			require.ErrorAs(t, err, &invalid)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.Len(t, f.w.Inventory(), 1, "no refused batch changed anything")
}

func TestBatchIsAtomic(t *testing.T) {
	f := newFixture(t)
	_, err := f.change(
		ch(types.ChangeActionCreate, rr("a.example.com", "A", 60, "192.0.2.1")),
		ch(types.ChangeActionDelete, rr("missing.example.com", "A", 60, "192.0.2.1")),
	)
	var invalid *types.InvalidChangeBatch
	require.ErrorAs(t, err, &invalid)
	assert.Empty(t, f.w.Inventory(), "the valid first change was not applied either")
}

func TestChangeIsPendingUntilPropagatedThenInsync(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.change(ch(types.ChangeActionCreate, rr("app.example.com", "CNAME", 60, "lb.example.net")))
	require.NoError(t, err)
	assert.Regexp(t, `^/change/C[0-9A-Z]+$`, *out.ChangeInfo.Id)
	assert.Equal(t, types.ChangeStatusPending, out.ChangeInfo.Status)
	_, ok := f.lookup("app.example.com")
	assert.False(t, ok, "a PENDING create is not answered")

	f.clk.Advance(propagation - time.Second)
	got, err := f.api.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id})
	require.NoError(t, err)
	assert.Equal(t, types.ChangeStatusPending, got.ChangeInfo.Status)

	f.clk.Advance(time.Second)
	got, err = f.api.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id})
	require.NoError(t, err)
	assert.Equal(t, types.ChangeStatusInsync, got.ChangeInfo.Status)
	v, ok := f.lookup("APP.example.com")
	assert.True(t, ok)
	assert.Equal(t, "lb.example.net", v)

	_, err = f.change(ch(types.ChangeActionDelete, rr("app.example.com", "CNAME", 60, "lb.example.net")))
	require.NoError(t, err)
	v, ok = f.lookup("app.example.com")
	assert.True(t, ok, "a PENDING delete still answers the old value")
	assert.Equal(t, "lb.example.net", v)
	f.clk.Advance(propagation)
	_, ok = f.lookup("app.example.com")
	assert.False(t, ok, "the delete propagated")
}

func TestPropagationDefaultsToAWindowOfAtMostSixtySeconds(t *testing.T) {
	w := account.New()
	m := simr53.Register(w)
	var zone string
	w.Do(func() { zone = m.AddZone("example.com", false) })
	api := r53.NewFromConfig(w.Config("eu-west-1"))
	out, err := api.ChangeResourceRecordSets(context.Background(), &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &types.ChangeBatch{Comment: aws.String("c"), Changes: []types.Change{ch(types.ChangeActionUpsert, rr("a.example.com", "A", 60, "192.0.2.1"))}}})
	require.NoError(t, err)
	assert.Equal(t, types.ChangeStatusPending, out.ChangeInfo.Status)
	assert.Equal(t, 60*time.Second, simr53.Defaults()[simr53.LatencyPropagation])
	w.Clock().(*clock.Virtual).Advance(60 * time.Second)
	got, err := api.GetChange(context.Background(), &r53.GetChangeInput{Id: out.ChangeInfo.Id})
	require.NoError(t, err)
	assert.Equal(t, types.ChangeStatusInsync, got.ChangeInfo.Status)
}

func TestResolveAnswersPublicZonesWithWildcardsAndNeverPrivateOnes(t *testing.T) {
	f := newFixture(t)
	var private string
	f.w.Do(func() { private = f.m.AddZone("corp.internal", true) })
	_, err := f.change(
		ch(types.ChangeActionCreate, rr("*.example.com", "A", 60, "192.0.2.7")),
		ch(types.ChangeActionCreate, rr("v6.example.com", "AAAA", 60, "2001:db8::1")),
	)
	require.NoError(t, err)
	_, err = f.api.ChangeResourceRecordSets(context.Background(), &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(private),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{ch(types.ChangeActionCreate, rr("db.corp.internal", "CNAME", 60, "db.example.net"))}}})
	require.NoError(t, err)
	f.clk.Advance(propagation)

	var a, v6, none, priv simr53.Answer
	var okA, okV6, okNone, okPriv bool
	f.w.Do(func() {
		a, okA = f.m.Resolve("deep.any.example.com")
		v6, okV6 = f.m.Resolve("v6.example.com")
		none, okNone = f.m.Resolve("x.v6.example.com")
		priv, okPriv = f.m.Resolve("db.corp.internal")
	})
	assert.True(t, okA)
	assert.Equal(t, simr53.Answer{Type: "A", Values: []string{"192.0.2.7"}}, a)
	assert.True(t, okV6)
	assert.Equal(t, "AAAA", v6.Type)
	assert.False(t, okNone, "the wildcard does not cover names below an existing name: %v", none)
	assert.False(t, okPriv, "private zones never answer: %v", priv)
	_, ok := f.lookup("db.corp.internal")
	assert.False(t, ok)
	_, ok = f.lookup("v6.example.com")
	assert.False(t, ok, "Lookup answers CNAMEs only")
	hz, err := f.api.GetHostedZone(context.Background(), &r53.GetHostedZoneInput{Id: aws.String(private)})
	require.NoError(t, err)
	assert.True(t, hz.HostedZone.Config.PrivateZone)
	assert.Nil(t, hz.DelegationSet)
}

func TestAliasTargetMustExist(t *testing.T) {
	f := newFixture(t)
	alias := &types.ResourceRecordSet{Name: aws.String("cdn.example.com"), Type: types.RRTypeA,
		AliasTarget: &types.AliasTarget{HostedZoneId: aws.String("Z2FDTNDATAQYW2"), DNSName: aws.String("D111.cloudfront.net")}}
	_, err := f.change(ch(types.ChangeActionCreate, alias))
	var invalid *types.InvalidChangeBatch
	require.ErrorAs(t, err, &invalid, "a nil hook refuses every alias")
	assert.Contains(t, err.Error(), "Tried to create an alias that targets d111.cloudfront.net., type A in zone Z2FDTNDATAQYW2, but the alias target name does not lie within the target zone")

	f.w.Do(func() {
		f.m.AliasTarget = func(zoneID, name string) bool { return zoneID == "Z2FDTNDATAQYW2" && name == "d111.cloudfront.net." }
	})
	_, err = f.change(ch(types.ChangeActionCreate, alias))
	require.NoError(t, err)
	f.clk.Advance(propagation)
	var a simr53.Answer
	f.w.Do(func() { a, _ = f.m.Resolve("cdn.example.com") })
	assert.Equal(t, simr53.Answer{Type: "A", AliasZoneID: "Z2FDTNDATAQYW2", AliasDNSName: "d111.cloudfront.net."}, a)

	wrong := *alias
	wrong.AliasTarget = &types.AliasTarget{HostedZoneId: aws.String("Z2FDTNDATAQYW2"), DNSName: aws.String("other.cloudfront.net"), EvaluateTargetHealth: false}
	_, err = f.change(ch(types.ChangeActionDelete, &wrong))
	require.ErrorAs(t, err, &invalid, "a DELETE must match the alias")
	_, err = f.change(ch(types.ChangeActionDelete, alias))
	require.NoError(t, err)
}

func TestListPagesInRoute53Order(t *testing.T) {
	f := newFixture(t)
	_, err := f.change(
		ch(types.ChangeActionCreate, rr("b.example.com", "A", 60, "192.0.2.1")),
		ch(types.ChangeActionCreate, rr("a.b.example.com", "A", 60, "192.0.2.1")),
		ch(types.ChangeActionCreate, rr("z.example.com", "TXT", 60, `"x"`)),
		ch(types.ChangeActionCreate, rr("b.example.com", "AAAA", 60, "2001:db8::1")),
	)
	require.NoError(t, err)
	ctx := context.Background()
	var got []string
	in := &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(f.zone), MaxItems: aws.Int32(2)}
	pages := 0
	for {
		out, err := f.api.ListResourceRecordSets(ctx, in)
		require.NoError(t, err)
		pages++
		for _, r := range out.ResourceRecordSets {
			got = append(got, *r.Name+" "+string(r.Type))
		}
		if !out.IsTruncated {
			break
		}
		in.StartRecordName, in.StartRecordType = out.NextRecordName, out.NextRecordType
	}
	assert.Equal(t, 3, pages)
	assert.Equal(t, []string{
		"example.com. NS", "example.com. SOA", "b.example.com. A", "b.example.com. AAAA", "a.b.example.com. A", "z.example.com. TXT",
	}, got)
	_, err = f.api.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(f.zone), StartRecordType: types.RRTypeA})
	var invalid *types.InvalidInput
	require.ErrorAs(t, err, &invalid)
}

func TestUnknownZoneAndChangeAreModeledErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.api.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String("/hostedzone/ZNOPE")})
	var noZone *types.NoSuchHostedZone
	require.ErrorAs(t, err, &noZone)
	_, err = f.api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("ZNOPE"),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{ch(types.ChangeActionCreate, rr("a.example.com", "A", 60, "192.0.2.1"))}}})
	require.ErrorAs(t, err, &noZone)
	_, err = f.api.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String("ZNOPE")})
	require.ErrorAs(t, err, &noZone)
	_, err = f.api.GetChange(ctx, &r53.GetChangeInput{Id: aws.String("/change/CNOPE")})
	var noChange *types.NoSuchChange
	require.ErrorAs(t, err, &noChange)

	hz, err := f.api.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String(f.zone)})
	require.NoError(t, err)
	assert.Regexp(t, `^/hostedzone/Z[0-9A-Z]+$`, *hz.HostedZone.Id)
	assert.Equal(t, "example.com.", *hz.HostedZone.Name)
	assert.Len(t, hz.DelegationSet.NameServers, 4)
}

func TestPlantedApexRecordsCannotBeDeleted(t *testing.T) {
	f := newFixture(t)
	list, err := f.api.ListResourceRecordSets(context.Background(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(f.zone)})
	require.NoError(t, err)
	_, err = f.change(ch(types.ChangeActionDelete, &list.ResourceRecordSets[0]))
	var invalid *types.InvalidChangeBatch
	require.ErrorAs(t, err, &invalid)
}
