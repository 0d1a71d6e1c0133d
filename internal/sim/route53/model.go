// Package route53 simulates Amazon Route 53 as a deployment uses it: the
// user's hosted zones (planted by tests with AddZone, never created by a
// deployment), read with GetHostedZone, whose record sets a deployment
// changes in atomic batches (ChangeResourceRecordSets), lists
// (ListResourceRecordSets) and waits on (GetChange until INSYNC).
//
// What it refuses, as Route 53 does (API reference,
// "ChangeResourceRecordSets"; Developer Guide, "Values that you specify
// when you create or edit Amazon Route 53 records"), with
// InvalidChangeBatch and the whole batch rejected:
//   - CREATE of a name and type that already exist;
//   - DELETE that does not match the current record exactly (TTL, values,
//     alias), or of a record that does not exist;
//   - a CNAME at the zone apex, or beside any other type at its name;
//   - a name outside the zone;
//   - an alias with TTL or ResourceRecords, a non-alias without TTL or
//     values, an alias whose target AliasTarget does not confirm;
//   - two changes to the same name and type in one batch.
//
// Route 53 is global: the client's region is ignored. Names are
// case-insensitive and normalized with a trailing dot; "*" may be the
// leftmost label. Lookup and Resolve answer other simulated services as
// the name servers do: only changes already INSYNC, never private zones.
package route53

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"geusemaker/internal/sim/account"
)

// ServiceID is the SDK's service id.
const ServiceID = "Route 53"

// Constraints of the API reference.
const (
	defaultMaxItems = 300 // ListResourceRecordSets: "the default value is 300"
	apexNSTTL       = 172800
	apexSOATTL      = 900
)

// Model is the simulated Route 53 of one account. Its methods run under
// the account's lock.
type Model struct {
	w     *account.Account
	zones map[string]*zone // by id, "Z…"
	order []string         // zone ids in creation order
	// changes by id, "C…".
	changes map[string]*change
	// last is the latest INSYNC time given: propagation is in order.
	last time.Time
	// AliasTarget says whether an alias target exists; nil refuses every
	// alias.
	AliasTarget func(hostedZoneID, dnsName string) bool
}

type zone struct {
	id, name string
	private  bool
	current  map[string]*rrset // accepted records by key
	planted  map[string]bool   // apex SOA/NS, the user's
	versions []version         // what the name servers answer, by insync
}

// version is the zone's records as of one change, answered from at.
type version struct {
	at      time.Time
	records map[string]*rrset
}

type rrset struct {
	name, typ string
	ttl       int64
	values    []string
	alias     *types.AliasTarget
}

type change struct {
	id        string
	submitted time.Time
	insync    time.Time
	comment   string
}

func key(name, typ string) string { return name + "|" + typ }

// Register adds a simulated Route 53 to w and returns it.
func Register(w *account.Account) *Model {
	m := &Model{w: w, zones: map[string]*zone{}, changes: map[string]*change{}}
	w.Register(m)
	return m
}

// ServiceID returns "Route 53".
func (m *Model) ServiceID() string { return ServiceID }

// Operations maps Route 53 operation names to handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"GetHostedZone":            account.Op(m.getHostedZone),
		"ChangeResourceRecordSets": account.Op(m.changeResourceRecordSets),
		"ListResourceRecordSets":   account.Op(m.listResourceRecordSets),
		"GetChange":                account.Op(m.getChange),
	}
}

// AddZone plants the user's hosted zone name (public or private) with its
// apex SOA and NS records, and returns its id ("Z…"). Callers hold the
// account's lock (tests call it inside Do).
func (m *Model) AddZone(name string, private bool) string {
	name = normalize(name)
	id := "Z" + strings.ToUpper(m.w.NewID("R53ZONE", 12)[len("R53ZONE"):])
	ns := []string{"ns-1.awsdns-01.org.", "ns-2.awsdns-02.co.uk.", "ns-3.awsdns-03.com.", "ns-4.awsdns-04.net."}
	z := &zone{id: id, name: name, private: private, current: map[string]*rrset{}, planted: map[string]bool{}}
	nsSet := &rrset{name: name, typ: "NS", ttl: apexNSTTL, values: ns}
	soa := &rrset{name: name, typ: "SOA", ttl: apexSOATTL, values: []string{ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}}
	for _, r := range []*rrset{nsSet, soa} {
		z.current[key(r.name, r.typ)] = r
		z.planted[key(r.name, r.typ)] = true
	}
	z.versions = []version{{records: maps(z.current)}}
	m.zones[id] = z
	m.order = append(m.order, id)
	return id
}

