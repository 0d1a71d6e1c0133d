package ec2

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// fields maps the filter names a Describe operation supports to the values
// a resource has for them. "tag:<key>" and "tag-key" are handled for every
// resource type.
type fields[T any] map[string]func(T) []string

// filter keeps the items matching every filter: a filter matches when any
// of its values (with AWS's * and ? wildcards) equals any of the item's
// values. An unsupported filter name is InvalidParameterValue, as in AWS.
func filter[T any](items []T, filters []types.Filter, f fields[T], tags func(T) map[string]string) ([]T, error) {
	for _, flt := range filters {
		name := aws.ToString(flt.Name)
		if _, ok := f[name]; !ok && !strings.HasPrefix(name, "tag:") && name != "tag-key" {
			return nil, errInvalidParameter("The filter '%s' is invalid", name)
		}
	}
	var out []T
	for _, it := range items {
		if matchesAll(it, filters, f, tags) {
			out = append(out, it)
		}
	}
	return out, nil
}

func matchesAll[T any](it T, filters []types.Filter, f fields[T], tags func(T) map[string]string) bool {
	for _, flt := range filters {
		name := aws.ToString(flt.Name)
		var have []string
		switch {
		case strings.HasPrefix(name, "tag:"):
			if v, ok := tags(it)[strings.TrimPrefix(name, "tag:")]; ok {
				have = []string{v}
			}
		case name == "tag-key":
			have = slices.Collect(maps.Keys(tags(it)))
		default:
			have = f[name](it)
		}
		if !anyMatch(flt.Values, have) {
			return false
		}
	}
	return true
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if glob(p, v) {
				return true
			}
		}
	}
	return false
}

// glob matches s against p, where * matches any run of characters and ?
// any one character (EC2 filter wildcards).
func glob(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if glob(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && glob(p[1:], s[1:])
	default:
		return s != "" && s[0] == p[0] && glob(p[1:], s[1:])
	}
}

func boolString(b bool) []string {
	if b {
		return []string{"true"}
	}
	return []string{"false"}
}

// sorted returns the values of a map keyed by id in id order, so that
// Describe answers are deterministic.
func sorted[T any](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// only keeps the items whose id is in ids (all when ids is empty); missing
// lists the ids that matched nothing.
func only[T any](m map[string]T, ids []string) (items []T, missing []string) {
	if len(ids) == 0 {
		return sorted(m), nil
	}
	for _, id := range ids {
		if it, ok := m[id]; ok {
			items = append(items, it)
		} else {
			missing = append(missing, id)
		}
	}
	return items, missing
}

// tagsFor reads the TagSpecifications of a create call: the tags for
// resource type rt. A specification for a type the operation does not
// create is InvalidParameterValue, as in AWS.
func tagsFor(specs []types.TagSpecification, rt types.ResourceType, also ...types.ResourceType) (map[string]string, error) {
	tags := map[string]string{}
	for _, s := range specs {
		switch {
		case s.ResourceType == rt:
			for _, t := range s.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		case !slices.Contains(also, s.ResourceType):
			return nil, errInvalidParameter("'%s' is not a valid taggable resource type for this operation.", s.ResourceType)
		}
	}
	return tags, nil
}

// sdkTags renders tags sorted by key.
func sdkTags(tags map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}
