package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// Tier selects how much of the stack a deployment builds; each tier extends
// the one before it.
type Tier string

// The tiers.
const (
	// TierDev (Tier 1) is the network, security groups, EFS, IAM and one instance.
	TierDev Tier = "dev"
	// TierAutomation (Tier 2) adds an internet-facing ALB in front of the instance.
	TierAutomation Tier = "automation"
	// TierGPU (Tier 3) adds CloudFront in front of the ALB and a GPU instance.
	TierGPU Tier = "gpu"
)

// OSType is the operating system of the instance.
type OSType string

// The supported operating systems.
const (
	// OSAmazonLinux2023 is Amazon Linux 2023, the default.
	OSAmazonLinux2023 OSType = "amazon-linux-2023"
	// OSUbuntu2204 is Ubuntu 22.04 LTS.
	OSUbuntu2204 OSType = "ubuntu-22.04"
	// OSUbuntu2404 is Ubuntu 24.04 LTS.
	OSUbuntu2404 OSType = "ubuntu-24.04"
)

// Defaults applied by Parse to absent fields.
const (
	// DefaultTier is the tier of a request that names none.
	DefaultTier = TierDev
	// DefaultRegion is the region of a request that names none.
	DefaultRegion = "us-east-1"
	// DefaultInstanceType is the instance type of a dev or automation request.
	DefaultInstanceType = "t3.medium"
	// DefaultGPUInstanceType is the instance type of a gpu request: the
	// cheapest current GPU type, first in the original tool's preference order.
	DefaultGPUInstanceType = "g4dn.xlarge"
	// DefaultOSType is the operating system of a request that names none.
	DefaultOSType = OSAmazonLinux2023
	// DefaultCloudFrontTimeoutMinutes is how long the CloudFront wait lasts
	// unless the request says otherwise; it is also the maximum.
	DefaultCloudFrontTimeoutMinutes = 30
)

// Limits on request fields.
const (
	// elbNameMaxLen is AWS's limit for load balancer and target group names.
	elbNameMaxLen = 32
	albSuffix     = "-alb"
	tgSuffix      = "-tg"

	// MaxDeploymentIDLength keeps both "<id>-alb" and "<id>-tg" within the
	// 32-character name limit of Elastic Load Balancing, the tightest name
	// the deployment id is used in (28 with the current suffixes).
	MaxDeploymentIDLength = elbNameMaxLen - max(len(albSuffix), len(tgSuffix))

	// MinCloudFrontTimeoutMinutes and MaxCloudFrontTimeoutMinutes bound
	// cloudfront_timeout_minutes. A distribution normally deploys in 3–5
	// minutes; 30 bounds the poll loop's history and cost.
	MinCloudFrontTimeoutMinutes = 1
	// MaxCloudFrontTimeoutMinutes is the upper bound of cloudfront_timeout_minutes.
	MaxCloudFrontTimeoutMinutes = 30

	// MaxGPUInstanceFallbacks bounds gpu_instance_fallbacks: each fallback
	// is one more RunInstances attempt inside the compute step.
	MaxGPUInstanceFallbacks = 5

	// MaxUserTags leaves room, within AWS's 50 tags per resource, for the
	// standard tags and the Name tag every step adds.
	MaxUserTags = 40
	// MaxTagKeyLength is AWS's limit on a tag key, in Unicode characters.
	MaxTagKeyLength = 128
	// MaxTagValueLength is AWS's limit on a tag value, in Unicode characters.
	MaxTagValueLength = 256
	// MaxKeyPairNameLength is EC2's limit on a key pair name.
	MaxKeyPairNameLength = 255
)

