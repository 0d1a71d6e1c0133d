package ec2

import (
	"net/netip"
	"slices"

	"geusemaker/internal/sim/account"
)

// Admits tells whether groups let a TCP connection from src in on port
// (see account.Network). Callers hold the account's lock.
func (m *Model) Admits(groups []string, port int32, src account.Source) bool {
	for _, r := range m.regions {
		for _, id := range groups {
			g, ok := r.groups[id]
			if !ok {
				continue
			}
			for _, rule := range g.rules {
				if !rule.egress && rule.coversTCP(port) && r.ruleAdmits(rule, src) {
					return true
				}
			}
		}
	}
	return false
}

func (r sgRule) coversTCP(port int32) bool {
	switch r.protocol {
	case allProtocols:
		return true
	case "tcp", "6":
		return r.from <= port && port <= r.to
	}
	return false
}

func (r *region) ruleAdmits(rule sgRule, src account.Source) bool {
	switch {
	case rule.groupID != "":
		return slices.Contains(src.Groups, rule.groupID)
	case rule.prefixList != "":
		p, ok := r.prefixLists[rule.prefixList]
		return ok && slices.Contains(src.PrefixLists, p.name)
	case rule.cidr != "":
		allowed, err := netip.ParsePrefix(rule.cidr)
		if err != nil {
			return false
		}
		if src.Internet {
			return allowed.Bits() == 0
		}
		if len(src.CIDRs) == 0 {
			return false
		}
		for _, c := range src.CIDRs {
			p, err := netip.ParsePrefix(c)
			if err != nil {
				a, aerr := netip.ParseAddr(c)
				if aerr != nil {
					return false
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			if p.Bits() < allowed.Bits() || !allowed.Contains(p.Addr()) {
				return false
			}
		}
		return true
	}
	return false
}
