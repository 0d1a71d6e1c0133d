package localrun_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
)

// reads tells whether an operation only reads.
func reads(op string) bool {
	return strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List")
}

// census counts the account's live resources by service and type.
func census(r *run) map[string]int {
	out := map[string]int{}
	for _, res := range r.sim.Leftovers() {
		out[res.Service+" "+res.Type]++
	}
	return out
}

// TestLostRepliesCreateNothingTwice loses the reply of every operation a
// Tier 3 deployment calls, after AWS applied it. Once: the SDK's retry
// meets what the first call did, and idempotency tokens and look-ups must
// make the deployment end with exactly the resources of a clean one.
// Always (beyond the SDK's three attempts): the step fails with the call
// applied and its result unknown, and the rollback must still find and
// delete everything (or, if the step could tolerate it, the destroy).
func TestLostRepliesCreateNothingTwice(t *testing.T) {
	clean := simulate(t, "tier3-gpu.json")
	require.Equal(t, engine.StatusSucceeded, clean.do(t, localrun.Deploy).Status)
	want := census(clean)
	for _, op := range opsOf(t) {
		if op.Service == "HTTP" {
			continue // plain HTTP: the smoke test retries its GETs
		}
		name := op.Service + ":" + op.Operation
		t.Run(name+"/once", func(t *testing.T) {
			f := account.Fault{Service: op.Service, Operation: op.Operation, Code: account.LostReply, Times: 1}
			r := simulate(t, "tier3-gpu.json", account.WithFault(f))
			x := r.do(t, localrun.Deploy)
			require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
			assert.Equal(t, want, census(r), "nothing made twice")
			require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Destroy).Status)
			requireEmptyAccount(t, r)
		})
		if reads(op.Operation) || op.Service == "EventBridge" {
			// Always losing a read (or the workflow's own publishes) is an
			// API that never answers: the rollback could not look either.
			continue
		}
		t.Run(name+"/always", func(t *testing.T) {
			f := account.Fault{Service: op.Service, Operation: op.Operation, Code: account.LostReply}
			r := simulate(t, "tier3-gpu.json", account.WithFault(f))
			x := r.do(t, localrun.Deploy)
			if x.Status == engine.StatusSucceeded {
				r.sim.Cloud.ClearFaults()
				x = r.do(t, localrun.Destroy)
				require.Equal(t, engine.StatusSucceeded, x.Status, fmt.Sprintf("%s: %s", x.Error, x.Cause))
				requireEmptyAccount(t, r)
				return
			}
			r.sim.Cloud.ClearFaults()
			failed(t, r, "")
		})
	}
}
