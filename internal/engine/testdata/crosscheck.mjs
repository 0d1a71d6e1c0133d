// crosscheck.mjs runs one job on the npm package aws-local-stepfunctions
// 3.0.0, the independent ASL implementation the local engine is checked
// against: the engine's own cases (internal/engine) and the committed
// definitions run with scripted task results (internal/localrun). Besides
// the job format, the polyfill, the overrides and the report, it does what
// checking the committed definitions needs: two more things to compare, and
// three rewrites of the definition, for this library only, each meaning the
// same in Step Functions and each working around a defect of
// aws-local-stepfunctions 3.0.0:
//   - it records each Task's effective input (after InputPath and
//     Parameters), so the Go test can compare what both engines hand to every
//     task, not only the final output (the scripted results hide the data flow
//     otherwise: most tasks replace the whole document);
//   - it passes job.context as the run's context object, so $$.Execution.Id
//     and the like are the Go execution's values;
//   - "ResultPath": "$" (on a state or a Catch) is dropped: the spec's
//     default, same meaning (the result replaces the input), but
//     aws-local-stepfunctions 3.0.0 strips "$." from the path and, for "$"
//     alone, sets a field literally named "$" on the input instead;
//   - States.JsonMerge's first argument, a path, is wrapped in
//     States.ArrayGetItem(States.Array(...), 0): the same value, but the
//     library hands a nested function's result over as JSON text, so a copy.
//     aws-local-stepfunctions 3.0.0 implements the merge as
//     Object.assign(first, second), which writes into the state's input, so
//     later references to that path (and aliases of the merged object) see
//     the merged value: in the deploy definition, "Merge branch documents"
//     then gives filled.b0 and filled.b1 the same object, and the merged
//     status loses the first branch's keys;
//   - a Fail state whose ErrorPath or CausePath is an intrinsic function
//     (allowed by Step Functions; aws-local-stepfunctions 3.0.0 reads it as a
//     plain JSONPath and fails with States.Runtime "Path expression
//     'States.JsonToString($.failure)' does not point to a value") becomes a
//     Pass state of the same name that evaluates the fields with the
//     library's Parameters processing, then a hidden Task that fails with
//     them (left out of "entered" and "inputs"). States.JsonToString(path)
//     there is evaluated as the path, then JSON.stringify, as the library's
//     own States.JsonToString does, without the last thing it does to every
//     string an intrinsic returns: remove all backslashes, which makes the
//     JSON of a document holding a JSON string (an error cause) invalid.
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

// Drops "ResultPath": "$" (see above).
function dropWholeResultPath(state) {
  for (const holder of [state, ...(state.Catch ?? [])]) {
    if (holder.ResultPath === '$') delete holder.ResultPath;
  }
}

// Makes States.JsonMerge merge into a copy (see above). Paths in the
// definitions have no commas or parentheses.
const mergeIntoCopy = (template) =>
  template.replace(/States\.JsonMerge\((\$[^,()]*),/g, 'States.JsonMerge(States.ArrayGetItem(States.Array($1), 0),');

function copyMergeTargets(template) {
  if (Array.isArray(template)) return template.map(copyMergeTargets);
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => [
      key,
      key.endsWith('.$') && typeof value === 'string' ? mergeIntoCopy(value) : copyMergeTargets(value),
    ]),
  );
}

// The parameter that yields a Fail field: {"<key>.$": path} for a path or
// an intrinsic, {"<key>Json.$": path} for States.JsonToString(path), or the
// constant.
function failField(parameters, key, constant, path) {
  const json = /^States\.JsonToString\((\$[^()]*)\)$/.exec(path ?? '');
  if (json) parameters[key + 'Json.$'] = json[1];
  else if (path !== undefined) parameters[key + '.$'] = path;
  else if (constant !== undefined) parameters[key] = constant;
}

// Rewrites the Fail states the library cannot evaluate (see above); returns
// the hidden Task states' names.
function splitIntrinsicFail(machine) {
  const hidden = [];
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type !== 'Fail' || !(isIntrinsic(state.ErrorPath) || isIntrinsic(state.CausePath))) continue;
    const parameters = {};
    failField(parameters, 'Error', state.Error, state.ErrorPath);
    failField(parameters, 'Cause', state.Cause, state.CausePath);
    machine.States[name] = { Type: 'Pass', Parameters: parameters, Next: name + hiddenSuffix };
    machine.States[name + hiddenSuffix] = { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:crosscheck-fail', End: true };
    hidden.push(name + hiddenSuffix);
  }
  return hidden;
}

const failWith = async (input) => {
  const field = (key) => (key + 'Json' in input ? JSON.stringify(input[key + 'Json']) : input[key]);
  throw Object.assign(new Error(field('Cause') ?? ''), { name: field('Error') });
};

const overrides = { taskResourceLocalHandlers: {}, waitTimeOverrides: {}, retryIntervalOverrides: {} };
const inputs = {};
const hidden = [];
for (const machine of allMachines(job.definition)) {
  hidden.push(...splitIntrinsicFail(machine));
  for (const [name, state] of Object.entries(machine.States)) {
    dropWholeResultPath(state);
    for (const field of ['Parameters', 'ResultSelector']) {
      if (state[field] !== undefined) state[field] = copyMergeTargets(state[field]);
    }
    if (state.Type === 'Wait') overrides.waitTimeOverrides[name] = 0;
    if (state.Retry) overrides.retryIntervalOverrides[name] = 0;
    if (state.Type === 'Task') {
      const script = [...(job.tasks?.[name] ?? [])];
      overrides.taskResourceLocalHandlers[name] = async (input) => {
        // A copy: the library may later write into objects it handed over.
        (inputs[name] ??= []).push(structuredClone(input));
        const step = script.shift();
        if (step === undefined) throw Object.assign(new Error(`no scripted result left for ${name}`), { name: 'ScriptExhausted' });
        if (step.error !== undefined) throw Object.assign(new Error(step.cause ?? ''), { name: step.error });
        return step.result ?? null;
      };
    }
  }
}

for (const name of hidden) overrides.taskResourceLocalHandlers[name] = failWith;

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