// Request is what a user asks for: the input of an execution, and after Parse
// the request part of the document, with every default filled in and the tier
// normalized (EnableALB and EnableCDN say what is actually built).
//
// Build requests from JSON with Parse: the booleans with defaults are plain
// bools here, so only Parse can tell an absent field from an explicit false.
type Request struct {
	// DeploymentID names the deployment and every resource it creates.
	DeploymentID string `json:"deployment_id"`
	// Tier is dev, automation or gpu.
	Tier Tier `json:"tier"`
	// Region is the AWS region to deploy into.
	Region string `json:"region"`
	// InstanceType is the first instance type tried.
	InstanceType string `json:"instance_type"`
	// OSType is the instance's operating system.
	OSType OSType `json:"os_type"`
	// AMIID overrides the AMI looked up for OSType (and the GPU AMI).
	AMIID string `json:"ami_id,omitempty"`
	// VPCID is an existing VPC to deploy into; it is never deleted.
	VPCID string `json:"vpc_id,omitempty"`
	// SubnetIDs are existing subnets of VPCID; they are never deleted.
	SubnetIDs []string `json:"subnet_ids,omitempty"`
	// SecurityGroupID is an existing security group for the instance.
	SecurityGroupID string `json:"security_group_id,omitempty"`
	// EFSID is an existing EFS file system to reuse; it is never deleted.
	EFSID string `json:"efs_id,omitempty"`
	// KeyPairName is an EC2 key pair for SSH.
	KeyPairName string `json:"keypair_name,omitempty"`
	// SSHCIDR opens port 22 to this IPv4 CIDR; no SSH when empty.
	SSHCIDR string `json:"ssh_cidr,omitempty"`
	// EnableALB is true when the deployment has an ALB (Tier 2 and up).
	EnableALB bool `json:"enable_alb"`
	// EnableCDN is true when the deployment has CloudFront (Tier 3).
	EnableCDN bool `json:"enable_cdn"`
	// CloudFrontTimeoutMinutes bounds the wait for the distribution to deploy.
	CloudFrontTimeoutMinutes int `json:"cloudfront_timeout_minutes"`
	// WaitForCloudFront false ends the deployment once the distribution
	// exists and leaves a watcher to announce Deployed.
	WaitForCloudFront bool `json:"wait_for_cloudfront"`
	// GPUInstanceFallbacks are tried in order when EC2 has no capacity for
	// InstanceType.
	GPUInstanceFallbacks []string `json:"gpu_instance_fallbacks,omitempty"`
	// KeepOnSmokeFailure leaves the stack up for debugging when the smoke
	// test fails, instead of rolling back.
	KeepOnSmokeFailure bool `json:"keep_on_smoke_failure"`
	// UserTags are the user's tags, added to every resource; Tags returns
	// them merged with the standard tags.
	UserTags map[string]string `json:"tags,omitempty"`
}

// ALBName is the load balancer's name, "<id>-alb".
func (r Request) ALBName() string { return r.DeploymentID + albSuffix }

// TargetGroupName is the target group's name, "<id>-tg".
func (r Request) TargetGroupName() string { return r.DeploymentID + tgSuffix }

// RoleName is the instance's IAM role, "<id>-efs-mount-role" (the original
// tool's name, kept so its deployments stay recognizable).
func (r Request) RoleName() string { return r.DeploymentID + "-efs-mount-role" }

// InstanceProfileName is the instance profile, "<id>-instance-profile".
func (r Request) InstanceProfileName() string { return r.DeploymentID + "-instance-profile" }

// SecretName is the deployment's Secrets Manager secret,
// "geusemaker/<id>/workload" (secrets are regional: one name per region).
func (r Request) SecretName() string { return "geusemaker/" + r.DeploymentID + "/workload" }

// SecurityGroupName is the name of the security group for role (one of the
// SGRole constants), "<id>-<role>-sg".
func (r Request) SecurityGroupName(role string) string {
	return r.DeploymentID + "-" + role + "-sg"
}

// VPCOriginName is the CloudFront VPC origin's name, "<id>-<region>-alb":
// VPC origins are global, so the region tells two deployments of one id
// apart.
func (r Request) VPCOriginName() string { return r.DeploymentID + "-" + r.Region + albSuffix }

// PrivateOrigin reports whether CloudFront reaches the ALB through a VPC
// origin, the ALB then internal with no address on the internet: in Tier 3,
// where the region offers VPC origins. Elsewhere the ALB is internet-facing
// and answers only requests carrying CloudFront's secret origin header.
func (r Request) PrivateOrigin() bool { return r.EnableCDN && vpcOriginRegions[r.Region] }

