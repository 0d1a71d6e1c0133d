package document

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustParse(t *testing.T, in string) Request {
	t.Helper()
	r, err := Parse([]byte(in))
	if err != nil {
		t.Fatalf("Parse(%s): %v", in, err)
	}
	return r
}

func mustFail(t *testing.T, in string) *ValidationError {
	t.Helper()
	_, err := Parse([]byte(in))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse(%s) = %v, want a *ValidationError", in, err)
	}
	return ve
}

func TestParseFillsDefaults(t *testing.T) {
	got := mustParse(t, `{"deployment_id":"geuse"}`)
	want := Request{
		DeploymentID:             "geuse",
		Tier:                     TierDev,
		Region:                   "us-east-1",
		InstanceType:             "t3.medium",
		OSType:                   OSAmazonLinux2023,
		CloudFrontTimeoutMinutes: 30,
		WaitForCloudFront:        true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}

	// The normalized request carries every default, so later states never
	// meet a missing field.
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"deployment_id", "tier", "region", "instance_type", "os_type",
		"enable_alb", "enable_cdn", "cloudfront_timeout_minutes", "wait_for_cloudfront", "keep_on_smoke_failure"} {
		if _, ok := m[k]; !ok {
			t.Errorf("marshalled request lacks %q: %s", k, out)
		}
	}

	// A normalized request parses to itself.
	again, err := Parse(out)
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Fatalf("re-parse = %+v, %v", again, err)
	}
}

func TestParseNormalizesTier(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		alb, cdn     bool
		instanceType string
	}{
		{"dev has neither ALB nor CDN", `{"tier":"dev"}`, false, false, "t3.medium"},
		{"dev with enable_alb becomes an ALB deployment", `{"enable_alb":true}`, true, false, "t3.medium"},
		{"dev with enable_cdn gets the ALB it needs", `{"enable_cdn":true}`, true, true, "t3.medium"},
		{"dev keeps a GPU type", `{"instance_type":"g5.xlarge"}`, false, false, "g5.xlarge"},
		{"automation forces the ALB", `{"tier":"automation"}`, true, false, "t3.medium"},
		{"automation with enable_cdn adds the CDN", `{"tier":"automation","enable_cdn":true}`, true, true, "t3.medium"},
		{"automation keeps a GPU type", `{"tier":"automation","instance_type":"g6.xlarge"}`, true, false, "g6.xlarge"},
		{"gpu forces ALB and CDN and a GPU default", `{"tier":"gpu"}`, true, true, "g4dn.xlarge"},
		{"gpu with explicit flags", `{"tier":"gpu","enable_alb":true,"enable_cdn":true,"instance_type":"p5.48xlarge"}`, true, true, "p5.48xlarge"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Replace(tc.in, "{", `{"deployment_id":"geuse",`, 1)
			r := mustParse(t, in)
			if r.EnableALB != tc.alb || r.EnableCDN != tc.cdn || r.InstanceType != tc.instanceType {
				t.Fatalf("alb=%v cdn=%v type=%s, want alb=%v cdn=%v type=%s",
					r.EnableALB, r.EnableCDN, r.InstanceType, tc.alb, tc.cdn, tc.instanceType)
			}
		})
	}
}

func TestParseCDNWithoutALBFailsWithExactMessage(t *testing.T) {
	for _, in := range []string{
		`{"deployment_id":"geuse","enable_cdn":true,"enable_alb":false}`,
		`{"deployment_id":"geuse","tier":"gpu","enable_alb":false}`,
		`{"deployment_id":"geuse","tier":"automation","enable_cdn":true,"enable_alb":false}`,
	} {
		ve := mustFail(t, in)
		want := []Problem{{Field: "enable_alb", Message: "Tier 3 deployments require enable_alb=true: CloudFront needs the ALB as its origin"}}
		if !reflect.DeepEqual(ve.Problems, want) {
			t.Errorf("Parse(%s) problems = %+v, want %+v", in, ve.Problems, want)
		}
	}
}

