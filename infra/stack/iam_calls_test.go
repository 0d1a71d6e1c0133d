package stack

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
)

// iamPrefix maps the SDK's service ids to IAM's action prefixes.
var iamPrefix = map[string]string{
	"EC2":                       "ec2",
	"EFS":                       "elasticfilesystem",
	"IAM":                       "iam",
	"Elastic Load Balancing v2": "elasticloadbalancing",
	"CloudFront":                "cloudfront",
	"SSM":                       "ssm",
	"Service Quotas":            "servicequotas",
	"Secrets Manager":           "secretsmanager",
}

// allowedActions lists the actions each Lambda's policy grants.
func allowedActions(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for lambda, stmts := range policies(synthesized) {
		out[lambda] = map[string]bool{}
		for _, st := range stmts {
			raw, err := json.Marshal(st.ToStatementJson())
			require.NoError(t, err)
			var js struct{ Action any }
			require.NoError(t, json.Unmarshal(raw, &js))
			switch a := js.Action.(type) {
			case string:
				out[lambda][a] = true
			case []any:
				for _, x := range a {
					out[lambda][x.(string)] = true
				}
			}
		}
	}
	return out
}

// Every AWS call a step makes, in every tier, on success, rollback and
// destroy, is an action its Lambda's policy grants: the simulated AWS does
// not evaluate IAM, so this is what keeps a policy from missing an action
// the code needs on a real account.
func TestEveryCallOfAStepIsGrantedByItsLambdasPolicy(t *testing.T) {
	runs := []struct {
		file   string
		faults []account.Fault
	}{
		{"tier1-dev.json", nil},
		{"tier2-automation.json", nil},
		{"tier3-gpu.json", nil},
		{"tier3-gpu-async.json", nil},
		// A late failure exercises the rollback of everything.
		{"tier3-gpu.json", []account.Fault{{Service: "EC2", Operation: "DescribeInstances", Code: "UnauthorizedOperation", Skip: 12, Times: 1}}},
	}
	used := map[string]map[string]bool{}
	for _, run := range runs {
		raw, err := os.ReadFile(filepath.Join("..", "..", "events", run.file))
		require.NoError(t, err)
		req, err := document.Parse(raw)
		require.NoError(t, err)
		opts := []account.Option{}
		for _, f := range run.faults {
			opts = append(opts, account.WithFault(f))
		}
		s, err := localrun.Simulate(req.Region, localrun.Config{}, opts...)
		require.NoError(t, err)
		x, _, err := s.Run(context.Background(), localrun.Deploy, req.DeploymentID, raw)
		require.NoError(t, err)
		if run.faults == nil {
			require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
			x, _, err = s.Run(context.Background(), localrun.Destroy, req.DeploymentID+"-destroy", raw)
			require.NoError(t, err)
			require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
		}
		for _, c := range s.Cloud.Calls() {
			prefix, ok := iamPrefix[c.Service]
			if !ok || c.Principal == "" {
				continue // HTTP, or the state machine's own EventBridge calls
			}
			if used[c.Principal] == nil {
				used[c.Principal] = map[string]bool{}
			}
			used[c.Principal][prefix+":"+c.Operation] = true
		}
	}
	allowed := allowedActions(t)
	var missing []string
	for lambda, actions := range used {
		for action := range actions {
			if !allowed[lambda][action] {
				missing = append(missing, lambda+" needs "+action)
			}
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "actions the steps call but their Lambda's policy does not grant:\n%s", strings.Join(missing, "\n"))
	// Every Lambda but validate and finalize calls AWS (smoke reads the
	// API key it proves the routes with).
	assert.Len(t, used, len(contract.Lambdas())-2, "calls attributed to each Lambda that makes any")
}
