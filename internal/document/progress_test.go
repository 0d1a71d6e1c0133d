package document

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var progressStart = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// deployStages are the stages a deployment reports before finalize, in
// every branch of its Parallel state.
var deployStages = []string{
	StageValidate, StagePreflight, StageNetwork, StageSecurity, StageStorage, StageIdentity,
	StageCompute, StageGPU, StageLoadBalancer, StageCDN, StageHealth, StageSmoke,
}

// startedDoc is a deployment of tier whose validate step ran at progressStart.
func startedDoc(tier Tier) *Document {
	return &Document{
		Request: Request{Tier: tier},
		Timings: map[string]Timing{StageValidate: {StartedAt: Timestamp(progressStart), EndedAt: Timestamp(progressStart)}},
	}
}

// sampleTimes covers the linear part, the expected duration and the long
// tail of every operation, every 10 s up to an hour.
func sampleTimes() []time.Duration {
	var out []time.Duration
	for d := time.Duration(0); d <= time.Hour; d += 10 * time.Second {
		out = append(out, d)
	}
	return out
}

func TestReportNeverDecreasesWhateverTheStageOrder(t *testing.T) {
	// Any stage may follow any other: the Parallel branches interleave
	// their events. A later report must never show a lower percent,
	// whichever stage reports, and none before finalize shows 100.
	for _, tier := range []Tier{TierDev, TierAutomation, TierGPU} {
		t.Run(string(tier), func(t *testing.T) {
			times := sampleTimes()
			percents := make([][]int, len(times)) // [time][stage]
			for i, at := range times {
				for _, stage := range deployStages {
					p := startedDoc(tier).Report(progressStart.Add(at), stage, "m", "")
					if p.Percent < 1 || p.Percent > 99 {
						t.Fatalf("%s at %v: percent %d outside [1, 99]", stage, at, p.Percent)
					}
					percents[i] = append(percents[i], p.Percent)
				}
			}
			for i := 1; i < len(times); i++ {
				lowest := slices.Min(percents[i])
				highestBefore := slices.Max(percents[i-1])
				if lowest < highestBefore {
					t.Fatalf("at %v a stage reports %d after %d at %v", times[i], lowest, highestBefore, times[i-1])
				}
			}
			if last := percents[len(percents)-1][0]; last <= percents[0][0] {
				t.Errorf("percent did not grow over an hour: %d → %d", percents[0][0], last)
			}
		})
	}
}

func TestReportGives100OnlyAtFinalize(t *testing.T) {
	for _, stage := range Stages() {
		for _, at := range []time.Duration{0, time.Minute, 9 * time.Minute, 24 * time.Hour} {
			d := startedDoc(TierGPU)
			got := d.Report(progressStart.Add(at), stage, "m", "").Percent
			if (got == 100) != (stage == StageFinalize) {
				t.Errorf("%s at %v: percent %d", stage, at, got)
			}
		}
	}
}

func TestReportAfterFinalizeStaysComplete(t *testing.T) {
	// The CloudFront watcher polls the finalized document: the deployment
	// is complete and must not fall back below 100.
	d := startedDoc(TierGPU)
	d.Timings[StageFinalize] = Timing{StartedAt: Timestamp(progressStart.Add(5 * time.Minute)), EndedAt: Timestamp(progressStart.Add(5 * time.Minute))}
	p := d.Report(progressStart.Add(6*time.Minute), StageCDN, "Waiting for deployment...", "E1")
	if p.Percent != 100 {
		t.Errorf("percent = %d, want 100", p.Percent)
	}
}