// TestParseRejects covers every validation rule, each with the field path
// and a fragment of the message the user sees.
func TestParseRejects(t *testing.T) {
	long := strings.Repeat("a", MaxDeploymentIDLength+1)
	tests := []struct {
		name  string
		in    string
		field string
		msg   string
	}{
		{"not JSON", `{`, "", "is not valid JSON"},
		{"not an object", `[1]`, "", "must be a JSON object"},
		{"null", `null`, "", "must be a JSON object"},
		{"missing id", `{}`, "deployment_id", "is required"},
		{"id too long names the ALB", `{"deployment_id":"` + long + `"}`, "deployment_id", long + `-alb`},
		{"id bad characters", `{"deployment_id":"a_b"}`, "deployment_id", "only letters, digits and hyphens"},
		{"id starts with digit", `{"deployment_id":"9a"}`, "deployment_id", "start with a letter"},
		{"id internal- prefix", `{"deployment_id":"internal-x"}`, "deployment_id", `"internal-"`},
		{"id wrong type", `{"deployment_id":7}`, "deployment_id", "must be a string"},
		{"unknown tier", `{"deployment_id":"a","tier":"prod"}`, "tier", `"dev", "automation", "gpu"`},
		{"bad region", `{"deployment_id":"a","region":"mars"}`, "region", "AWS region"},
		{"bad instance type", `{"deployment_id":"a","instance_type":"big"}`, "instance_type", "EC2 instance type"},
		{"gpu tier CPU type", `{"deployment_id":"a","tier":"gpu","instance_type":"m5.large"}`, "instance_type", "GPU instance type"},
		{"g3 retired", `{"deployment_id":"a","tier":"gpu","instance_type":"g3.4xlarge"}`, "instance_type", "retired"},
		{"g3s retired on dev too", `{"deployment_id":"a","instance_type":"g3s.xlarge"}`, "instance_type", "retired"},
		{"unknown os", `{"deployment_id":"a","os_type":"debian"}`, "os_type", "must be one of"},
		{"bad ami", `{"deployment_id":"a","ami_id":"ami-1"}`, "ami_id", "ami-0123456789abcdef0"},
		{"empty ami", `{"deployment_id":"a","ami_id":""}`, "ami_id", "omit the field"},
		{"bad vpc", `{"deployment_id":"a","vpc_id":"vpc-1"}`, "vpc_id", "vpc-"},
		{"subnets without vpc", `{"deployment_id":"a","subnet_ids":["subnet-0123456789abcdef0"]}`, "subnet_ids", "requires vpc_id"},
		{"empty subnets", `{"deployment_id":"a","vpc_id":"vpc-0123456789abcdef0","subnet_ids":[]}`, "subnet_ids", "must not be empty"},
		{"ALB with one subnet", `{"deployment_id":"a","tier":"automation","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-0123456789abcdef0"]}`, "subnet_ids", "at least 2 subnets"},
		{"bad subnet", `{"deployment_id":"a","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-0123456789abcdef0","sub"]}`, "subnet_ids[1]", "subnet-"},
		{"duplicate subnet", `{"deployment_id":"a","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-0123456789abcdef0","subnet-0123456789abcdef0"]}`, "subnet_ids[1]", "duplicates subnet_ids[0]"},
		{"subnet wrong type", `{"deployment_id":"a","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-0123456789abcdef0",1]}`, "subnet_ids[1]", "must be a string"},
		{"subnets not array", `{"deployment_id":"a","subnet_ids":"subnet-0123456789abcdef0"}`, "subnet_ids", "array of strings"},
		{"bad security group", `{"deployment_id":"a","security_group_id":"sg-x"}`, "security_group_id", "sg-"},
		{"bad efs", `{"deployment_id":"a","efs_id":"fs-x"}`, "efs_id", "fs-"},
		{"keypair non-ASCII", `{"deployment_id":"a","keypair_name":"clé"}`, "keypair_name", "printable ASCII"},
		{"keypair too long", `{"deployment_id":"a","keypair_name":"` + strings.Repeat("k", 256) + `"}`, "keypair_name", "255"},
		{"ssh whole internet", `{"deployment_id":"a","ssh_cidr":"0.0.0.0/0"}`, "ssh_cidr", "whole internet"},
		{"ssh any /0", `{"deployment_id":"a","ssh_cidr":"192.0.2.1/0"}`, "ssh_cidr", "whole internet"},
		{"ssh not a CIDR", `{"deployment_id":"a","ssh_cidr":"192.0.2.1"}`, "ssh_cidr", "IPv4 CIDR"},
		{"ssh IPv6", `{"deployment_id":"a","ssh_cidr":"::/0"}`, "ssh_cidr", "IPv4 CIDR"},
		{"automation without ALB", `{"deployment_id":"a","tier":"automation","enable_alb":false}`, "enable_alb", "tier automation requires enable_alb=true"},
		{"gpu without CDN", `{"deployment_id":"a","tier":"gpu","enable_cdn":false}`, "enable_cdn", "tier gpu requires enable_cdn=true"},
		{"flag wrong type", `{"deployment_id":"a","enable_alb":"yes"}`, "enable_alb", "must be a boolean"},
		{"flag null", `{"deployment_id":"a","wait_for_cloudfront":null}`, "wait_for_cloudfront", "must be a boolean"},
		{"timeout zero", `{"deployment_id":"a","cloudfront_timeout_minutes":0}`, "cloudfront_timeout_minutes", "between 1 and 30"},
		{"timeout too large", `{"deployment_id":"a","cloudfront_timeout_minutes":31}`, "cloudfront_timeout_minutes", "between 1 and 30"},
		{"timeout fraction", `{"deployment_id":"a","cloudfront_timeout_minutes":2.5}`, "cloudfront_timeout_minutes", "must be an integer"},
		{"timeout string", `{"deployment_id":"a","cloudfront_timeout_minutes":"5"}`, "cloudfront_timeout_minutes", "must be an integer"},
		{"timeout huge", `{"deployment_id":"a","cloudfront_timeout_minutes":1e40}`, "cloudfront_timeout_minutes", "must be between 1 and 30 (got 1e40)"},
		{"fallback CPU type", `{"deployment_id":"a","gpu_instance_fallbacks":["g5.xlarge","c5.xlarge"]}`, "gpu_instance_fallbacks[1]", "GPU instance type"},
		{"fallback g3", `{"deployment_id":"a","gpu_instance_fallbacks":["g3.4xlarge"]}`, "gpu_instance_fallbacks[0]", "retired"},
		{"fallback duplicate", `{"deployment_id":"a","gpu_instance_fallbacks":["g5.xlarge","g5.xlarge"]}`, "gpu_instance_fallbacks[1]", "duplicates"},
		{"too many fallbacks", `{"deployment_id":"a","gpu_instance_fallbacks":["g5.xlarge","g5.2xlarge","g6.xlarge","g6.2xlarge","p3.2xlarge","g4dn.2xlarge"]}`, "gpu_instance_fallbacks", "at most 5"},
		{"aws: tag", `{"deployment_id":"a","tags":{"aws:foo":"x"}}`, "tags.aws:foo", `"aws:"`},
		{"Aws: tag", `{"deployment_id":"a","tags":{"Aws:foo":"x"}}`, "tags.Aws:foo", `"aws:"`},
		{"reserved tag", `{"deployment_id":"a","tags":{"ManagedBy":"x"}}`, "tags.ManagedBy", "reserved"},
		{"reserved prefix tag", `{"deployment_id":"a","tags":{"geusemaker:tier":"x"}}`, "tags.geusemaker:tier", "reserved"},
		{"empty tag key", `{"deployment_id":"a","tags":{"":"x"}}`, "tags.", "must not be empty"},
		{"tag key too long", `{"deployment_id":"a","tags":{"` + strings.Repeat("k", 129) + `":"x"}}`, "tags." + strings.Repeat("k", 129), "at most 128"},
		{"tag value too long", `{"deployment_id":"a","tags":{"k":"` + strings.Repeat("v", 257) + `"}}`, "tags.k", "at most 256"},
		{"tag value wrong type", `{"deployment_id":"a","tags":{"k":1}}`, "tags.k", "must be a string"},
		{"tags not object", `{"deployment_id":"a","tags":[]}`, "tags", "object of string values"},
		{"unknown field", `{"deployment_id":"a","stack_name":"a"}`, "stack_name", "unknown field"},
		// No field turns the workload's credentials off or sets them: they
		// are generated into the deployment's secret.
		{"no way to turn auth off", `{"deployment_id":"a","disable_auth":true}`, "disable_auth", "unknown field"},
		{"no way to supply the API key", `{"deployment_id":"a","api_key":"hunter2"}`, "api_key", "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ve := mustFail(t, tc.in)
			for _, p := range ve.Problems {
				if p.Field == tc.field && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Fatalf("problems %+v lack %s: ...%s...", ve.Problems, tc.field, tc.msg)
		})
	}
}

