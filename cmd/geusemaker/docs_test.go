package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/workload"
)

// docCommand is one shell command of a code block of the docs.
type docCommand struct {
	where string // file:line
	env   []string
	args  []string
	// jq is the filter of a `| jq -r FILTER` the command's output goes to.
	jq string
}

// shellBlock opens a fenced block of shell commands.
var shellBlock = regexp.MustCompile("^```(sh|bash|shell|console)\\s*$")

// docCommands extracts every shell command of README.md and docs/*.md,
// in order: lines of sh/bash/shell/console blocks, continuations joined,
// comments and prompts dropped.
func docCommands(t *testing.T) []docCommand {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("docs", "*.md"))
	require.NoError(t, err)
	var out []docCommand
	for _, f := range append([]string{"README.md"}, files...) {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		in, pending := false, ""
		for i, line := range strings.Split(string(raw), "\n") {
			switch {
			case !in && shellBlock.MatchString(line):
				in = true
				continue
			case in && strings.HasPrefix(line, "```"):
				in = false
				continue
			case !in:
				continue
			}
			line = strings.TrimPrefix(strings.TrimSpace(line), "$ ")
			if c, ok := strings.CutSuffix(line, `\`); ok {
				pending += c + " "
				continue
			}
			line = pending + line
			pending = ""
			if cmt := strings.Index(line, " # "); cmt >= 0 {
				line = line[:cmt]
			}
			if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cmd := docCommand{where: f + ":" + strconv.Itoa(i+1)}
			if sub := substitution.FindStringSubmatch(line); sub != nil {
				// VAR=$(command): the command is what runs.
				cmd.env, line = []string{sub[1] + "="}, sub[2]
			}
			words := shellWords(t, line)
			for len(words) > 0 && envAssign.MatchString(words[0]) {
				cmd.env, words = append(cmd.env, words[0]), words[1:]
			}
			// A pipeline is its commands, each checked; > FILE is dropped.
			stages := [][]string{nil}
			for i := 0; i < len(words); i++ {
				switch words[i] {
				case "|":
					stages = append(stages, nil)
				case ">":
					i++
				default:
					stages[len(stages)-1] = append(stages[len(stages)-1], words[i])
				}
			}
			for i, stage := range stages {
				c := docCommand{where: cmd.where, args: stage}
				if i == 0 {
					c.env = cmd.env
				}
				if i+1 < len(stages) && len(stages[i+1]) == 3 && stages[i+1][0] == "jq" && stages[i+1][1] == "-r" {
					c.jq = stages[i+1][2]
				}
				out = append(out, c)
			}
		}
	}
	return out
}

var (
	envAssign    = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`)
	substitution = regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)=\$\((.*)\)$`)
)

// shellWords splits a command line as a POSIX shell would for these docs:
// blanks separate words, quotes group, $(...) stays one word.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	var quote rune
	depth, inWord := 0, false
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
				continue
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
			continue
		case r == '(':
			depth++
		case r == ')':
			depth--
		case (r == ' ' || r == '\t') && depth == 0:
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
		inWord = true
	}
	require.Zero(t, quote, "unclosed quote in %q", line)
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// goConstants reads the string constants of a Go source file.
func goConstants(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	require.NoError(t, err)
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if i < len(vs.Values) {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					out[name.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
		return true
	})
	return out
}

// infraNames are the names infra gives what the docs and the CLI refer to,
// read from its source (compiling the CDK packages would take minutes).
type infraNames struct {
	stack, bus, logGroup, detailRequested, eventSource string
	outputs                                            []string
}

func readInfraNames(t *testing.T) infraNames {
	t.Helper()
	st := goConstants(t, filepath.Join("infra", "stack", "stack.go"))
	main, err := os.ReadFile(filepath.Join("infra", "main.go"))
	require.NoError(t, err)
	m := regexp.MustCompile(`context\("stackName", "([^"]+)"\)`).FindSubmatch(main)
	require.NotNil(t, m, "infra/main.go names the default stack")
	return infraNames{
		stack: string(m[1]), bus: contract.EventBusName, logGroup: st["EventsLogGroupName"],
		detailRequested: contract.DetailRequested, eventSource: contract.EventSource,
		outputs: []string{st["OutputDeployArn"], st["OutputDestroyArn"], st["OutputWatchArn"], st["OutputBusName"]},
	}
}

func TestTheCLIFindsTheStackByInfrasNames(t *testing.T) {
	chdirRepo(t)
	names := readInfraNames(t)
	assert.Equal(t, names.stack, defaultStackName)
	assert.Contains(t, names.outputs, outputDeployARN)
	assert.Contains(t, names.outputs, outputDestroyARN)
}

