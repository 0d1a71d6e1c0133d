package asl

import "slices"

// Retrier defaults from the States language specification.
const (
	defaultIntervalSeconds = 1
	defaultMaxAttempts     = 3
	defaultBackoffRate     = 2.0
)

func (d *decoder) retryCatch(o object, st *State) {
	retriers := o.objects("Retry")
	for i, r := range retriers {
		r.allowOnly("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment")
		rt := &Retrier{
			ErrorEquals:     errorEquals(r, i == len(retriers)-1, "retrier"),
			IntervalSeconds: defaultIntervalSeconds,
			MaxAttempts:     defaultMaxAttempts,
			BackoffRate:     defaultBackoffRate,
			JitterStrategy:  JitterNone,
		}
		if v, ok := r.integer("IntervalSeconds", 1); ok {
			rt.IntervalSeconds = v
		}
		if v, ok := r.integer("MaxAttempts", 0); ok {
			rt.MaxAttempts = v
		}
		if r.decode("BackoffRate", "a number", &rt.BackoffRate) && rt.BackoffRate < 1 {
			r.addf("BackoffRate must be at least 1.0, got %v", rt.BackoffRate)
		}
		rt.MaxDelaySeconds, _ = r.integer("MaxDelaySeconds", 1)
		if r.has("JitterStrategy") {
			rt.JitterStrategy = r.str("JitterStrategy")
			if rt.JitterStrategy != JitterNone && rt.JitterStrategy != JitterFull {
				r.addf("JitterStrategy must be %s or %s, got %q", JitterFull, JitterNone, rt.JitterStrategy)
			}
		}
		st.Retry = append(st.Retry, rt)
	}
	catchers := o.objects("Catch")
	for i, c := range catchers {
		c.allowOnly("ErrorEquals", "ResultPath", "Next", "Comment")
		st.Catch = append(st.Catch, &Catcher{
			ErrorEquals: errorEquals(c, i == len(catchers)-1, "catcher"),
			ResultPath:  c.pathField("ResultPath", true),
			Next:        c.requiredStr("Next"),
		})
	}
}

// errorEquals reads a non-empty ErrorEquals in which States.ALL, if
// present, is alone and in the last retrier or catcher (kind).
func errorEquals(o object, last bool, kind string) []string {
	var names []string
	if !o.decode("ErrorEquals", "an array of strings", &names) || len(names) == 0 {
		o.addf("ErrorEquals must name at least one error")
		return nil
	}
	if slices.Contains(names, StatesALL) {
		switch {
		case len(names) > 1:
			o.addf("%s must appear alone in ErrorEquals", StatesALL)
		case !last:
			o.addf("%s must be in the last %s", StatesALL, kind)
		}
	}
	return names
}