func TestParseRejectsTooManyTags(t *testing.T) {
	tags := map[string]string{}
	for i := range MaxUserTags + 1 {
		tags["k"+strings.Repeat("x", i)] = "v"
	}
	in, _ := json.Marshal(map[string]any{"deployment_id": "a", "tags": tags})
	ve := mustFail(t, string(in))
	if ve.Problems[0].Field != "tags" || !strings.Contains(ve.Problems[0].Message, "at most 40") {
		t.Fatalf("problems = %+v", ve.Problems)
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	in := `{
		"tier": "gpu",
		"instance_type": "t3.large",
		"enable_alb": false,
		"subnet_ids": ["subnet-0123456789abcdef0", 42],
		"ssh_cidr": "0.0.0.0/0",
		"cloudfront_timeout_minutes": 45,
		"tags": {"aws:foo": "x", "ok": "y"},
		"bogus": 1,
		"also_bogus": 2
	}`
	ve := mustFail(t, in)
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Field)
	}
	want := []string{
		"deployment_id",
		"instance_type",
		"subnet_ids[1]",
		"ssh_cidr",
		"enable_alb",
		"cloudfront_timeout_minutes",
		"tags.aws:foo",
		"also_bogus",
		"bogus",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("fields = %q\nwant     %q", got, want)
	}
	msg := ve.Error()
	for _, f := range want {
		if !strings.Contains(msg, f+": ") {
			t.Errorf("Error() lacks %q: %s", f, msg)
		}
	}
	if !strings.HasPrefix(msg, "invalid request (9 problems): deployment_id: is required; ") {
		t.Errorf("Error() = %s", msg)
	}
	if f := ve.Fields(); !slices.IsSorted(f) || len(f) != len(want) {
		t.Errorf("Fields() = %q", f)
	}
}

