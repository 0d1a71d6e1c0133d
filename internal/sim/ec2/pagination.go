package ec2

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// CodeInvalidPaginationToken is EC2's answer to a NextToken it did not
// issue for the operation (garbled, or another operation's).
const CodeInvalidPaginationToken = "InvalidPaginationToken"

// paging is how one Describe operation pages, per the EC2 API Reference.
type paging struct {
	// op names the operation inside its tokens, so that one operation's
	// token is refused by another.
	op string
	// min and max bound the MaxResults AWS accepts.
	min, max int32
	// idsParam, when set, names the id list that excludes MaxResults
	// (DescribeInstances, DescribeInstanceStatus, DescribeNetworkInterfaces:
	// "You cannot specify this parameter and the ... IDs parameter in the
	// same request"); such a call is never paged.
	idsParam string
	// defaultPage is the page size when MaxResults is omitted; 0 means
	// every item in one page, which is what most Describe calls do.
	defaultPage int
}

// The paging of each Describe operation the model pages (EC2 API
// Reference, MaxResults "Valid Range" of each operation).
var (
	pagingVpcs              = paging{op: "DescribeVpcs", min: 5, max: 1000}
	pagingSubnets           = paging{op: "DescribeSubnets", min: 5, max: 1000}
	pagingInternetGateways  = paging{op: "DescribeInternetGateways", min: 5, max: 1000}
	pagingRouteTables       = paging{op: "DescribeRouteTables", min: 5, max: 100}
	pagingSecurityGroups    = paging{op: "DescribeSecurityGroups", min: 5, max: 1000}
	pagingPrefixLists       = paging{op: "DescribeManagedPrefixLists", min: 1, max: 100}
	pagingNetworkInterfaces = paging{op: "DescribeNetworkInterfaces", min: 5, max: 1000, idsParam: "networkInterfaceIdSet"}
	pagingInstances         = paging{op: "DescribeInstances", min: 5, max: 1000, idsParam: "instancesSet"}
	pagingInstanceStatus    = paging{op: "DescribeInstanceStatus", min: 5, max: 1000, idsParam: "instancesSet"}
	// DescribeInstanceTypes and DescribeInstanceTypeOfferings page even
	// without MaxResults: AWS answers at most 100 types and 1000
	// offerings a call, so every caller must follow NextToken.
	pagingInstanceTypes = paging{op: "DescribeInstanceTypes", min: 5, max: 100, defaultPage: 100}
	pagingOfferings     = paging{op: "DescribeInstanceTypeOfferings", min: 5, max: 1000, defaultPage: 1000}
)

// pageIn is the paging part of a Describe input.
type pageIn struct {
	maxResults *int32
	nextToken  *string
	// ids is how many resource ids the call names.
	ids int
}

// token is what a NextToken carries: the operation and the key of the last
// item returned, so that the next page resumes after it even when items
// were created or deleted in between.
type token struct {
	Op    string `json:"o"`
	After string `json:"a"`
}

func encodeToken(t token) *string {
	raw, _ := json.Marshal(t) // two strings: cannot fail
	return aws.String(base64.RawURLEncoding.EncodeToString(raw))
}

func decodeToken(op, s string) (token, error) {
	var t token
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(raw, &t)
	}
	if err != nil || t.Op != op {
		return token{}, apiError(CodeInvalidPaginationToken, "Invalid pagination token: %s", s)
	}
	return t, nil
}

// page cuts the page a call asks for out of items (already looked up and
// filtered), in key order, and returns the NextToken of the rest (nil on
// the last page).
//
// AWS checks MaxResults against the operation's range, refuses it next to
// an id list where the operation says so, and refuses a token it did not
// issue. The model's MaxPage bounds every page the caller could have cut
// with MaxResults, as if it had asked for MaxResults=MaxPage.
//
// Pages are cut after filtering, so every page but the last is full. AWS
// may also answer short or empty pages with a NextToken (it filters a
// page it has cut); SDK paginators follow the token either way, and a
// one-shot lookup that filters down to one item stays one page here.
func page[T any](r *region, p paging, in pageIn, items []T, key func(T) string) ([]T, *string, error) {
	size := p.defaultPage
	if n := in.maxResults; n != nil {
		if in.ids > 0 && p.idsParam != "" {
			return nil, nil, apiError(CodeInvalidParameterCombination, "The parameter %s cannot be used with the parameter maxResults", p.idsParam)
		}
		if *n < p.min || *n > p.max {
			return nil, nil, errInvalidParameter("Value ( %d ) for parameter maxResults is invalid. Parameter must be between %d and %d.", *n, p.min, p.max)
		}
		size = int(*n)
	}
	if limit := r.m.MaxPage; limit > 0 && (in.ids == 0 || p.idsParam == "") && (size == 0 || size > limit) {
		size = limit
	}
	items = slices.SortedStableFunc(slices.Values(items), func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	if s := aws.ToString(in.nextToken); s != "" {
		t, err := decodeToken(p.op, s)
		if err != nil {
			return nil, nil, err
		}
		from, _ := slices.BinarySearchFunc(items, t.After, func(it T, after string) int {
			if key(it) <= after {
				return -1
			}
			return 1
		})
		items = items[from:]
	}
	if size == 0 || len(items) <= size {
		return items, nil, nil
	}
	return items[:size], encodeToken(token{Op: p.op, After: key(items[size-1])}), nil
}