// vpcOriginRegions are the regions that offer CloudFront VPC origins ("VPC
// origins are currently supported in the following commercial AWS
// Regions", "Restrict access with VPC origins", CloudFront Developer
// Guide): not GovCloud or China, nor the commercial regions it omits.
var vpcOriginRegions = map[string]bool{
	"us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true, "af-south-1": true,
	"ap-east-1": true, "ap-east-2": true, "ap-south-1": true, "ap-south-2": true,
	"ap-southeast-1": true, "ap-southeast-2": true, "ap-southeast-3": true, "ap-southeast-4": true,
	"ap-southeast-5": true, "ap-southeast-7": true,
	"ap-northeast-1": true, "ap-northeast-2": true, "ap-northeast-3": true,
	"ca-central-1": true, "ca-west-1": true,
	"eu-central-1": true, "eu-central-2": true, "eu-west-1": true, "eu-west-2": true, "eu-west-3": true,
	"eu-south-1": true, "eu-south-2": true, "eu-north-1": true,
	"il-central-1": true, "me-south-1": true, "me-central-1": true, "sa-east-1": true, "mx-central-1": true,
}

// VPCOriginsServe reports whether CloudFront VPC origins reach resources in
// the Availability Zone zoneID (an AZ ID, e.g. use1-az1): the Developer
// Guide excepts use1-az3, usw1-az2, apne1-az3 and cac1-az3 in regions that
// otherwise have them.
func VPCOriginsServe(zoneID string) bool { return !vpcOriginExcludedZones[zoneID] }

var vpcOriginExcludedZones = map[string]bool{"use1-az3": true, "usw1-az2": true, "apne1-az3": true, "cac1-az3": true}

// FileSystemName is the EFS file system's Name tag, "<id>-efs".
func (r Request) FileSystemName() string { return r.DeploymentID + "-efs" }

// Parse decodes a request, rejecting unknown fields, fills in defaults,
// normalizes the tier and validates the result. Every problem found, decode
// errors included, comes back at once in a *ValidationError; on error the
// returned Request is the zero value.
func Parse(data []byte) (Request, error) {
	w, probs := decodeWire(data)
	if w == nil {
		return Request{}, &ValidationError{Problems: probs}
	}
	probs = append(probs, w.emptyOptionals()...)
	r := w.normalize()
	// A field that failed to decode holds its zero value; checking it again
	// would only repeat the decode problem in other words.
	undecodable := map[string]bool{}
	for _, p := range probs {
		undecodable[topField(p.Field)] = true
	}
	for _, p := range r.problems() {
		if !undecodable[topField(p.Field)] {
			probs = append(probs, p)
		}
	}
	if len(probs) > 0 {
		sortProblems(probs)
		return Request{}, &ValidationError{Problems: probs}
	}
	return r, nil
}

// fieldOrder is the request's fields in declaration order, which is the
// order problems are reported in; unknown fields come last.
var fieldOrder = func() map[string]int {
	names := []string{"", "deployment_id", "tier", "region", "instance_type", "os_type",
		"ami_id", "vpc_id", "subnet_ids", "security_group_id", "efs_id", "keypair_name",
		"ssh_cidr", "enable_alb", "enable_cdn", "cloudfront_timeout_minutes",
		"wait_for_cloudfront", "gpu_instance_fallbacks", "keep_on_smoke_failure", "tags"}
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}()

func sortProblems(probs []Problem) {
	rank := func(p Problem) int {
		if i, ok := fieldOrder[topField(p.Field)]; ok {
			return i
		}
		return len(fieldOrder)
	}
	sort.SliceStable(probs, func(i, j int) bool { return rank(probs[i]) < rank(probs[j]) })
}

