package localrun_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
)

// TestRedeployAfterDestroyCreatesNewResources deploys a deployment id,
// destroys it, lets EC2 forget the terminated instance (its ClientToken's
// reservation is still remembered, now empty) and deploys the same id
// again: the second run's idempotency tokens are its own, so it gets a new
// instance, file system and distribution instead of the old, deleted ones.
func TestRedeployAfterDestroyCreatesNewResources(t *testing.T) {
	for _, wait := range []time.Duration{time.Minute, 2 * time.Hour} {
		t.Run("redeploy after "+wait.String(), func(t *testing.T) {
			r := simulate(t, "tier3-gpu.json")
			step := func(wf localrun.Workflow, name string) document.Document {
				t.Helper()
				x, _, err := r.sim.Run(context.Background(), wf, name, r.raw)
				require.NoError(t, err)
				require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s: %s", name, x.Error, x.Cause)
				var doc document.Document
				require.NoError(t, json.Unmarshal(x.Output, &doc))
				return doc
			}

			first := step(localrun.Deploy, "deploy-1")
			require.NotEmpty(t, first.Run, "the validate step records the run")
			step(localrun.Destroy, "destroy-1")
			requireEmptyAccount(t, r)
			r.sim.Clock.Advance(wait)

			second := step(localrun.Deploy, "deploy-2")
			assert.NotEqual(t, first.Run, second.Run)
			for _, key := range []struct{ name, first, second string }{
				{document.KeyInstanceID, first.Resources.InstanceID, second.Resources.InstanceID},
				{document.KeyEFSID, first.Resources.EFSID, second.Resources.EFSID},
				{document.KeyCloudFrontID, first.Resources.CloudFrontID, second.Resources.CloudFrontID},
			} {
				assert.NotEmpty(t, key.second, key.name)
				assert.NotEqual(t, key.first, key.second, "%s: a new run creates a new resource", key.name)
			}
			alive := map[string]bool{}
			for _, res := range r.sim.Cloud.Inventory() {
				alive[res.ID] = true
			}
			for _, id := range []string{second.Resources.InstanceID, second.Resources.EFSID, second.Resources.CloudFrontID} {
				assert.True(t, alive[id], "%s is running", id)
			}

			step(localrun.Destroy, "destroy-2")
			requireEmptyAccount(t, r)
		})
	}
}
