package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const (
	eventsDir  = "../../events"
	schemaFile = eventsDir + "/request.schema.json"
)

// goOnlyRules lists bad inputs that only Parse rejects, each with the reason
// JSON Schema cannot express the rule: only repeated keys, which no
// validator sees. A file listed here must pass the schema.
var goOnlyRules = map[string]string{
	"tier--duplicate-key.json": "a JSON Schema validator sees the parsed object, where the repeated key is already gone",
	"tags--duplicate-key.json": "a JSON Schema validator sees the parsed object, where the repeated key is already gone",
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("request.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("request.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func schemaValidate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("instance is not JSON: %v", err)
	}
	return sch.Validate(inst)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSampleRequestsPassSchemaAndParse(t *testing.T) {
	sch := compileSchema(t)
	samples := map[string][]byte{}
	for _, name := range []string{"tier1-dev.json", "tier2-automation.json", "tier3-gpu.json", "tier3-gpu-async.json"} {
		samples[name] = readFile(t, filepath.Join(eventsDir, name))
	}

	var event struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(eventsDir, "deployment-requested.json")), &event); err != nil {
		t.Fatal(err)
	}
	// The bus's own progress events use source "geusemaker"; a request
	// event must not, or the rule would match progress events too.
	if event.Source == "geusemaker" || !strings.HasPrefix(event.Source, "geusemaker.") || event.DetailType != "Deployment Requested" {
		t.Errorf("event source %q, detail-type %q", event.Source, event.DetailType)
	}
	samples["deployment-requested.json#detail"] = event.Detail

	parsed := map[string]Request{}
	for name, data := range samples {
		t.Run(name, func(t *testing.T) {
			if err := schemaValidate(t, sch, data); err != nil {
				t.Errorf("schema: %v", err)
			}
			r, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			parsed[name] = r
		})
	}

	want := map[string]struct {
		tier      Tier
		alb, cdn  bool
		wait      bool
		typ       string
		fallbacks []string
	}{
		"tier1-dev.json":                   {TierDev, false, false, true, "t3.medium", nil},
		"tier2-automation.json":            {TierAutomation, true, false, true, "t3.large", nil},
		"tier3-gpu.json":                   {TierGPU, true, true, true, "g4dn.xlarge", []string{"g5.xlarge", "g6.xlarge"}},
		"tier3-gpu-async.json":             {TierGPU, true, true, false, "g4dn.xlarge", []string{"g5.xlarge", "g6.xlarge"}},
		"deployment-requested.json#detail": {TierAutomation, true, false, true, "t3.large", nil},
	}
	for name, w := range want {
		r := parsed[name]
		if r.Tier != w.tier || r.EnableALB != w.alb || r.EnableCDN != w.cdn || r.WaitForCloudFront != w.wait ||
			r.InstanceType != w.typ || !slices.Equal(r.GPUInstanceFallbacks, w.fallbacks) || r.CloudFrontTimeoutMinutes != 30 {
			t.Errorf("%s parsed to %+v", name, r)
		}
	}
}

// TestBadCorpusRejectedBySchemaAndGo: each testdata/bad/<field>--<what>.json
// must fail the schema, and fail Parse with a problem on <field> ("_root_"
// for the request as a whole), so it is rejected for the intended reason.
func TestBadCorpusRejectedBySchemaAndGo(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob("testdata/bad/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("bad corpus has %d files, want at least 40", len(files))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			field, _, ok := strings.Cut(strings.TrimSuffix(name, ".json"), "--")
			if !ok {
				t.Fatalf("name %q is not <field>--<what>.json", name)
			}
			if field == "_root_" {
				field = ""
			}
			data := readFile(t, path)

			schemaErr := schemaValidate(t, sch, data)
			if reason, goOnly := goOnlyRules[name]; goOnly {
				if schemaErr != nil {
					t.Errorf("listed as Go-only (%s) but the schema rejects it too; unlist it", reason)
				}
			} else if schemaErr == nil {
				t.Error("schema accepts it")
			}

			_, err := Parse(data)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse = %v, want a *ValidationError", err)
			}
			for _, p := range ve.Problems {
				if topField(p.Field) == field {
					return
				}
			}
			t.Errorf("Parse problems %+v name no %q", ve.Problems, field)
		})
	}
}

func TestGoodCorpusAcceptedBySchemaAndGo(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob("testdata/good/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("good corpus has %d files, want at least 10", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data := readFile(t, path)
			if err := schemaValidate(t, sch, data); err != nil {
				t.Errorf("schema: %v", err)
			}
			r, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			// The normalized request is still valid under the schema.
			if err := schemaValidate(t, sch, mustMarshal(t, r)); err != nil {
				t.Errorf("schema rejects the normalized request: %v", err)
			}
		})
	}
}