func TestValidationErrorIsNamedAndMatchable(t *testing.T) {
	_, err := Parse([]byte(`{}`))
	wrapped := errors.Join(errors.New("start deployment"), err)
	var ve *ValidationError
	if !errors.As(wrapped, &ve) {
		t.Fatalf("errors.As failed on %v", wrapped)
	}
	if ve.ErrorName() != "ValidationError" || ErrorName != "ValidationError" {
		t.Fatalf("ErrorName = %q", ve.ErrorName())
	}
	if got := ve.Error(); got != "invalid request: deployment_id: is required" {
		t.Fatalf("Error() = %q", got)
	}
	if got := (Problem{Message: "must be a JSON object"}).String(); got != "request must be a JSON object" {
		t.Fatalf("String() = %q", got)
	}
}

func TestValidateChecksRequestsBuiltInGo(t *testing.T) {
	valid := mustParse(t, `{"deployment_id":"geuse","tier":"gpu"}`)
	if err := valid.Validate(); err != nil {
		t.Fatalf("Validate(normalized) = %v", err)
	}

	tests := []struct {
		name   string
		mutate func(*Request)
		field  string
	}{
		{"CDN without ALB", func(r *Request) { r.EnableALB = false }, "enable_alb"},
		{"gpu without CDN", func(r *Request) { r.EnableCDN = false }, "enable_cdn"},
		{"empty tier", func(r *Request) { r.Tier = "" }, "tier"},
		{"empty region", func(r *Request) { r.Region = "" }, "region"},
		{"zero timeout", func(r *Request) { r.CloudFrontTimeoutMinutes = 0 }, "cloudfront_timeout_minutes"},
		{"empty subnet entry", func(r *Request) {
			r.VPCID = "vpc-0123456789abcdef0"
			r.SubnetIDs = []string{"subnet-0123456789abcdef0", ""}
		}, "subnet_ids[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := valid
			tc.mutate(&r)
			var ve *ValidationError
			if err := r.Validate(); !errors.As(err, &ve) || !slices.Contains(ve.Fields(), tc.field) {
				t.Fatalf("Validate() = %v, want a problem on %s", err, tc.field)
			}
		})
	}
}

