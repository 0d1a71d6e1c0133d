package asl

// Error names defined by the States language. Retry and Catch match on them.
const (
	// StatesALL matches every error name except StatesRuntime; it must be
	// alone in its ErrorEquals and in the last retrier or catcher.
	StatesALL = "States.ALL"
	// StatesTaskFailed matches every error name except StatesTimeout (and
	// StatesRuntime); a Task error without a name is reported under it.
	StatesTaskFailed = "States.TaskFailed"
	// StatesTimeout: a Task ran longer than TimeoutSeconds or missed a
	// heartbeat, or the execution ran longer than its TimeoutSeconds.
	StatesTimeout = "States.Timeout"
	// StatesRuntime: a path or value could not be processed. It is neither
	// retried nor caught, even by StatesALL.
	StatesRuntime = "States.Runtime"
	// StatesResultPathMatchFailure: ResultPath cannot be applied to the input.
	StatesResultPathMatchFailure = "States.ResultPathMatchFailure"
	// StatesParameterPathFailure: a `.$` path in a payload template selects
	// nothing.
	StatesParameterPathFailure = "States.ParameterPathFailure"
	// StatesIntrinsicFailure: an intrinsic function failed.
	StatesIntrinsicFailure = "States.IntrinsicFailure"
	// StatesNoChoiceMatched: no Choice rule matched and there is no Default.
	StatesNoChoiceMatched = "States.NoChoiceMatched"
	// StatesDataLimitExceeded: a state's output is larger than Step
	// Functions' payload quota (MaxPayloadBytes). StatesALL and
	// StatesTaskFailed do not match it; only its own name does.
	StatesDataLimitExceeded = "States.DataLimitExceeded"
)

// MaxPayloadBytes is Step Functions' quota on the input or output of a
// state or an execution: 256 KiB of UTF-8 encoded JSON.
const MaxPayloadBytes = 256 * 1024

const ()

// StateType is the Type of a state.
type StateType string

// State types.
const (
	TypeTask     StateType = "Task"
	TypePass     StateType = "Pass"
	TypeWait     StateType = "Wait"
	TypeChoice   StateType = "Choice"
	TypeParallel StateType = "Parallel"
	TypeMap      StateType = "Map"
	TypeSucceed  StateType = "Succeed"
	TypeFail     StateType = "Fail"
)