// TestSchemaSharesGoRules keeps the schema's patterns and limits identical
// to the ones Parse applies.
func TestSchemaSharesGoRules(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(readFile(t, schemaFile), &s); err != nil {
		t.Fatal(err)
	}
	at := func(path ...string) any {
		var v any = s
		for _, p := range path {
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("schema has no %v", path)
			}
			v = m[p]
		}
		return v
	}
	prop := func(path ...string) any { return at(append([]string{"properties"}, path...)...) }
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"deployment_id pattern", prop("deployment_id", "pattern"), deploymentIDPattern},
		{"deployment_id maxLength", prop("deployment_id", "maxLength"), float64(MaxDeploymentIDLength)},
		{"deployment_id internal-", prop("deployment_id", "not", "pattern"), albReservedPrefixPattern},
		{"tier enum", prop("tier", "enum"), []any{string(TierDev), string(TierAutomation), string(TierGPU)}},
		{"tier default", prop("tier", "default"), string(DefaultTier)},
		{"region pattern", prop("region", "pattern"), regionPattern},
		{"region default", prop("region", "default"), DefaultRegion},
		{"instance type pattern", at("$defs", "instanceType", "pattern"), instanceTypePattern},
		{"retired GPU pattern", at("$defs", "instanceType", "not", "pattern"), retiredGPUPattern},
		{"GPU pattern", at("$defs", "gpuInstanceType", "pattern"), gpuInstanceTypePattern},
		{"os enum", prop("os_type", "enum"), []any{string(OSAmazonLinux2023), string(OSUbuntu2204), string(OSUbuntu2404)}},
		{"os default", prop("os_type", "default"), string(DefaultOSType)},
		{"ami pattern", prop("ami_id", "pattern"), amiIDPattern},
		{"vpc pattern", prop("vpc_id", "pattern"), vpcIDPattern},
		{"subnet pattern", prop("subnet_ids", "items", "pattern"), subnetIDPattern},
		{"sg pattern", prop("security_group_id", "pattern"), securityGroupIDPattern},
		{"efs pattern", prop("efs_id", "pattern"), efsIDPattern},
		{"keypair pattern", prop("keypair_name", "pattern"), keyPairNamePattern},
		{"keypair maxLength", prop("keypair_name", "maxLength"), float64(MaxKeyPairNameLength)},
		{"ssh pattern", prop("ssh_cidr", "pattern"), ipv4CIDRPattern},
		{"timeout minimum", prop("cloudfront_timeout_minutes", "minimum"), float64(MinCloudFrontTimeoutMinutes)},
		{"timeout maximum", prop("cloudfront_timeout_minutes", "maximum"), float64(MaxCloudFrontTimeoutMinutes)},
		{"timeout default", prop("cloudfront_timeout_minutes", "default"), float64(DefaultCloudFrontTimeoutMinutes)},
		{"fallbacks maxItems", prop("gpu_instance_fallbacks", "maxItems"), float64(MaxGPUInstanceFallbacks)},
		{"tags maxProperties", prop("tags", "maxProperties"), float64(MaxUserTags)},
		{"tag key maxLength", prop("tags", "propertyNames", "maxLength"), float64(MaxTagKeyLength)},
		{"tag value maxLength", prop("tags", "additionalProperties", "maxLength"), float64(MaxTagValueLength)},
		{"aws: prefix", at("properties", "tags", "propertyNames", "not", "anyOf").([]any)[0].(map[string]any)["pattern"], awsTagPrefixPattern},
		{"reserved prefix", at("properties", "tags", "propertyNames", "not", "anyOf").([]any)[1].(map[string]any)["pattern"], "^" + ReservedTagPrefix},
		{"ManagedBy", at("properties", "tags", "propertyNames", "not", "anyOf").([]any)[2].(map[string]any)["const"], TagManagedBy},
		{"unknown fields", at("additionalProperties"), false},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: schema has %#v, Go has %#v", tc.name, tc.got, tc.want)
		}
	}

	// The schema names exactly the fields the Go request has.
	var schemaFields []string
	for k := range at("properties").(map[string]any) {
		schemaFields = append(schemaFields, k)
	}
	var goFields []string
	typ := reflect.TypeOf(Request{})
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		goFields = append(goFields, name)
	}
	slices.Sort(schemaFields)
	slices.Sort(goFields)
	if !slices.Equal(schemaFields, goFields) {
		t.Errorf("schema fields %q\n     Go fields %q", schemaFields, goFields)
	}
}
