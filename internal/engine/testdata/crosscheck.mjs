// crosscheck.mjs runs one job on the npm package aws-local-stepfunctions, the
// independent ASL implementation the Go engine is checked against.
//
// Job (JSON on stdin):
//   {"definition": {...}, "input": {...},
//    "tasks": {"<Task state>": [{"result": <json>} | {"error": "Name", "cause": "text"}, ...]}}
// Each Task state's results are used in call order. Wait states and retry
// backoff are overridden to 0 ms.
//
// Output (JSON on stdout):
//   {"status": "SUCCEEDED"|"FAILED", "output": <json>, "error": "...", "cause": "...",
//    "entered": ["<state>", ...]}
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

// Walk every state, branches and item processors included.
function* allStates(machine) {
  for (const [name, state] of Object.entries(machine.States)) {
    yield [name, state];
    for (const branch of state.Branches ?? []) yield* allStates(branch);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) yield* allStates(processor);
  }
}

const overrides = { taskResourceLocalHandlers: {}, waitTimeOverrides: {}, retryIntervalOverrides: {} };
for (const [name, state] of allStates(job.definition)) {
  if (state.Type === 'Wait') overrides.waitTimeOverrides[name] = 0;
  if (state.Retry) overrides.retryIntervalOverrides[name] = 0;
  if (state.Type === 'Task') {
    const script = [...(job.tasks?.[name] ?? [])];
    overrides.taskResourceLocalHandlers[name] = async () => {
      const step = script.shift();
      if (step === undefined) throw Object.assign(new Error(`no scripted result left for ${name}`), { name: 'ScriptExhausted' });
      if (step.error !== undefined) throw Object.assign(new Error(step.cause ?? ''), { name: step.error });
      return step.result ?? null;
    };
  }
}

const machine = new StateMachine(job.definition);
const execution = machine.run(job.input ?? {}, { overrides });
const entered = [];
const logged = (async () => {
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') entered.push(event.state.name);
  }
})();

const report = { entered };
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
