// crosscheck.mjs runs one deploy job on the npm package aws-local-stepfunctions
// 3.0.0, the independent ASL implementation the local engine is checked
// against. It is internal/engine/testdata/crosscheck.mjs plus three things the
// committed definitions need:
//   - it records each Task's effective input (after InputPath and
//     Parameters), so the Go test can compare what both engines hand to every
//     task, not only the final output (the scripted results hide the data flow
//     otherwise: most tasks replace the whole document);
//   - it passes job.context as the run's context object, so $$.Execution.Id
//     and the like are the Go execution's values;
//   - a Fail state whose ErrorPath or CausePath is an intrinsic function
//     (allowed by Step Functions; aws-local-stepfunctions 3.0.0 treats it as a
//     plain JSONPath and fails with States.Runtime "Path expression
//     'States.JsonToString($.failure)' does not point to a value") becomes a
//     Pass state of the same name that evaluates the intrinsics with the
//     library's own Parameters processing, then a hidden Fail state that
//     reads them back; the hidden state is left out of "entered".
//
// Job (JSON on stdin):
//   {"definition": {...}, "input": {...}, "context": {...},
//    "tasks": {"<Task state>": [{"result": <json>} | {"error": "Name", "cause": "text"}, ...]}}
// Each Task state's results are used in call order. Wait states and retry
// backoff are overridden to 0 ms.
//
// Output (JSON on stdout):
//   {"status": "SUCCEEDED"|"FAILED", "output": <json>, "error": "...", "cause": "...",
//    "entered": ["<state>", ...], "inputs": {"<Task state>": [<json>, ...]}}
// "entered" lists every StateEntered event, branches included, in the order seen.

// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// Imported after the polyfill: a static import would run first.
const { StateMachine } = await import('aws-local-stepfunctions');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8'));

// Every machine: the top level, then branches and item processors.
function* allMachines(machine) {
  yield machine;
  for (const state of Object.values(machine.States)) {
    for (const branch of state.Branches ?? []) yield* allMachines(branch);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) yield* allMachines(processor);
  }
}

const hiddenSuffix = ' (crosscheck Fail)';
const isIntrinsic = (path) => typeof path === 'string' && path.startsWith('States.');

// Rewrites the Fail states the library cannot evaluate (see above).
function splitIntrinsicFail(machine) {
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type !== 'Fail' || !(isIntrinsic(state.ErrorPath) || isIntrinsic(state.CausePath))) continue;
    const parameters = {};
    const fail = { Type: 'Fail', Error: state.Error, Cause: state.Cause };
    if (state.ErrorPath) {
      parameters['Error.$'] = state.ErrorPath;
      fail.ErrorPath = '$.Error';
    }
    if (state.CausePath) {
      parameters['Cause.$'] = state.CausePath;
      fail.CausePath = '$.Cause';
    }
    machine.States[name] = { Type: 'Pass', Parameters: parameters, Next: name + hiddenSuffix };
    machine.States[name + hiddenSuffix] = fail;
  }
}

const overrides = { taskResourceLocalHandlers: {}, waitTimeOverrides: {}, retryIntervalOverrides: {} };
const inputs = {};
for (const machine of allMachines(job.definition)) {
  splitIntrinsicFail(machine);
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Wait') overrides.waitTimeOverrides[name] = 0;
    if (state.Retry) overrides.retryIntervalOverrides[name] = 0;
    if (state.Type === 'Task') {
      const script = [...(job.tasks?.[name] ?? [])];
      overrides.taskResourceLocalHandlers[name] = async (input) => {
        (inputs[name] ??= []).push(input);
        const step = script.shift();
        if (step === undefined) throw Object.assign(new Error(`no scripted result left for ${name}`), { name: 'ScriptExhausted' });
        if (step.error !== undefined) throw Object.assign(new Error(step.cause ?? ''), { name: step.error });
        return step.result ?? null;
      };
    }
  }
}

const machine = new StateMachine(job.definition);
const execution = machine.run(job.input ?? {}, { overrides, context: job.context ?? {} });
const entered = [];
const logged = (async () => {
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered' && !event.state.name.endsWith(hiddenSuffix)) entered.push(event.state.name);
  }
})();

const report = { entered, inputs };
try {
  report.output = await execution.result;
  report.status = 'SUCCEEDED';
} catch (err) {
  const failure = err.cause ?? err;
  report.status = 'FAILED';
  report.error = failure.name;
  report.cause = failure.message;
}
await logged;
process.stdout.write(JSON.stringify(report) + '\n');
