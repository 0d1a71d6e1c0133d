package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// fullDocument sets every field of the document, so the golden file shows
// the complete wire shape.
func fullDocument(t *testing.T) Document {
	t.Helper()
	req := mustParse(t, `{
		"deployment_id": "geuse-gpu",
		"tier": "gpu",
		"region": "us-west-2",
		"gpu_instance_fallbacks": ["g5.xlarge", "g6.xlarge"],
		"vpc_id": "vpc-0a1b2c3d4e5f60718",
		"subnet_ids": ["subnet-0a1b2c3d4e5f60718", "subnet-1b2c3d4e5f6071829"],
		"tags": {"Owner": "platform-team"}
	}`)
	enabled := false
	started := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	l := Ledger{
		VPCID:             "vpc-0a1b2c3d4e5f60718",
		SubnetIDs:         []string{"subnet-0a1b2c3d4e5f60718", "subnet-1b2c3d4e5f6071829"},
		InternetGatewayID: "igw-0a1b2c3d4e5f60718",
		RouteTableID:      "rtb-0a1b2c3d4e5f60718",
		SecurityGroupIDs: map[string]string{
			SGRoleALB:      "sg-0aaaaaaaaaaaaaaa1",
			SGRoleInstance: "sg-0aaaaaaaaaaaaaaa2",
			SGRoleEFS:      "sg-0aaaaaaaaaaaaaaa3",
		},
		EFSID:               "fs-0a1b2c3d4e5f60718",
		MountTargetIDs:      []string{"fsmt-0a1b2c3d4e5f60718", "fsmt-1b2c3d4e5f6071829"},
		IAMRoleName:         req.RoleName(),
		InstanceProfileName: req.InstanceProfileName(),
		InstanceID:          "i-0a1b2c3d4e5f60718",
		InstanceType:        "g5.xlarge",
		AvailabilityZone:    "us-west-2b",
		AMIID:               "ami-0a1b2c3d4e5f60718",
		PublicIP:            "198.51.100.23",
		ALBARN:              "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/geuse-gpu-alb/50dc6c495c0c9188",
		ALBDNS:              "geuse-gpu-alb-1234567890.us-west-2.elb.amazonaws.com",
		TargetGroupARN:      "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/geuse-gpu-tg/73e2d6bc24d8a067",
		ListenerARN:         "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/geuse-gpu-alb/50dc6c495c0c9188/f2f7dc8efc522ab2",
		ListenerRuleARN:     "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener-rule/app/geuse-gpu-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
		CloudFrontID:        "E2QWRUHAPOMQZL",
		CloudFrontARN:       "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL",
		CloudFrontDomain:    "d111111abcdef8.cloudfront.net",
		N8NURL:              "https://d111111abcdef8.cloudfront.net",
	}
	// The request names the VPC: the user's (account_defaults, for the
	// default VPC, has its own test).
	l.MarkSupplied(KeyVPCID)
	l.MarkSupplied(KeySubnetIDs)
	return Document{
		Request:   req,
		Resources: l,
		Status: map[string]Poll{
			contract.StatusEFS:        {Status: "available", Done: true, Percent: 100, NextPollSeconds: 5},
			contract.StatusCloudFront: {Status: "InProgress", Percent: 62, NextPollSeconds: 20, Detail: "Waiting for CloudFront deployment...", Enabled: &enabled},
		},
		Deadlines: map[string]string{
			contract.StatusCloudFront: Timestamp(started.Add(30 * time.Minute)),
		},
		Timings: map[string]Timing{
			StageValidate: {StartedAt: Timestamp(started), EndedAt: Timestamp(started.Add(time.Second))},
			StageCDN:      {StartedAt: Timestamp(started.Add(4 * time.Minute))},
		},
		Progress: &Progress{
			Stage:            StageCDN,
			Message:          "Waiting for CloudFront deployment...",
			Percent:          80,
			StagePercent:     62,
			ResourceID:       "E2QWRUHAPOMQZL",
			CloudFrontDomain: "d111111abcdef8.cloudfront.net",
		},
		Error: &Failure{
			Error: "Timeout",
			Cause: `{"message":"distribution E2QWRUHAPOMQZL not Deployed after 30 minutes","step":"cloudfront-status","remediation":"Run destroy, then deploy again"}`,
		},
		// Its rollback, under way: the CloudFront family's record, and the
		// report's entry of a family done before.
		Removal: &Removal{Status: RemovalDeleted, Deleted: []string{"CloudFront distribution E2QWRUHAPOMQZL"},
			AlreadyGone: []string{}, NeverCreated: []string{}, Kept: []string{}},
		Rollback: map[string]RollbackEntry{
			"network": {Removal: Removal{Status: RemovalKept, Deleted: []string{}, AlreadyGone: []string{},
				NeverCreated: []string{"route table"}, Kept: []string{"VPC vpc-0a1b2c3d4e5f60718 (yours)"}}},
			"load_balancer": {Removal: Removal{Status: RemovalLeftBehind, Deleted: []string{"listener arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/geuse-gpu-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"},
				AlreadyGone: []string{}, NeverCreated: []string{}, Kept: []string{}},
				Error: "LoadBalancerFailed", Cause: `{"message":"delete load balancer: access denied"}`},
		},
	}
}

