// Command secrets is the secrets step's Lambda: the deployment's Secrets
// Manager secret (see internal/steps/secrets).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/secrets"
)

func main() { lambdaio.Start(contract.Secrets, lambdaio.Step(secrets.New)) }
