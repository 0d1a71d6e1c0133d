package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"geusemaker/internal/document"
	"geusemaker/statemachine/definition"
)

// Tiers are the tiers the benchmark deploys.
var Tiers = []document.Tier{document.TierDev, document.TierAutomation, document.TierGPU}

// Options says what a suite runs.
type Options struct {
	// Profiles are the latency profiles (default: Profiles).
	Profiles []Profile
	// WallRuns is how many Tier 3 deployments the wall time is the median of.
	WallRuns int
	// Root is the module's root, for the Lambda sizes; "" skips them.
	Root string
}

// VariantRun is a workflow variant's results on the default profile.
type VariantRun struct {
	Variant
	Deploys, Rollbacks []*Result
	// WorstEvents is the variant's WorstCase for Tier 3.
	WorstEvents int
}

// Suite is every figure of one benchmark run.
type Suite struct {
	// Deploys are deploy-then-destroy runs, Rollbacks late-failure runs,
	// per profile and tier.
	Deploys, Rollbacks []*Result
	Variants           []VariantRun
	// WorstEvents bounds a Tier 3 Deploy execution's history (see WorstCase).
	WorstEvents int
	WorstLoops  []LoopBound
	// Walls are the local engine's wall times of Tier 3 deployments.
	Walls []time.Duration
	Sizes []LambdaSize
}

// RunSuite runs every scenario.
func RunSuite(ctx context.Context, o Options) (*Suite, error) {
	if o.Profiles == nil {
		o.Profiles = Profiles
	}
	committed := definition.All()
	s := &Suite{}
	var err error
	if s.Deploys, s.Rollbacks, err = measureAll(ctx, o.Profiles, committed, nil); err != nil {
		return nil, err
	}
	for _, v := range Variants {
		defs, err := v.apply(committed)
		if err != nil {
			return nil, err
		}
		vr := VariantRun{Variant: v}
		if vr.Deploys, vr.Rollbacks, err = measureAll(ctx, o.Profiles[:1], defs, defs); err != nil {
			return nil, fmt.Errorf("variant %s: %w", v.Name, err)
		}
		if vr.WorstEvents, _, err = worstOf(defs, vr.Deploys, vr.Rollbacks, o.Profiles[0]); err != nil {
			return nil, err
		}
		s.Variants = append(s.Variants, vr)
	}
	if s.WorstEvents, s.WorstLoops, err = worstOf(committed, s.Deploys, s.Rollbacks, o.Profiles[0]); err != nil {
		return nil, err
	}
	for range o.WallRuns {
		r, err := Measure(ctx, document.TierGPU, o.Profiles[0], KindDeploy, nil)
		if err != nil {
			return nil, err
		}
		s.Walls = append(s.Walls, r.Wall)
	}
	if o.Root != "" {
		if s.Sizes, err = LambdaSizes(ctx, o.Root); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// worstOf is the Tier 3 WorstCase of defs from the measured runs of p.
func worstOf(defs map[string][]byte, deploys, rollbacks []*Result, p Profile) (int, []LoopBound, error) {
	d, err := ParseDefinition(defs["deploy"])
	if err != nil {
		return 0, nil, err
	}
	worst, loops := WorstCase(d, document.TierGPU,
		find(deploys, p.Name, document.TierGPU).Run.Deploy, find(rollbacks, p.Name, document.TierGPU).Run.Deploy)
	return worst, loops, nil
}

// measureAll runs and analyzes both kinds for every profile and tier;
// defs nil runs the committed definitions, which analysis reads from
// parsed.
func measureAll(ctx context.Context, profiles []Profile, parsed, defs map[string][]byte) (deploys, rollbacks []*Result, err error) {
	deployDef, err := ParseDefinition(parsed["deploy"])
	if err != nil {
		return nil, nil, err
	}
	destroyDef, err := ParseDefinition(parsed["destroy"])
	if err != nil {
		return nil, nil, err
	}
	for _, kind := range []Kind{KindDeploy, KindRollback} {
		for _, p := range profiles {
			for _, tier := range Tiers {
				r, err := Measure(ctx, tier, p, kind, defs)
				if err != nil {
					return nil, nil, err
				}
				res, err := Analyze(r, deployDef, destroyDef)
				if err != nil {
					return nil, nil, err
				}
				if kind == KindDeploy {
					deploys = append(deploys, res)
				} else {
					rollbacks = append(rollbacks, res)
				}
			}
		}
	}
	return deploys, rollbacks, nil
}

// find is the result of profile and tier; every suite runs every tier of
// its profiles, so it is always there.
func find(rs []*Result, profile string, tier document.Tier) *Result {
	return rs[slices.IndexFunc(rs, func(r *Result) bool { return r.Profile.Name == profile && r.Tier == tier })]
}

// Median is the median of ds (the lower middle of an even count); 0 for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// Notices gathers each loop's notice delays over results.
func Notices(rs ...[]*Result) map[string][]time.Duration {
	out := map[string][]time.Duration{}
	for _, list := range rs {
		for _, r := range list {
			for k, d := range r.Notice {
				out[k] = append(out[k], d)
			}
		}
	}
	return out
}
