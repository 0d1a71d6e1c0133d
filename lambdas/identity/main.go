// Command identity is the identity step's Lambda: the instance's IAM role
// and instance profile (see internal/steps/identity).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/identity"
)

func main() { lambdaio.Start(contract.Identity, lambdaio.Step(identity.New)) }