// topField is the top-level request field of a problem's path.
func topField(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// wireRequest is the request as sent: pointers tell absent from zero.
type wireRequest struct {
	DeploymentID             *string
	Tier                     *string
	Region                   *string
	InstanceType             *string
	OSType                   *string
	AMIID                    *string
	VPCID                    *string
	SubnetIDs                []string
	SecurityGroupID          *string
	EFSID                    *string
	KeyPairName              *string
	SSHCIDR                  *string
	EnableALB                *bool
	EnableCDN                *bool
	CloudFrontTimeoutMinutes *int
	WaitForCloudFront        *bool
	GPUInstanceFallbacks     []string
	KeepOnSmokeFailure       *bool
	Tags                     map[string]string
}

// decodeWire decodes every field on its own, so that all type errors and
// unknown fields are reported together with their paths. It returns a nil
// request when data is not a JSON object at all.
func decodeWire(data []byte) (*wireRequest, []Problem) {
	// A byte order mark may lead a file saved by some editors; RFC 8259
	// (section 8.1) lets a parser ignore it.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, []Problem{{Message: "is not valid JSON: " + err.Error()}}
		}
		return nil, []Problem{{Message: "must be a JSON object"}}
	}
	if top == nil {
		return nil, []Problem{{Message: "must be a JSON object, not null"}}
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	w := &wireRequest{}
	var probs []Problem
	add := func(p []Problem) { probs = append(probs, p...) }
	// encoding/json keeps the last of a repeated key: refuse them, the
	// user meant one of the values.
	add(duplicateKeys("", data))
	if raw, ok := top["tags"]; ok {
		add(duplicateKeys("tags.", raw))
	}
	for _, k := range keys {
		raw := top[k]
		switch k {
		case "deployment_id":
			add(decodeScalar(k, raw, "a string", &w.DeploymentID))
		case "tier":
			add(decodeScalar(k, raw, "a string", &w.Tier))
		case "region":
			add(decodeScalar(k, raw, "a string", &w.Region))
		case "instance_type":
			add(decodeScalar(k, raw, "a string", &w.InstanceType))
		case "os_type":
			add(decodeScalar(k, raw, "a string", &w.OSType))
		case "ami_id":
			add(decodeScalar(k, raw, "a string", &w.AMIID))
		case "vpc_id":
			add(decodeScalar(k, raw, "a string", &w.VPCID))
		case "subnet_ids":
			add(decodeStrings(k, raw, &w.SubnetIDs))
		case "security_group_id":
			add(decodeScalar(k, raw, "a string", &w.SecurityGroupID))
		case "efs_id":
			add(decodeScalar(k, raw, "a string", &w.EFSID))
		case "keypair_name":
			add(decodeScalar(k, raw, "a string", &w.KeyPairName))
		case "ssh_cidr":
			add(decodeScalar(k, raw, "a string", &w.SSHCIDR))
		case "enable_alb":
			add(decodeScalar(k, raw, "a boolean", &w.EnableALB))
		case "enable_cdn":
			add(decodeScalar(k, raw, "a boolean", &w.EnableCDN))
		case "cloudfront_timeout_minutes":
			add(decodeInt(k, raw, &w.CloudFrontTimeoutMinutes, MinCloudFrontTimeoutMinutes, MaxCloudFrontTimeoutMinutes))
		case "wait_for_cloudfront":
			add(decodeScalar(k, raw, "a boolean", &w.WaitForCloudFront))
		case "gpu_instance_fallbacks":
			add(decodeStrings(k, raw, &w.GPUInstanceFallbacks))
		case "keep_on_smoke_failure":
			add(decodeScalar(k, raw, "a boolean", &w.KeepOnSmokeFailure))
		case "tags":
			add(decodeTags(k, raw, &w.Tags))
		default:
			probs = append(probs, Problem{Field: k, Message: "unknown field"})
		}
	}
	return w, probs
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// decodeScalar decodes a string or boolean; JSON null is a type error, as in
// the schema, rather than a silent "absent".
func decodeScalar[T string | bool](field string, raw json.RawMessage, kind string, dst **T) []Problem {
	var v T
	if isNull(raw) || json.Unmarshal(raw, &v) != nil {
		return []Problem{{Field: field, Message: "must be " + kind}}
	}
	*dst = &v
	return nil
}

// decodeInt accepts any JSON number with an integral value (30 and 30.0 alike,
// as JSON Schema's "integer" does).
func decodeInt(field string, raw json.RawMessage, dst **int, lo, hi int) []Problem {
	bad := []Problem{{Field: field, Message: "must be an integer"}}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return bad
	}
	num, ok := v.(json.Number)
	if !ok {
		return bad
	}
	rat, ok := new(big.Rat).SetString(num.String())
	if !ok || !rat.IsInt() {
		return bad
	}
	n := rat.Num()
	// Beyond int range is beyond the field's range too: say the range.
	if !n.IsInt64() || n.Int64() > 1<<31 || n.Int64() < -(1<<31) {
		return []Problem{{Field: field, Message: fmt.Sprintf("must be between %d and %d (got %s)", lo, hi, num)}}
	}
	i := int(n.Int64())
	*dst = &i
	return nil
}