func maps(in map[string]*rrset) map[string]*rrset {
	out := make(map[string]*rrset, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// Inventory lists the record sets changes created. The zones and their
// apex SOA and NS records are the user's, supplied before any deployment,
// so they are not listed: they are never leftovers.
func (m *Model) Inventory(time.Time) []account.Resource {
	var out []account.Resource
	for _, z := range m.zones {
		for k, r := range z.current {
			if z.planted[k] {
				continue
			}
			out = append(out, account.Resource{Service: ServiceID, Type: "record", ID: z.id + "/" + r.name + "/" + r.typ})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Answer is what the name servers answer at a name: an alias target, or
// values of type Type.
type Answer struct {
	Type                      string
	AliasZoneID, AliasDNSName string
	Values                    []string
}

// Lookup returns the CNAME value at name as public name servers answer it
// now (only INSYNC changes). It does not lock: callers hold the account's
// lock.
func (m *Model) Lookup(name string) (string, bool) {
	a, ok := m.Resolve(name)
	if !ok || a.Type != "CNAME" || a.AliasDNSName != "" || len(a.Values) == 0 {
		return "", false
	}
	return a.Values[0], true
}

// Resolve returns the CNAME, A or AAAA answer at name (in that order of
// preference) from public zones, as of the last INSYNC change; wildcards
// match as DNS does. It does not lock: callers hold the account's lock.
func (m *Model) Resolve(name string) (Answer, bool) {
	name = normalize(name)
	now := m.w.Now()
	var best *zone
	for _, id := range m.order {
		z := m.zones[id]
		if !z.private && inZone(name, z.name) && (best == nil || len(z.name) > len(best.name)) {
			best = z
		}
	}
	if best == nil {
		return Answer{}, false
	}
	recs := best.answering(now)
	owner := name
	if !hasName(recs, name) {
		owner = ""
		// The closest encloser's wildcard (RFC 4592).
		for p := parent(name); p != "" && inZone(p, best.name); p = parent(p) {
			if hasName(recs, "*."+p) {
				owner = "*." + p
				break
			}
			if hasName(recs, p) || p == best.name {
				break
			}
		}
		if owner == "" {
			return Answer{}, false
		}
	}
	for _, typ := range []string{"CNAME", "A", "AAAA"} {
		if r, ok := recs[key(owner, typ)]; ok {
			a := Answer{Type: typ, Values: slices.Clone(r.values)}
			if r.alias != nil {
				a.AliasZoneID, a.AliasDNSName = deref(r.alias.HostedZoneId), normalize(deref(r.alias.DNSName))
			}
			return a, true
		}
	}
	return Answer{}, false
}

// answering is the zone's records as of its latest version INSYNC at now.
func (z *zone) answering(now time.Time) map[string]*rrset {
	recs := z.versions[0].records
	for _, v := range z.versions[1:] {
		if !now.Before(v.at) {
			recs = v.records
		}
	}
	return recs
}

func hasName(recs map[string]*rrset, name string) bool {
	for _, r := range recs {
		if r.name == name || strings.HasSuffix(r.name, "."+name) {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// normalize lowercases name and gives it its trailing dot.
func normalize(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.ReplaceAll(name, `\052`, "*")
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

func inZone(name, zone string) bool { return name == zone || strings.HasSuffix(name, "."+zone) }

func parent(name string) string {
	i := strings.Index(name, ".")
	if i < 0 || i == len(name)-1 {
		return ""
	}
	return name[i+1:]
}

// less orders record sets as Route 53 lists them: names compared label by
// label from the right, then type (API reference, ListResourceRecordSets:
// "sorts results first by DNS name with the labels reversed ... When
// multiple records have the same DNS name, ListResourceRecordSets sorts
// results by the record type"; returns "up to 300").
func less(an, at, bn, bt string) bool {
	if c := compareNames(an, bn); c != 0 {
		return c < 0
	}
	return at < bt
}

func compareNames(a, b string) int {
	al := strings.Split(strings.TrimSuffix(a, "."), ".")
	bl := strings.Split(strings.TrimSuffix(b, "."), ".")
	slices.Reverse(al)
	slices.Reverse(bl)
	return slices.Compare(al, bl)
}
