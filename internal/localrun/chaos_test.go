package localrun_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
)

// chaosSeeds is how many seeded runs TestChaos makes: a few in make test,
// GEUSEMAKER_CHAOS_SEEDS of them when set (make bench sets 200).
func chaosSeeds(t *testing.T) int {
	n := 12
	if s := os.Getenv("GEUSEMAKER_CHAOS_SEEDS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err, "GEUSEMAKER_CHAOS_SEEDS")
	}
	return n
}

// chaosCodes are what a fault answers: a refusal, a server error, a lost
// reply and a throttling storm; each run draws its own mix.
var chaosCodes = []string{"UnauthorizedOperation", "InternalError", account.LostReply, "throttle"}

// TestChaos deploys, for each seed, a tier with a random mix of faults on
// the operations deployments call (any code above, at any call, once or a
// few times) and random latencies, on the seed's consistency windows. Every
// run ends succeeded, and then destroys to an empty account, or failed with
// a named error after a rollback that left nothing: never a leak.
func TestChaos(t *testing.T) {
	ops := opsOf(t)
	files := []string{"tier1-dev.json", "tier2-automation.json", "tier3-gpu.json"}
	latencies := sim.Latencies()
	var outcomes []string
	for seed := range uint64(chaosSeeds(t)) {
		rng := rand.New(rand.NewPCG(seed, 0x9e3779b9))
		file := files[rng.IntN(len(files))]
		opts := []account.Option{account.WithSeed(seed)}
		var plan []string
		for range rng.IntN(4) {
			op := ops[rng.IntN(len(ops))]
			code := chaosCodes[rng.IntN(len(chaosCodes))]
			f := account.Fault{Service: op.Service, Operation: op.Operation, Code: code, Skip: rng.IntN(max(op.Times, 1)), Times: 1 + rng.IntN(3)}
			if code == "throttle" {
				f.Code, f.Times = throttleCode(op.Service), 2+rng.IntN(6)
			}
			if code == "InternalError" {
				f.Status = 500
			}
			opts = append(opts, account.WithFault(f))
			plan = append(plan, fmt.Sprintf("%s:%s:%s×%d@%d", f.Service, f.Operation, f.Code, f.Times, f.Skip))
		}
		for _, name := range slices.Sorted(maps.Keys(latencies)) {
			if rng.IntN(4) == 0 && !strings.HasSuffix(name, "_visible") {
				d := time.Duration(float64(latencies[name]) * (0.5 + 2*rng.Float64())).Round(time.Second)
				opts = append(opts, account.WithLatency(name, d))
				plan = append(plan, fmt.Sprintf("%s=%s", name, d))
			}
		}
		t.Run(fmt.Sprintf("seed %d %s", seed, file), func(t *testing.T) {
			t.Logf("plan: %s", strings.Join(plan, ", "))
			r := simulate(t, file, opts...)
			x := r.do(t, localrun.Deploy)
			if x.Status == engine.StatusSucceeded {
				r.sim.Cloud.ClearFaults()
				d := r.do(t, localrun.Destroy)
				require.Equal(t, engine.StatusSucceeded, d.Status, "%s: %s", d.Error, d.Cause)
				requireEmptyAccount(t, r)
				outcomes = append(outcomes, "succeeded")
				return
			}
			require.False(t, strings.HasPrefix(x.Error, "States."), "a named error, not %s", x.Error)
			r.sim.Cloud.ClearFaults()
			if left := r.sim.Leftovers(); len(left) > 0 {
				// A fault that also hit the rollback: the report must say
				// which deletion failed, and a destroy must finish the job.
				var cause struct {
					Rollback map[string]map[string]any `json:"rollback"`
				}
				require.NoError(t, json.Unmarshal([]byte(x.Cause), &cause), x.Cause)
				var unfinished []string
				for key, entry := range cause.Rollback {
					if _, ok := entry["Error"]; ok {
						unfinished = append(unfinished, key)
					}
				}
				require.NotEmpty(t, unfinished, "resources are left %v but the rollback report says everything was deleted: %s", left, x.Cause)
				d := r.do(t, localrun.Destroy)
				require.Equal(t, engine.StatusSucceeded, d.Status, "%s: %s", d.Error, d.Cause)
				x.Error += " (rollback left " + strings.Join(unfinished, ", ") + "; destroy finished)"
			}
			requireEmptyAccount(t, r)
			outcomes = append(outcomes, x.Error)
		})
	}
	t.Logf("outcomes: %v", outcomes)
}