func TestMaxDeploymentIDLengthFitsELBNames(t *testing.T) {
	if MaxDeploymentIDLength != 28 {
		t.Fatalf("MaxDeploymentIDLength = %d, want 28", MaxDeploymentIDLength)
	}
	r := mustParse(t, `{"deployment_id":"`+strings.Repeat("a", MaxDeploymentIDLength)+`"}`)
	for _, name := range []string{r.ALBName(), r.TargetGroupName()} {
		if len(name) > 32 {
			t.Errorf("%s is %d characters, over ELB's 32", name, len(name))
		}
	}
}

func TestNameHelpers(t *testing.T) {
	r := Request{DeploymentID: "geuse"}
	got := map[string]string{
		"alb":      r.ALBName(),
		"tg":       r.TargetGroupName(),
		"role":     r.RoleName(),
		"profile":  r.InstanceProfileName(),
		"sg":       r.SecurityGroupName(SGRoleInstance),
		"efs-name": r.FileSystemName(),
	}
	want := map[string]string{
		"alb":      "geuse-alb",
		"tg":       "geuse-tg",
		"role":     "geuse-efs-mount-role",
		"profile":  "geuse-instance-profile",
		"sg":       "geuse-instance-sg",
		"efs-name": "geuse-efs",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestTagsAddStandardTagsThatWin(t *testing.T) {
	r := Request{DeploymentID: "geuse", Tier: TierGPU, Region: "eu-west-1", UserTags: map[string]string{
		"Owner":       "me",
		TagDeployment: "someone-else", // rejected by Validate; Tags still wins
		TagManagedBy:  "Terraform",
	}}
	want := map[string]string{
		"Owner":                 "me",
		"geusemaker:deployment": "geuse",
		"geusemaker:region":     "eu-west-1",
		"geusemaker:tier":       "gpu",
		"ManagedBy":             "GeuseMaker",
	}
	if got := r.Tags(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Tags() = %v, want %v", got, want)
	}
	if r.UserTags[TagDeployment] != "someone-else" {
		t.Fatal("Tags() modified the request's own tags")
	}
}

func TestGPUInstanceTypes(t *testing.T) {
	for _, fam := range GPUFamilies() {
		typ := fam + ".xlarge"
		if fam == "p6" {
			typ = "p6-b200.48xlarge"
		}
		if !IsGPUInstanceType(typ) {
			t.Errorf("IsGPUInstanceType(%q) = false", typ)
		}
	}
	for _, typ := range []string{"t3.medium", "g3.4xlarge", "g3s.xlarge", "p2.xlarge", "g4.xlarge", "xg5.xlarge"} {
		if IsGPUInstanceType(typ) {
			t.Errorf("IsGPUInstanceType(%q) = true", typ)
		}
	}
	fams := GPUFamilies()
	fams[0] = "changed"
	if GPUFamilies()[0] != "p3" {
		t.Error("GPUFamilies returned its internal slice")
	}
}

// A byte order mark before the JSON (some editors save one) is ignored, as
// RFC 8259 allows; before, it was "invalid character 'ï'".
func TestParseIgnoresAByteOrderMark(t *testing.T) {
	r, err := Parse([]byte("\xef\xbb\xbf" + `{"deployment_id":"a","tier":"dev"}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.DeploymentID != "a" {
		t.Fatalf("parsed %+v", r)
	}
}