// awsFlags are the options of the aws CLI commands the docs use (AWS CLI
// v2 reference), with the global ones every command takes.
var awsFlags = map[string][]string{
	"stepfunctions start-execution":   {"--state-machine-arn", "--name", "--input", "--trace-header"},
	"stepfunctions stop-execution":    {"--execution-arn", "--error", "--cause"},
	"events put-events":               {"--entries", "--endpoint-id"},
	"logs tail":                       {"--follow", "--since", "--format", "--filter-pattern", "--log-stream-names", "--log-stream-name-prefix"},
	"cloudformation describe-stacks":  {"--stack-name", "--next-token"},
	"secretsmanager get-secret-value": {"--secret-id", "--version-id", "--version-stage"},
	"secretsmanager put-secret-value": {"--secret-id", "--secret-string", "--secret-binary", "--client-request-token", "--version-stages"},
	"ssm send-command":                {"--instance-ids", "--targets", "--document-name", "--document-version", "--parameters", "--comment", "--timeout-seconds"},
	"ssm get-command-invocation":      {"--command-id", "--instance-id", "--plugin-name"},
}

var awsGlobalFlags = []string{"--query", "--output", "--region", "--profile", "--no-cli-pager"}

// notRun are the commands the test leaves unrun, and why; it checks what
// it can of them offline.
var notRun = map[string]string{
	"make deploy":       "deploys the stack with the CDK CLI",
	"npx cdk bootstrap": "prepares an account and region for the CDK",
	"git clone":         "fetches this repository",
	"cd":                "enters it",
	"go install":        "installs the CLI",
	"umask":             "keeps the files that follow private",
	"rm":                "removes them",
	"jq":                "edits JSON; its filters are checked against what they read",
	"curl":              "calls the deployed stack; its routes and header are checked",
}

// TestEveryCommandInTheDocsIsRunOrChecked runs the docs' geusemaker
// commands, in order, against a fake backend whose executions run the
// real workflows on the simulated AWS, and checks the others: make
// targets exist, aws commands take the flags given, name infra's stack,
// bus and log group, and read files that exist and hold what they must.
func TestEveryCommandInTheDocsIsRunOrChecked(t *testing.T) {
	newFakeBackend(t, false)
	chdirRepo(t)
	names := readInfraNames(t)
	cmds := docCommands(t)
	require.NotEmpty(t, cmds)
	ran := 0
	for _, c := range cmds {
		line := strings.Join(c.args, " ")
		t.Run(c.where+" "+line, func(t *testing.T) {
			switch c.args[0] {
			case "make":
				checkMake(t, c.args[1])
			case "geusemaker":
				ran++
				checkGeusemaker(t, c)
			case "aws":
				checkAWS(t, names, c.args)
				if c.jq != "" {
					assert.Contains(t, secretFields(t), strings.TrimPrefix(c.jq, "."), "the secret's fields")
				}
			default:
				checkAllowed(t, c.args)
			}
		})
	}
	assert.Positive(t, ran, "the docs' geusemaker commands ran")
}

func checkMake(t *testing.T, target string) {
	mk, err := filepath.Glob(filepath.Join("make", "*.mk"))
	require.NoError(t, err)
	var all strings.Builder
	for _, f := range append([]string{"Makefile"}, mk...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		all.Write(b)
	}
	assert.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(target)+`:`), all.String(), "make %s is a target", target)
	switch target {
	case "run": // TestRunDeploysTier3ByDefault runs `go run ./cmd/geusemaker run`, which it is
	case "test": // runs this very test
	default:
		assert.Contains(t, notRun, "make "+target, "make %s needs a reason to be left unrun", target)
	}
}

func checkGeusemaker(t *testing.T, c docCommand) {
	args := c.args[1:]
	if args[0] == "run" && slices.Contains(args, "aws") {
		// A real account only: its flags must parse; the run itself is
		// TestRunCloudAWSDrivesAnAWSEndpointThroughTheStandardChain's.
		_, err := (&app{stderr: &strings.Builder{}}).parseRunFlags(args[1:])
		assert.NoError(t, err)
		return
	}
	code, out, stderr := geusemaker(t, args...)
	if args[0] == "run" && (slices.Contains(args, "--fault") || slices.Contains(args, "--latency")) {
		// A broken simulated account: a failed deployment (exit 1) that
		// rolled back to nothing, or a success; never bad usage.
		assert.Contains(t, []int{exitOK, exitFailed}, code, "stdout: %s\nstderr: %s", out, stderr)
		assert.Contains(t, out, "alive in the simulated account: ", "the run's report")
		if code == exitFailed {
			assert.Contains(t, out, "alive in the simulated account: 0 resource(s)", "the rollback left nothing")
		}
		return
	}
	assert.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", out, stderr)
	if c.jq != "" {
		var v any
		require.NoError(t, json.Unmarshal([]byte(out), &v), "jq reads JSON")
		for _, field := range strings.Split(strings.TrimPrefix(c.jq, "."), ".") {
			m, ok := v.(map[string]any)
			require.True(t, ok, "%s: no object at %s", c.jq, field)
			v = m[field]
		}
		assert.NotEmpty(t, v, "jq -r %s finds a value", c.jq)
	}
}

