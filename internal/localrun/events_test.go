package localrun_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
)

var updateSamples = flag.Bool("update-samples", false, "rewrite events/bus/*.json from the published events")

// busSchema compiles events/bus.schema.json.
func busSchema(t *testing.T) *jsonschema.Compiler {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "events", "bus.schema.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	require.NoError(t, c.AddResource("bus.schema.json", doc))
	return c
}

// kebab is a detail type's definition name: "Deployment Progress" is
// "deployment-progress".
func kebab(detailType string) string {
	return strings.ToLower(strings.ReplaceAll(detailType, " ", "-"))
}

func validateDetail(t *testing.T, c *jsonschema.Compiler, detailType string, detail []byte) error {
	t.Helper()
	sch, err := c.Compile("bus.schema.json#/$defs/" + kebab(detailType))
	require.NoError(t, err, "no definition of %q in events/bus.schema.json", detailType)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(detail))
	require.NoError(t, err)
	return sch.Validate(inst)
}

// TestEveryPublishedEventMatchesItsSchema runs workflows that publish
// every detail type (a deployment and its destroy, an asynchronous
// CloudFront that deploys and one that does not, a rollback that
// completes and one that does not, a destroy that does not, a failed
// preflight) and validates each event against events/bus.schema.json, and
// the samples in events/bus/ too.
func TestEveryPublishedEventMatchesItsSchema(t *testing.T) {
	c := busSchema(t)
	var runs []*run
	deploy := func(file string, destroy bool, opts ...account.Option) {
		r := simulate(t, file, opts...)
		r.do(t, localrun.Deploy)
		if destroy {
			r.do(t, localrun.Destroy)
		}
		runs = append(runs, r)
	}
	deploy("tier3-gpu.json", true)
	deploy("tier3-gpu-async.json", false)
	deploy("tier3-gpu-async.json", false, account.WithLatency("cloudfront.deploy", 2*time.Hour))
	deploy("tier2-automation.json", false, account.WithFault(account.Fault{Service: "Elastic Load Balancing v2", Operation: "RegisterTargets", Code: "AccessDenied"}))
	deploy("tier3-gpu.json", true,
		account.WithFault(account.Fault{Service: "CloudFront", Operation: "CreateDistributionWithTags", Code: "TooManyDistributions", Times: 1}),
		account.WithFault(account.Fault{Service: "Elastic Load Balancing v2", Operation: "DeleteLoadBalancer", Code: "AccessDenied"}))
	deploy("tier1-dev.json", false, account.WithFault(account.Fault{Service: "Service Quotas", Code: "AccessDeniedException"}),
		account.WithFault(account.Fault{Service: "EC2", Operation: "DescribeVpcs", Code: "InvalidParameterValue"}))

	last := map[string]localrun.Event{}
	for _, r := range runs {
		for _, e := range r.sim.Events() {
			assert.Equal(t, contract.EventSource, e.Source)
			assert.NoError(t, validateDetail(t, c, e.DetailType, e.Detail), "%s: %s", e.DetailType, e.Detail)
			last[e.DetailType] = e
		}
	}
	for _, dt := range contract.Published() {
		assert.Contains(t, last, dt, "no run published %q: the schema is untested for it", dt)
	}

	dir := filepath.Join("..", "..", "events", "bus")
	if *updateSamples {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for dt, e := range last {
			envelope := map[string]any{
				"version": "0", "id": "00000000-0000-4000-8000-000000000000", "detail-type": dt, "source": e.Source,
				"account": account.AccountID, "time": e.Time.UTC().Format(time.RFC3339), "region": "us-west-2", "resources": []string{},
				"detail": e.Detail,
			}
			raw, err := json.MarshalIndent(envelope, "", "  ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, kebab(dt)+".json"), append(raw, '\n'), 0o644))
		}
	}
	for _, dt := range contract.Published() {
		raw, err := os.ReadFile(filepath.Join(dir, kebab(dt)+".json"))
		require.NoError(t, err, "events/bus/ has no sample of %q (go test ./internal/localrun -run TestEveryPublishedEventMatchesItsSchema -update-samples)", dt)
		var sample struct {
			DetailType string          `json:"detail-type"`
			Source     string          `json:"source"`
			Detail     json.RawMessage `json:"detail"`
		}
		require.NoError(t, json.Unmarshal(raw, &sample))
		assert.Equal(t, dt, sample.DetailType)
		assert.Equal(t, contract.EventSource, sample.Source)
		assert.NoError(t, validateDetail(t, c, dt, sample.Detail), "the sample of %q", dt)
	}
}

// The schema is strict: what the workflows would publish by mistake fails
// it.
func TestTheBusSchemaRefusesWhatIsNotPublished(t *testing.T) {
	c := busSchema(t)
	progress := `{"deployment_id":"d","tier":"dev","stage":"network","message":"m","percent":10}`
	require.NoError(t, validateDetail(t, c, contract.DetailProgress, []byte(progress)))
	entry := `{"status":"deleted","deleted":[],"already_gone":[],"never_created":[],"kept":[]}`
	left := `{"status":"left behind","deleted":[],"already_gone":[],"never_created":[],"kept":[]}`
	report := func(e string) string {
		var parts []string
		for _, k := range contract.ReportKeys() {
			parts = append(parts, `"`+k+`":`+e)
		}
		return `{"deployment_id":"d","stage":"destroy","message":"m","percent":100,"rollback":{` + strings.Join(parts, ",") + `}}`
	}
	require.NoError(t, validateDetail(t, c, contract.DetailDestroyCompleted, []byte(report(entry))))
	for name, bad := range map[string]struct{ detailType, detail string }{
		"an unknown field":         {contract.DetailProgress, `{"deployment_id":"d","tier":"dev","stage":"network","message":"m","percent":10,"extra":1}`},
		"a percent over 100":       {contract.DetailProgress, `{"deployment_id":"d","tier":"dev","stage":"network","message":"m","percent":101}`},
		"an unknown stage":         {contract.DetailProgress, `{"deployment_id":"d","tier":"dev","stage":"dns","message":"m","percent":10}`},
		"no deployment id":         {contract.DetailProgress, `{"tier":"dev","stage":"network","message":"m","percent":10}`},
		"left behind without why":  {contract.DetailDestroyIncomplete, report(left)},
		"a report without network": {contract.DetailDestroyCompleted, strings.Replace(report(entry), `"network":`+entry, `"other":`+entry, 1)},
	} {
		assert.Error(t, validateDetail(t, c, bad.detailType, []byte(bad.detail)), name)
	}
}
