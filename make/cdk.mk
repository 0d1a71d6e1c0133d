# CDK, Lambda build and ASL targets; included by the main Makefile.
#
#   make lambdas    build every step Lambda into $(BUILD_DIR)/<name>/bootstrap
#   make synth      synthesize the stack (cdk-nag AwsSolutions runs in the app)
#   make deploy     deploy it with the CDK CLI (credentials from the usual chain;
#                   DEPLOYERS, default the deploying principal)
#   make asl        regenerate the committed statemachine/definition/*.asl.json
#   make asl-check  validate every committed ASL file with asl-validator

# Every lambdas/<name> is a step Lambda (a test checks they are
# contract.Lambdas()).
LAMBDAS   := $(notdir $(wildcard lambdas/*))
BUILD_DIR ?= build
CDK       := npx --no-install cdk
CDK_FLAGS ?=

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := true

.PHONY: lambdas synth deploy asl asl-check

# provided.al2023 on arm64; lambda.norpc drops the RPC mode provided.*
# runtimes never use.
lambdas:
	@for l in $(LAMBDAS); do \
		echo "build $(BUILD_DIR)/$$l/bootstrap"; \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
			-o $(BUILD_DIR)/$$l/bootstrap ./lambdas/$$l || exit 1; \
	done

synth: node lambdas
	$(CDK) synth --quiet -c assetsDir=$(BUILD_DIR) $(CDK_FLAGS)

# Who may request a deployment on the bus: DEPLOYERS (principal ARNs,
# comma-separated; "*" for whoever IAM allows), by default the principal
# deploying the stack (cmd/deployer asks STS).
deploy: node lambdas
	@deployers="$${DEPLOYERS:-$$(go run ./cmd/deployer)}" || exit 1; \
	echo "deployers: $$deployers"; \
	$(CDK) deploy --require-approval broadening -c assetsDir=$(BUILD_DIR) -c deployers="$$deployers" $(CDK_FLAGS)

asl:
	go run ./cmd/aslgen -dir statemachine/definition

asl-check:
	@for f in statemachine/definition/*.asl.json; do \
		npx --no-install asl-validator --json-path $$f || exit 1; \
	done