// applySecrets is where the bootstrap installs apply-secrets.
func applySecrets(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("internal", "steps", "compute", "userdata", "bootstrap.sh"))
	require.NoError(t, err)
	dir := regexp.MustCompile(`(?m)^APP_DIR=(\S+)$`).FindSubmatch(b)
	require.NotNil(t, dir)
	require.Contains(t, string(b), `cat >"$APP_DIR/apply-secrets" <<'APPLY'`)
	return string(dir[1]) + "/apply-secrets"
}

func checkAWS(t *testing.T, names infraNames, args []string) {
	require.GreaterOrEqual(t, len(args), 3)
	cmd := args[1] + " " + args[2]
	known, ok := awsFlags[cmd]
	require.True(t, ok, "aws %s is not a command the docs test knows", cmd)
	opts := map[string]string{}
	var positional []string
	for i := 3; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			positional = append(positional, a)
			continue
		}
		assert.True(t, slices.Contains(known, a) || slices.Contains(awsGlobalFlags, a), "aws %s takes no %s", cmd, a)
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") && a != "--follow" {
			opts[a] = args[i+1]
			i++
		}
	}
	file := func(flag string) []byte {
		path, ok := strings.CutPrefix(opts[flag], "file://")
		require.True(t, ok, "%s reads a file://", flag)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return b
	}
	switch cmd {
	case "stepfunctions start-execution":
		req, err := document.Parse(file("--input"))
		require.NoError(t, err)
		assert.Equal(t, req.DeploymentID, opts["--name"], "the execution is named after the deployment id")
	case "events put-events":
		var entries []struct{ Source, DetailType, EventBusName, Detail string }
		require.NoError(t, json.Unmarshal(file("--entries"), &entries))
		require.NotEmpty(t, entries)
		for _, e := range entries {
			assert.Equal(t, names.bus, e.EventBusName)
			assert.Equal(t, names.detailRequested, e.DetailType)
			assert.NotEqual(t, names.eventSource, e.Source, "the bus's own source never starts a deployment")
			_, err := document.Parse([]byte(e.Detail))
			assert.NoError(t, err, "the detail is a request")
		}
	case "logs tail":
		assert.Equal(t, []string{names.logGroup}, positional)
	case "secretsmanager get-secret-value", "secretsmanager put-secret-value":
		assert.Equal(t, `$SECRET_ARN`, opts["--secret-id"], "the ARN the report names")
	case "ssm send-command":
		assert.Equal(t, "AWS-RunShellScript", opts["--document-name"])
		script, ok := strings.CutPrefix(opts["--parameters"], "commands=")
		require.True(t, ok, "--parameters commands=...")
		assert.Equal(t, applySecrets(t), script, "runs the script the bootstrap installs")
	case "cloudformation describe-stacks":
		assert.Equal(t, names.stack, opts["--stack-name"])
		for _, m := range regexp.MustCompile(`OutputKey=='(\w+)'`).FindAllStringSubmatch(opts["--query"], -1) {
			assert.Contains(t, names.outputs, m[1])
		}
	}
}

func checkAllowed(t *testing.T, args []string) {
	key := ""
	for n := min(3, len(args)); n > 0; n-- {
		if _, ok := notRun[strings.Join(args[:n], " ")]; ok {
			key = strings.Join(args[:n], " ")
			break
		}
	}
	require.NotEmpty(t, key, "%q is neither run by a test nor allow-listed", strings.Join(args, " "))
	switch key {
	case "npx cdk bootstrap":
		pkg, err := os.ReadFile("package.json")
		require.NoError(t, err)
		assert.Contains(t, string(pkg), `"aws-cdk"`, "npx finds the CDK CLI the project installs")
	case "go install":
		assert.DirExists(t, args[2])
	case "jq":
		// jq --arg NAME VALUE '.field = $NAME' edits a field of the secret.
		if len(args) >= 5 && args[1] == "--arg" {
			field := regexp.MustCompile(`^\.(\w+) = \$` + args[2] + `$`).FindStringSubmatch(args[4])
			require.NotNil(t, field, "jq %s", args[4])
			assert.Contains(t, secretFields(t), field[1])
		}
	case "curl":
		checkCurl(t, args)
	}
}

// secretFields are the JSON fields of the deployment's secret.
func secretFields(t *testing.T) []string {
	t.Helper()
	s, err := workload.Generate()
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s.JSON()), &m))
	return slices.Sorted(maps.Keys(m))
}

// checkCurl checks a call of the deployed stack: a route nginx guards,
// with the header it wants.
func checkCurl(t *testing.T, args []string) {
	require.Len(t, args, 4, "curl -H HEADER URL")
	assert.Equal(t, "-H", args[1])
	assert.Equal(t, "Authorization: "+workload.Authorization("$API_KEY"), args[2])
	path, ok := strings.CutPrefix(args[3], "$N8N_URL")
	require.True(t, ok, "the stack's URL: %s", args[3])
	var probes []string
	for _, r := range workload.Routes() {
		probes = append(probes, r.Probe)
	}
	assert.Contains(t, probes, path, "a guarded route")
}
