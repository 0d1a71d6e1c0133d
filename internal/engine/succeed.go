package engine

// succeed passes the effective input on; the execution (or branch) ends there.
func succeed(in *stateInput) any { return in.env.Input }