func decodeStrings(field string, raw json.RawMessage, dst *[]string) []Problem {
	var items []json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &items) != nil {
		return []Problem{{Field: field, Message: "must be an array of strings"}}
	}
	out := make([]string, len(items))
	var probs []Problem
	for i, item := range items {
		var p *string
		probs = append(probs, decodeScalar(indexPath(field, i), item, "a string", &p)...)
		if p != nil {
			out[i] = *p
		}
	}
	*dst = out
	return probs
}

func decodeTags(field string, raw json.RawMessage, dst *map[string]string) []Problem {
	var items map[string]json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &items) != nil {
		return []Problem{{Field: field, Message: "must be an object of string values"}}
	}
	keys := make([]string, 0, len(items))
	for k := range items {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(items))
	var probs []Problem
	for _, k := range keys {
		var p *string
		probs = append(probs, decodeScalar(field+"."+k, items[k], "a string", &p)...)
		if p != nil {
			out[k] = *p
		}
	}
	*dst = out
	return probs
}

// emptyOptionals reports optional strings sent as "": in the normalized
// request they would read as absent, so the user's intent is unclear.
func (w *wireRequest) emptyOptionals() []Problem {
	var probs []Problem
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"ami_id", w.AMIID},
		{"vpc_id", w.VPCID},
		{"security_group_id", w.SecurityGroupID},
		{"efs_id", w.EFSID},
		{"keypair_name", w.KeyPairName},
		{"ssh_cidr", w.SSHCIDR},
	} {
		if f.v != nil && *f.v == "" {
			probs = append(probs, Problem{Field: f.name, Message: "must not be empty: omit the field instead"})
		}
	}
	return probs
}

// normalize fills in defaults and applies the tier. The tier sets a floor:
// a flag can raise a dev deployment to an ALB or CDN deployment, but an
// explicit false never lowers a tier; it stays false here so that Validate
// reports the contradiction instead of silently overriding the user.
func (w *wireRequest) normalize() Request {
	r := Request{
		DeploymentID:             deref(w.DeploymentID, ""),
		Tier:                     Tier(deref(w.Tier, string(DefaultTier))),
		Region:                   deref(w.Region, DefaultRegion),
		OSType:                   OSType(deref(w.OSType, string(DefaultOSType))),
		AMIID:                    deref(w.AMIID, ""),
		VPCID:                    deref(w.VPCID, ""),
		SubnetIDs:                w.SubnetIDs,
		SecurityGroupID:          deref(w.SecurityGroupID, ""),
		EFSID:                    deref(w.EFSID, ""),
		KeyPairName:              deref(w.KeyPairName, ""),
		SSHCIDR:                  deref(w.SSHCIDR, ""),
		CloudFrontTimeoutMinutes: deref(w.CloudFrontTimeoutMinutes, DefaultCloudFrontTimeoutMinutes),
		WaitForCloudFront:        deref(w.WaitForCloudFront, true),
		GPUInstanceFallbacks:     w.GPUInstanceFallbacks,
		KeepOnSmokeFailure:       deref(w.KeepOnSmokeFailure, false),
		UserTags:                 w.Tags,
	}
	defaultType := DefaultInstanceType
	if r.Tier == TierGPU {
		defaultType = DefaultGPUInstanceType
	}
	r.InstanceType = deref(w.InstanceType, defaultType)
	r.EnableCDN = deref(w.EnableCDN, r.Tier == TierGPU)
	r.EnableALB = deref(w.EnableALB, r.Tier == TierAutomation || r.Tier == TierGPU || r.EnableCDN)
	return r
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// UnmarshalJSON decodes a request the way Parse does: unknown fields
// rejected, defaults filled, every rule checked. A document therefore never
// holds an invalid request, whichever step decodes it.
func (r *Request) UnmarshalJSON(data []byte) error {
	req, err := Parse(data)
	if err != nil {
		return err
	}
	*r = req
	return nil
}

// duplicateKeys names each key that appears more than once in the JSON
// object obj (prefix makes the problem's field, e.g. "tags.").
func duplicateKeys(prefix string, obj []byte) []Problem {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	seen := map[string]bool{}
	var probs []Problem
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return probs
		}
		k, _ := t.(string)
		if seen[k] {
			probs = append(probs, Problem{Field: prefix + k, Message: "appears more than once: JSON keys must be unique (which value was meant?)"})
		}
		seen[k] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return probs
		}
	}
	return probs
}
