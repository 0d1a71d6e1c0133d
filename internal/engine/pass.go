package engine

// pass returns the Pass state's Result, or its effective input.
func (r *run) pass(in *stateInput) any {
	if in.st.HasResult {
		return in.st.Result
	}
	return in.env.Input
}
