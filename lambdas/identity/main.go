// Command identity is the identity step's Lambda: the instance's IAM role
// and instance profile (see internal/steps/identity).
package main

import (
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/identity"
)

func main() { lambdaio.Start("identity", lambdaio.Step(identity.New)) }