func TestDocumentJSONRoundTripIsStable(t *testing.T) {
	doc := fullDocument(t)
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "document.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("document JSON drifted from %s (go test -update after a deliberate change):\n%s", golden, got)
	}

	var back Document
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, doc) {
		t.Fatalf("decoded document differs:\n got %+v\nwant %+v", back, doc)
	}
	again, _ := json.MarshalIndent(back, "", "  ")
	if !bytes.Equal(append(again, '\n'), want) {
		t.Fatal("re-marshalled document differs from the golden file")
	}
	// The request inside the document is itself a valid request.
	if _, err := Parse(mustMarshal(t, back.Request)); err != nil {
		t.Fatalf("request in document does not re-parse: %v", err)
	}
}

func TestDocumentOmitsEmptyParts(t *testing.T) {
	got := string(mustMarshal(t, Document{}))
	for _, absent := range []string{"status", "deadlines", "timings", "progress", "error", "vpc_id", "supplied"} {
		if bytes.Contains([]byte(got), []byte(`"`+absent+`"`)) {
			t.Errorf("empty document has %q: %s", absent, got)
		}
	}
	// Choice rules read these, so they are present even when false or zero.
	poll := string(mustMarshal(t, Poll{}))
	if poll != `{"done":false,"failed":false,"next_poll_seconds":0,"timed_out":false}` {
		t.Errorf("zero Poll = %s", poll)
	}
	fail := string(mustMarshal(t, Failure{Error: "States.Timeout", Cause: "x"}))
	if fail != `{"Error":"States.Timeout","Cause":"x"}` {
		t.Errorf("Failure = %s", fail)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The default VPC is never deleted, like a supplied one, but it is the
// account's, not the user's: the ledger says which.
func TestLedgerTellsTheAccountsDefaultsFromTheUsers(t *testing.T) {
	var l Ledger
	l.VPCID, l.SubnetIDs, l.EFSID = "vpc-1", []string{"subnet-1"}, "fs-1"
	l.MarkDefault(KeyVPCID)
	l.MarkDefault(KeySubnetIDs)
	l.MarkDefault(KeyVPCID)
	l.MarkSupplied(KeyEFSID)
	assert.Equal(t, []string{KeyVPCID, KeySubnetIDs}, l.DefaultKeys)
	assert.Equal(t, []string{KeyEFSID}, l.SuppliedKeys)
	for _, key := range []string{KeyVPCID, KeySubnetIDs, KeyEFSID} {
		assert.True(t, l.Supplied(key), "%s is never deleted", key)
		assert.False(t, l.Created(key), key)
	}
	assert.True(t, l.Default(KeyVPCID))
	assert.False(t, l.Default(KeyEFSID), "the user's, not the account's")
	raw, err := json.Marshal(l)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"supplied":["efs_id"],"account_defaults":["vpc_id","subnet_ids"]`)
}

func TestLedgerCreatedAndSupplied(t *testing.T) {
	l := fullDocument(t).Resources
	l.MarkSupplied(KeyVPCID) // again: recorded once
	l.MarkSupplied(SecurityGroupKey(SGRoleInstance))
	if !slices.Equal(l.SuppliedKeys, []string{KeyVPCID, KeySubnetIDs, "security_group_ids.instance"}) {
		t.Fatalf("SuppliedKeys = %q", l.SuppliedKeys)
	}

	tests := []struct {
		key                    string
		has, supplied, created bool
	}{
		{KeyVPCID, true, true, false},
		{KeySubnetIDs, true, true, false},
		{KeyInternetGatewayID, true, false, true},
		{KeyRouteTableID, true, false, true},
		{KeySecurityGroupIDs, true, false, true},
		{SecurityGroupKey(SGRoleInstance), true, true, false},
		{SecurityGroupKey(SGRoleALB), true, false, true},
		{SecurityGroupKey("unknown"), false, false, false},
		{KeyEFSID, true, false, true},
		{KeyMountTargetIDs, true, false, true},
		{KeyIAMRoleName, true, false, true},
		{KeyInstanceProfileName, true, false, true},
		{KeyInstanceID, true, false, true},
		{KeyInstanceType, true, false, true},
		{KeyAvailabilityZone, true, false, true},
		{KeyAMIID, true, false, true},
		{KeyPublicIP, true, false, true},
		{KeyALBARN, true, false, true},
		{KeyALBDNS, true, false, true},
		{KeyTargetGroupARN, true, false, true},
		{KeyListenerARN, true, false, true},
		{KeyListenerRuleARN, true, false, true},
		{KeyCloudFrontID, true, false, true},
		{KeyCloudFrontARN, true, false, true},
		{KeyCloudFrontDomain, true, false, true},
		{KeyN8NURL, true, false, true},
		{"no_such_key", false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			if got := l.Has(tc.key); got != tc.has {
				t.Errorf("Has = %v, want %v", got, tc.has)
			}
			if got := l.Supplied(tc.key); got != tc.supplied {
				t.Errorf("Supplied = %v, want %v", got, tc.supplied)
			}
			if got := l.Created(tc.key); got != tc.created {
				t.Errorf("Created = %v, want %v", got, tc.created)
			}
		})
	}

	// Every key of an empty ledger is absent, so nothing counts as created.
	var empty Ledger
	for _, tc := range tests {
		if empty.Has(tc.key) || empty.Created(tc.key) {
			t.Errorf("empty ledger has %s", tc.key)
		}
	}

	// Supplying the whole map covers each group in it.
	var whole Ledger
	whole.SecurityGroupIDs = map[string]string{SGRoleEFS: "sg-0aaaaaaaaaaaaaaa3"}
	whole.MarkSupplied(KeySecurityGroupIDs)
	if whole.Created(SecurityGroupKey(SGRoleEFS)) || !whole.Supplied(SecurityGroupKey(SGRoleEFS)) {
		t.Error("a group of a supplied security_group_ids counts as created")
	}
}

func TestLedgerKeysMatchJSONNames(t *testing.T) {
	var l Ledger
	typ := reflect.TypeOf(l)
	for i := range typ.NumField() {
		name, _, _ := bytes.Cut([]byte(typ.Field(i).Tag.Get("json")), []byte(","))
		if string(name) == "supplied" || string(name) == "account_defaults" {
			continue
		}
		// Set the field, then check Has finds it under its JSON name.
		v := reflect.ValueOf(&l).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Slice:
			v.Set(reflect.ValueOf([]string{"x"}))
		case reflect.Map:
			v.Set(reflect.ValueOf(map[string]string{"r": "x"}))
		}
		if !l.Has(string(name)) {
			t.Errorf("Has(%q) = false for a set field", name)
		}
	}
}

func TestFailureDecodeCause(t *testing.T) {
	tests := []struct {
		name    string
		cause   string
		want    Cause
		wantErr bool
	}{
		{
			name:  "step cause",
			cause: `{"message":"create distribution: access denied","step":"cloudfront-create","aws_error_code":"AccessDenied","aws_request_id":"abc-123","remediation":"Grant cloudfront:CreateDistribution"}`,
			want:  Cause{Message: "create distribution: access denied", Step: "cloudfront-create", AWSErrorCode: "AccessDenied", AWSRequestID: "abc-123", Remediation: "Grant cloudfront:CreateDistribution"},
		},
		{
			name:  "lambda runtime error",
			cause: `{"errorMessage":"boom","errorType":"errorString"}`,
			want:  Cause{Message: "boom"},
		},
		{
			name:    "Step Functions plain text",
			cause:   "State timed out.",
			want:    Cause{Message: "State timed out."},
			wantErr: true,
		},
		{
			name:    "JSON without known fields",
			cause:   `{"other":1}`,
			want:    Cause{Message: `{"other":1}`},
			wantErr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Failure{Error: "X", Cause: tc.cause}.DecodeCause()
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("DecodeCause() = %+v, %v; want %+v, err=%v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestTimestampIsASLCompatibleUTC(t *testing.T) {
	local := time.Date(2026, 3, 2, 10, 30, 0, 123, time.FixedZone("CET", 3600))
	s := Timestamp(local)
	if s != "2026-03-02T09:30:00Z" {
		t.Fatalf("Timestamp = %q", s)
	}
	back, err := ParseTimestamp(s)
	if err != nil || !back.Equal(local.Truncate(time.Second)) {
		t.Fatalf("ParseTimestamp = %v, %v", back, err)
	}
}

func TestStagesAreDistinctAndOrdered(t *testing.T) {
	s := Stages()
	if len(s) != 16 || s[0] != StageValidate || s[len(s)-1] != StageDestroy {
		t.Fatalf("Stages() = %q", s)
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(s) {
		t.Fatalf("duplicate stages in %q", s)
	}
}

func TestFailureDecodeCauseUnwrapsAStepCauseFromALambdaError(t *testing.T) {
	step := `{"message":"limit reached","step":"cloudfront","aws_error_code":"TooManyDistributions","remediation":"ask for a quota increase"}`
	wrapped, err := json.Marshal(map[string]string{"errorType": "CloudFrontCreateFailed", "errorMessage": step})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Failure{Error: "CloudFrontCreateFailed", Cause: string(wrapped)}.DecodeCause()
	if err != nil {
		t.Fatalf("DecodeCause: %v", err)
	}
	want := Cause{Message: "limit reached", Step: "cloudfront", AWSErrorCode: "TooManyDistributions", Remediation: "ask for a quota increase"}
	if c != want {
		t.Fatalf("DecodeCause() = %+v, want %+v", c, want)
	}
}

func TestDecodingADocumentValidatesItsRequest(t *testing.T) {
	var doc Document
	err := json.Unmarshal([]byte(`{"request":{"deployment_id":"demo","tier":"gpu","instance_type":"t3.medium"}}`), &doc)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("decode error = %v, want a ValidationError", err)
	}
	if err := json.Unmarshal([]byte(`{"request":{"deployment_id":"demo","tier":"gpu"}}`), &doc); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !doc.Request.EnableCDN || doc.Request.InstanceType != DefaultGPUInstanceType {
		t.Fatalf("defaults not filled: %+v", doc.Request)
	}
}

func TestHoldingTellsAnOwnerStillThereFromOneDeleted(t *testing.T) {
	left := func(deleted ...string) RollbackEntry {
		return RollbackEntry{Removal: Removal{Status: RemovalLeftBehind, Deleted: deleted}, Error: "LoadBalancerFailed"}
	}
	d := Document{Rollback: map[string]RollbackEntry{
		"load_balancer":   left("listener arn:1"),
		"instance":        left("EC2 instance i-1"),
		"security_groups": left(),
		"storage":         {Removal: Removal{Status: RemovalDeleted}},
	}}
	assert.True(t, d.Holding("load_balancer", "load balancer"), "left behind, the load balancer not deleted")
	assert.False(t, d.Holding("instance", "EC2 instance"), "left behind for its role: the instance is gone")
	assert.True(t, d.Holding("security_groups", ""), "any failure")
	assert.False(t, d.Holding("storage", "EFS mount target"), "not left behind")
	assert.False(t, d.Holding("network", ""), "no entry")
}