func TestReportFollowsTheCurve(t *testing.T) {
	tests := []struct {
		name string
		tier Tier
		at   time.Duration
		want int
	}{
		{"start is the minimum", TierDev, 0, 1},
		{"clock before the start clamps to 1", TierDev, -time.Minute, 1},
		{"linear: a third of dev's 3 min", TierDev, time.Minute, 30},
		{"linear: half of automation's 8 min", TierAutomation, 4 * time.Minute, 45},
		{"linear: a third of gpu's 9 min", TierGPU, 3 * time.Minute, 30},
		{"expected duration reaches 90", TierGPU, 9 * time.Minute, 90},
		{"one more expected duration: 90+9(1-1/e)", TierGPU, 18 * time.Minute, 95},
		{"the long tail stays below 100", TierGPU, 24 * time.Hour, 99},
		{"an unknown tier is timed as dev", "", time.Minute, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := startedDoc(tt.tier).Report(progressStart.Add(tt.at), StageCompute, "m", "").Percent
			if got != tt.want {
				t.Errorf("percent = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestReportRecordsAMissingStart(t *testing.T) {
	for _, tt := range []struct {
		name    string
		timings map[string]Timing
	}{
		{"no timings", nil},
		{"no validate timing", map[string]Timing{StageCDN: {StartedAt: Timestamp(progressStart.Add(-time.Hour))}}},
		{"unreadable start", map[string]Timing{StageValidate: {StartedAt: "yesterday"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &Document{Request: Request{Tier: TierGPU}, Timings: tt.timings}
			if got := d.Report(progressStart, StageNetwork, "m", "").Percent; got != 1 {
				t.Errorf("first report: percent %d, want 1", got)
			}
			if got := d.Timings[StageValidate].StartedAt; got != Timestamp(progressStart) {
				t.Errorf("validate started_at = %q, want now", got)
			}
			if got := d.Report(progressStart.Add(3*time.Minute), StageCompute, "m", "").Percent; got != 30 {
				t.Errorf("3 min later: percent %d, want 30 (measured from the recorded start)", got)
			}
		})
	}
}

func TestTeardownStage(t *testing.T) {
	if got := (&Document{}).TeardownStage(); got != StageDestroy {
		t.Errorf("without an error: %q, want destroy", got)
	}
	if got := (&Document{Error: &Failure{Error: "Timeout"}}).TeardownStage(); got != StageRollback {
		t.Errorf("after a Catch: %q, want rollback", got)
	}
}

func TestReportTimesTeardownFromItsOwnStart(t *testing.T) {
	tests := []struct {
		name      string
		doc       *Document
		stage     string
		wantAtMin int // percent one minute after the teardown's first report
	}{
		{"destroy without CloudFront: 2 min", &Document{}, StageDestroy, 45},
		{"destroy with CloudFront: 4 min", &Document{Resources: Ledger{CloudFrontID: "E1"}}, StageDestroy, 22},
		{"rollback of a deployment at 80 %", &Document{
			Request: Request{Tier: TierGPU}, Error: &Failure{Error: "Timeout"},
			Timings:  map[string]Timing{StageValidate: {StartedAt: Timestamp(progressStart.Add(-8 * time.Minute))}},
			Progress: &Progress{Stage: StageCDN, Percent: 80},
		}, StageRollback, 45},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stage := tt.doc.TeardownStage()
			if stage != tt.stage {
				t.Fatalf("stage = %q, want %q", stage, tt.stage)
			}
			if got := tt.doc.Report(progressStart, stage, "m", "").Percent; got != 1 {
				t.Errorf("first report: percent %d, want 1 (a teardown has its own scale)", got)
			}
			if got := tt.doc.Timings[stage].StartedAt; got != Timestamp(progressStart) {
				t.Errorf("%s started_at = %q, want the first report's time", stage, got)
			}
			prev := 1
			for at := 10 * time.Second; at <= time.Hour; at += 10 * time.Second {
				got := tt.doc.Report(progressStart.Add(at), stage, "m", "").Percent
				if got < prev || got > 99 {
					t.Fatalf("at %v: percent %d after %d", at, got, prev)
				}
				if at == time.Minute && got != tt.wantAtMin {
					t.Errorf("after a minute: percent %d, want %d", got, tt.wantAtMin)
				}
				prev = got
			}
		})
	}
}

func TestReportFillsTheProgress(t *testing.T) {
	d := startedDoc(TierGPU)
	d.Resources.CloudFrontDomain = "d111111abcdef8.cloudfront.net"
	d.Report(progressStart.Add(time.Minute), StageCDN, "Waiting for deployment...", "E1").StagePercent = 25
	want := Progress{
		Stage: StageCDN, Message: "Waiting for deployment...", Percent: 10, StagePercent: 25,
		ResourceID: "E1", CloudFrontDomain: "d111111abcdef8.cloudfront.net",
	}
	if *d.Progress != want {
		t.Errorf("progress = %+v, want %+v", *d.Progress, want)
	}

	// A new report replaces the stage's estimate with its own.
	d.Report(progressStart.Add(2*time.Minute), StageHealth, "m", "i-1")
	b, err := json.Marshal(d.Progress)
	if err != nil {
		t.Fatal(err)
	}
	// The field is always written: progress events read it by path, and a
	// missing path would fail the state.
	if !strings.Contains(string(b), `"stage_percent":0`) {
		t.Errorf("a report without a stage estimate resets stage_percent to 0: %s", b)
	}
}
